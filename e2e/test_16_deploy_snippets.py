"""The Postfix snippets shipped in deploy/postfix/ work as written with a real Postfix: the
settings are read from the files (ports swapped for the test's), and Postfix's own TLS client
(smtp_tls_security_level = may) talks STARTTLS to pixelgate. And a real Postfix smtpd as the
upstream MTA (STARTTLS verified, XFORWARD, DSN).
"""
from __future__ import annotations

import re
from collections import Counter

from mailutil import make_message, new_msgid
from rawsmtp import RawSMTP, dot_stuff
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


def test_real_postfix_as_upstream(pixelgate, sink, postfix_instance, tls_files):
    """pixelgate's upstream client against a real MTA: Postfix's smtpd with STARTTLS (required by
    tls_policy = verify, checked against the test CA for the name "localhost"), PIPELINING, DSN
    and XFORWARD (authorized for loopback); Postfix then relays to smtp-sink."""
    cert, key = tls_files
    upstream_pf = postfix_instance(relay_port=sink.port, extra_main={
        "smtpd_tls_cert_file": str(cert), "smtpd_tls_key_file": str(key),
        "smtpd_tls_security_level": "may", "smtpd_tls_loglevel": "1",
        "smtpd_authorized_xforward_hosts": "127.0.0.0/8",
    })
    pg = pixelgate(f'[upstream]\ntls_policy = "verify"\nca_file = "{cert}"\n',
                   upstream=f"localhost:{upstream_pf.smtp_port}")
    msgid = new_msgid()
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    assert c.cmd("XFORWARD NAME=app.example.test ADDR=10.9.8.7").code == 250
    assert c.cmd("XFORWARD HELO=app-helo.example.test PROTO=ESMTP IDENT=CAFE12345").code == 250
    assert c.cmd("MAIL FROM:<sender@example.org> RET=HDRS ENVID=E42").code == 250
    assert c.cmd("RCPT TO:<alice@example.net> NOTIFY=FAILURE").code == 250
    assert c.cmd("RCPT TO:<bob@example.org>").code == 250
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    upstream_pf.wait_queue_empty(timeout=60)
    m = sink.wait_messages(1)[0]
    assert msgid in m.header("Message-ID")
    assert sorted(m.recipients) == ["alice@example.net", "bob@example.org"]
    log = upstream_pf.log()
    assert re.search(r"postfix/smtpd\[\d+\]: (Anonymous|Untrusted|Trusted) TLS connection established", log), \
        f"pixelgate did not use STARTTLS to Postfix:\n{log[-3000:]}"
    assert re.search(r"client=app\.example\.test\[10\.9\.8\.7\]", log), \
        f"Postfix must log the original client passed on with XFORWARD:\n{log[-3000:]}"
    assert "RET=HDRS" in m.mail_args and "ENVID=E42" in m.mail_args, m.mail_args
    assert any("NOTIFY=FAILURE" in a for a in m.rcpt_args), m.rcpt_args
