"""The Postfix snippets shipped in deploy/postfix/ work as written with a real Postfix: the
settings are read from the files (ports swapped for the test's), and Postfix's own TLS client
(smtp_tls_security_level = may) talks STARTTLS to pixelgate.
"""
from __future__ import annotations

import re
from collections import Counter

from mailutil import make_message, new_msgid
from relayproc import REPO

SNIPPETS = REPO / "deploy" / "postfix"


def snippet_settings(name: str, replacements: dict[str, str]) -> dict[str, str]:
    path = SNIPPETS / name
    assert path.is_file(), f"{path} is missing (the relay ships it)"
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([a-z_0-9]+)\s*=\s*(.*?)\s*$", line)
        if m:
            value = m.group(2)
            for old, new in replacements.items():
                value = value.replace(old, new)
            out[m.group(1)] = value
    assert out, f"no settings found in {path}"
    return out


def test_main_cf_snippet_with_postfix_tls(pixelgate, sink, postfix_instance, tls_files):
    cert, key = tls_files
    pg = pixelgate(f'[tls]\ncert = "{cert}"\nkey = "{key}"\n')
    settings = snippet_settings("main.cf.snippet", {"10025": str(pg.port)})
    assert settings.get("relayhost") == f"[127.0.0.1]:{pg.port}", settings
    settings["smtp_tls_loglevel"] = "1"
    pf = postfix_instance(relay_port=pg.port, extra_main=settings)
    msgids = [new_msgid() for _ in range(10)]
    rcpts = ["alice@example.net", "bob@example.org"]
    pf.submit("sender@example.org", rcpts, [make_message(m) for m in msgids])
    pf.wait_queue_empty(timeout=120)
    messages = sink.wait_messages(1, timeout=30)
    counts = Counter((m.header("Message-ID")[0], r) for m in messages for r in m.recipients)
    assert counts == Counter({(m, r): 1 for m in msgids for r in rcpts})
    assert re.search(r"TLS connection established to 127\.0\.0\.1", pf.log()), \
        f"Postfix did not use STARTTLS to pixelgate:\n{pf.log()[-3000:]}"
    assert pg.events("tls", status="ok"), "pixelgate must log the TLS sessions"
    for m in messages:
        received = re.sub(r"\s+", " ", m.header("Received")[0])
        assert "with ESMTPS" in received, received
    logged = {e.get("queue_id") for e in pg.log()}
    assert pf.delivered_queue_ids() <= logged


def test_lmtp_snippet_with_postfix(pixelgate, sink, postfix_instance):
    pg = pixelgate(lmtp=True)
    settings = snippet_settings("lmtp.snippet", {"10024": str(pg.lmtp_port)})
    assert settings.get("default_transport") == f"lmtp:inet:[127.0.0.1]:{pg.lmtp_port}", settings
    pf = postfix_instance(relay_port=pg.port, extra_main=settings)
    msgids = [new_msgid() for _ in range(5)]
    pf.submit("sender@example.org", ["alice@example.net", "bob@example.org"], [make_message(m) for m in msgids])
    pf.wait_queue_empty(timeout=120)
    messages = sink.wait_messages(1, timeout=30)
    got = sorted((m.header("Message-ID")[0], r) for m in messages for r in m.recipients)
    assert got == sorted((m, r) for m in msgids for r in ("alice@example.net", "bob@example.org"))
    assert "postfix/lmtp[" in pf.log()
