"""DKIM signing (issue 7) through the real relay and `pixelgate filter`, checked with dkimpy.

- Variants the relay writes (`--upstream file:DIR`) carry one rsa-sha256 and one ed25519-sha256
  signature that dkimpy verifies against the TXT records `check-config` prints, for
  quoted-printable, base64 and 8-bit bodies, and for two different per-recipient variants.
- Every corpus message rewritten by `pixelgate filter` verifies with both algorithms.
- A pre-existing signature on a message pixelgate does not change still verifies; on one it
  rewrites, it is removed (and logged), or kept and failing with `dkim_broken = "keep"`.
- Over real SMTP (smtp-sink upstream) the signatures survive dot-stuffing.
- Bad keys (missing, EC P-256, RSA 512): `check-config` exits non-zero naming the file and the
  problem, and `serve` refuses to start.
"""
from __future__ import annotations

import base64
import os
import re
import signal
import smtplib
import subprocess
import time
from email.utils import parseaddr
from pathlib import Path

import dkim
import pytest

from dkimutil import check_config, dns_records, make_key, verify_each
from peers import free_port, wait_until
from relayproc import binary_path

REPO = Path(__file__).resolve().parent.parent
PIXEL = "https://t.news-mailer.example/wf/open?upn=Qk9Fx7Lm2Zp8Rt4Vw6Yb1Nc3"
HTML = ('<html><body><p>Gr\u00fc\u00dfe from the shop \u2014 our offers.</p>'
        '<img src="https://cdn.shop.example/logo.png" width="120" height="40" alt="Shop">'
        f'<img src="{PIXEL}" width="1" height="1" alt=""></body></html>')


def dkim_config(keys: dict[str, Path], extra: str = "", ed_key: str | None = None) -> str:
    return (
        '[[dkim]]\ndomain = "shop.example"\nselector = "rsa1"\n'
        f'key = "{keys["rsa2048"]}"\nalgorithm = "rsa-sha256"\n\n'
        '[[dkim]]\ndomain = "shop.example"\nselector = "ed1"\n'
        f'key = "{ed_key or keys["ed25519"]}"\nalgorithm = "ed25519-sha256"\nexpire = "7d"\nmatch_subdomains = true\n\n'
        + extra)


@pytest.fixture
def keys(workdir) -> dict[str, Path]:
    d = workdir / "keys"
    d.mkdir(exist_ok=True)
    return {k: make_key(d, k) for k in ("rsa2048", "ed25519")}


def records_for(config_text: str, workdir: Path, env=None) -> dict[bytes, bytes]:
    cfg = workdir / "check.toml"
    cfg.write_text(config_text)
    r = check_config(cfg, env)
    assert r.returncode == 0, r.stderr
    recs = dns_records(r.stdout)
    assert recs, r.stdout
    return recs


def html_message(cte: str, sender: str = "news@shop.example", to: str = "alice@example.org",
                 extra_headers: str = "") -> bytes:
    raw = HTML.encode("utf-8")
    if cte == "quoted-printable":
        import quopri
        body = quopri.encodestring(raw).replace(b"\n", b"\r\n")
    elif cte == "base64":
        b = base64.b64encode(raw)
        body = b"\r\n".join(b[i:i + 76] for i in range(0, len(b), 76))
    else:
        body = raw
    head = (f"From: Shop <{sender}>\r\nTo: {to}\r\nSubject: Offers\r\n"
            "Date: Mon, 30 Nov 2026 05:00:00 +0000\r\nMessage-ID: <offers-1@shop.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: {cte}\r\n{extra_headers}\r\n")
    return head.encode() + body + b"\r\n"


def send(pg, rcpts: list[str], msg: bytes, sender: str = "news@shop.example") -> None:
    with smtplib.SMTP("127.0.0.1", pg.port, timeout=30) as s:
        s.ehlo("client.example")
        assert s.sendmail(sender, rcpts, msg, mail_options=["BODY=8BITMIME"]) == {}


def written(outdir: Path, count: int) -> list[bytes]:
    wait_until(lambda: len(list(outdir.glob("*.eml"))) >= count, 60, f"{count} messages in {outdir}")
    return [p.read_bytes() for p in sorted(outdir.glob("*.eml"))]


def header_block(msg: bytes) -> bytes:
    return re.split(rb"\r?\n\r?\n", msg, maxsplit=1)[0]


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_relay_signs_with_both_algorithms(pixelgate, workdir, keys, cte):
    config = dkim_config(keys)
    records = records_for(config, workdir)
    out = workdir / "out"
    pg = pixelgate(config, upstream=f"file:{out}")
    send(pg, ["alice@example.org"], html_message(cte))
    [msg] = written(out, 1)
    assert PIXEL.encode() not in msg and b"Qk9Fx7Lm2Zp8Rt4Vw6Yb1Nc3" not in msg, "the pixel was removed, the body rewritten"
    assert verify_each(msg, records) == [("shop.example", "rsa1", True), ("shop.example", "ed1", True)]
    head = header_block(msg)
    assert b" l=" not in head and b";l=" not in head
    assert re.search(rb"t=\d+;", head) and re.search(rb"x=\d+;", head)
    relayed = pg.wait_event("relayed", timeout=30)
    assert relayed["dkim"] == "signed:shop.example/rsa1,shop.example/ed1"


def test_each_per_recipient_variant_is_signed(pixelgate, workdir, keys):
    config = dkim_config(keys, '[general]\nhostname = "pixelgate.e2e.test"\n\n[http]\npublic_url = "https://consent.shop.example"\n')
    records = records_for(config, workdir)
    state = workdir / "state"
    out = workdir / "out"
    pg = pixelgate(config, upstream=f"file:{out}", state_dir=state)
    r = subprocess.run([str(binary_path()), "consent", "grant", "bob@example.org", "open_measurement", "--source", "e2e",
                        "--evidence", '{"form":"e2e"}', "--state-dir", str(state), "--config", str(pg.config_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    msg = html_message("quoted-printable", to="alice@example.org, bob@example.org",
                       extra_headers="Tracking-Purposes: open_measurement\r\n")
    send(pg, ["alice@example.org", "bob@example.org"], msg)
    got = written(out, 2)
    assert len(got) == 2 and got[0] != got[1], "two different variants"
    for m in got:
        assert verify_each(m, records) == [("shop.example", "rsa1", True), ("shop.example", "ed1", True)]
    wait_until(lambda: len(pg.events("relayed")) >= 2, 30, "two relayed lines")
    assert all(e["dkim"] == "signed:shop.example/rsa1,shop.example/ed1" for e in pg.events("relayed"))


def test_subdomain_and_unknown_domain(pixelgate, workdir, keys):
    config = dkim_config(keys)
    records = records_for(config, workdir)
    out = workdir / "out"
    pg = pixelgate(config, upstream=f"file:{out}")
    send(pg, ["alice@example.org"], html_message("8bit", sender="news@mail.shop.example"), sender="news@mail.shop.example")
    [sub] = written(out, 1)
    assert verify_each(sub, records) == [("shop.example", "ed1", True)], "only the match_subdomains entry signs"
    for p in out.glob("*.eml"):
        p.unlink()
    send(pg, ["alice@example.org"], html_message("8bit", sender="news@other.example"), sender="news@other.example")
    [other] = written(out, 1)
    assert b"DKIM-Signature" not in other
    wait_until(lambda: len(pg.events("relayed")) >= 2, 30, "two relayed lines")
    assert [e["dkim"] for e in pg.events("relayed")] == ["signed:shop.example/ed1", "none"]


@pytest.fixture
def partner(workdir):
    """A key and record for a signature made before pixelgate (by dkimpy, domain partner.example)."""
    key = make_key(workdir, "rsa2048")
    pub = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"], capture_output=True, check=True).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(pub)
    return key.read_bytes(), {b"old._domainkey.partner.example.": record}


def presign(msg: bytes, partner_key: bytes) -> bytes:
    sig = dkim.sign(msg, b"old", b"partner.example", partner_key, canonicalize=(b"relaxed", b"simple"),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + msg


def test_unchanged_message_keeps_its_signature(pixelgate, workdir, keys, partner):
    config = dkim_config(keys)
    records = records_for(config, workdir)
    pkey, precords = partner
    plain = (b"From: Shop <news@shop.example>\r\nTo: alice@example.org\r\nSubject: Receipt\r\n"
             b"Date: Mon, 30 Nov 2026 05:00:00 +0000\r\nMessage-ID: <r-1@shop.example>\r\n"
             b"Authentication-Results: mx.partner.example; spf=pass smtp.mailfrom=shop.example\r\n"
             b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
             b"Thank you for your order.\r\nNo tracking here.\r\n")
    signed = presign(plain, pkey)
    assert verify_each(signed, precords) == [("partner.example", "old", True)]
    out = workdir / "out"
    pg = pixelgate(config, upstream=f"file:{out}")
    send(pg, ["alice@example.org"], signed)
    [msg] = written(out, 1)
    assert signed in msg, "the original message is passed byte for byte"
    assert b"Authentication-Results: mx.partner.example; spf=pass" in msg
    assert verify_each(msg, {**records, **precords}) == [
        ("shop.example", "rsa1", True), ("shop.example", "ed1", True), ("partner.example", "old", True)]
    assert pg.events("dkim") == []


@pytest.mark.parametrize("policy", ["remove", "keep"])
def test_rewritten_message_broken_signature(pixelgate, workdir, keys, partner, policy):
    extra = f'[dkim_options]\ndkim_broken = "{policy}"\n' if policy == "keep" else ""
    config = dkim_config(keys, extra)
    records = records_for(config, workdir)
    pkey, precords = partner
    signed = presign(html_message("quoted-printable"), pkey)
    assert verify_each(signed, precords) == [("partner.example", "old", True)]
    out = workdir / "out"
    pg = pixelgate(config, upstream=f"file:{out}")
    send(pg, ["alice@example.org"], signed)
    [msg] = written(out, 1)
    results = verify_each(msg, {**records, **precords})
    ev = pg.wait_event("dkim", timeout=30)
    assert ev["d"] == "partner.example" and ev["s"] == "old"
    if policy == "remove":
        assert results == [("shop.example", "rsa1", True), ("shop.example", "ed1", True)]
        assert b"partner.example" not in header_block(msg)
        assert ev["action"] == "removed"
    else:
        assert results == [("shop.example", "rsa1", True), ("shop.example", "ed1", True), ("partner.example", "old", False)]
        assert ev["action"] == "kept"


def corpus_dir() -> Path | None:
    env = os.environ.get("PIXELGATE_CORPUS")
    p = Path(env) if env else REPO.parent / "shared" / "corpus"
    return p if p.is_dir() and list(p.glob("*.eml")) else None


def test_every_corpus_message_verifies_after_filter(workdir, keys):
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("corpus absent (set PIXELGATE_CORPUS)")
    files = sorted(corpus.glob("*.eml"))
    domains = {}
    for f in files:
        head = re.split(rb"\r?\n\r?\n", f.read_bytes(), maxsplit=1)[0].decode("utf-8", "replace")
        m = re.search(r"^From:(.*(?:\r?\n[ \t].*)*)", head, re.M | re.I)
        addr = parseaddr(m.group(1).replace("\r", "").replace("\n", "")) if m else ("", "")
        domains[f] = addr[1].rsplit("@", 1)[1].lower() if "@" in addr[1] else None
    entries = ""
    for d in sorted({d for d in domains.values() if d}):
        entries += (f'[[dkim]]\ndomain = "{d}"\nselector = "rsa1"\nkey = "{keys["rsa2048"]}"\nalgorithm = "rsa-sha256"\n\n'
                    f'[[dkim]]\ndomain = "{d}"\nselector = "ed1"\nkey = "{keys["ed25519"]}"\nalgorithm = "ed25519-sha256"\n\n')
    config = f'[general]\nstate_dir = "{workdir / "state"}"\n\n' + entries
    records = records_for(config, workdir)
    cfg = workdir / "check.toml"
    checked = 0
    for f in files:
        r = subprocess.run([str(binary_path()), "filter", "--recipient", "reader@example.org", "--consent", "none",
                            "--config", str(cfg), str(f)], capture_output=True, timeout=60)
        assert r.returncode == 0, f"{f.name}: {r.stderr.decode()}"
        d = domains[f]
        if d is None:
            assert b"DKIM-Signature" not in header_block(r.stdout)
            continue
        assert verify_each(r.stdout, records) == [(d, "rsa1", True), (d, "ed1", True)], f.name
        checked += 1
    assert checked >= len(files) * 0.9, f"only {checked} of {len(files)} corpus messages had a From domain"


@pytest.mark.parametrize("kind,problem", [("missing", "no such file"), ("ec256", "wrong key type EC"),
                                          ("rsa512", "512 bits is too short")])
def test_bad_keys_are_refused(workdir, keys, kind, problem):
    bad = workdir / "missing.pem" if kind == "missing" else make_key(workdir, kind)
    config_text = ('[[dkim]]\ndomain = "shop.example"\nselector = "bad"\n'
                   f'key = "{bad}"\nalgorithm = "rsa-sha256"\n')
    cfg = workdir / "bad.toml"
    cfg.write_text(config_text)
    r = check_config(cfg)
    assert r.returncode != 0
    assert str(bad) in r.stderr and problem in r.stderr, r.stderr
    out = workdir / "out"
    serve = subprocess.run([str(binary_path()), "serve", "--config", str(cfg), "--listen", f"127.0.0.1:{free_port()}",
                            "--http", f"127.0.0.1:{free_port()}", "--upstream", f"file:{out}",
                            "--state-dir", str(workdir / "state")], capture_output=True, text=True, timeout=60)
    assert serve.returncode != 0, "serve must refuse to start with a bad DKIM key"
    assert str(bad) in serve.stderr and problem in serve.stderr, serve.stderr
    assert "ready" not in serve.stderr


def test_credential_key_and_dns_record(workdir, keys):
    creds = workdir / "creds"
    creds.mkdir()
    (creds / "dkim-ed").write_bytes(keys["ed25519"].read_bytes())
    config = dkim_config(keys, ed_key="credential:dkim-ed")
    env = dict(os.environ, CREDENTIALS_DIRECTORY=str(creds))
    records = records_for(config, workdir, env)
    pub = subprocess.run(["openssl", "pkey", "-in", str(keys["ed25519"]), "-pubout", "-outform", "DER"],
                         capture_output=True, check=True).stdout[-32:]
    assert records[b"ed1._domainkey.shop.example."] == b"v=DKIM1; k=ed25519; p=" + base64.b64encode(pub)
    spki = subprocess.run(["openssl", "pkey", "-in", str(keys["rsa2048"]), "-pubout", "-outform", "DER"],
                          capture_output=True, check=True).stdout
    assert records[b"rsa1._domainkey.shop.example."] == b"v=DKIM1; k=rsa; p=" + base64.b64encode(spki)
    env.pop("CREDENTIALS_DIRECTORY")
    cfg = workdir / "check.toml"
    r = check_config(cfg, env)
    assert r.returncode != 0 and "CREDENTIALS_DIRECTORY" in r.stderr


@pytest.mark.parametrize("entry,message", [
    ('domain = "shop.example"\nselector = "s"\nkey = "/k.pem"\nalgorithm = "rsa-sha256"\nselektor = "x"\n', "dkim[0].selektor"),
    ('domain = "shop.example"\nkey = "/k.pem"\nalgorithm = "rsa-sha256"\n', "dkim[0].selector is required"),
    ('domain = "shop.example"\nselector = "s"\nkey = "/k.pem"\nalgorithm = "rsa-sha1"\n', "dkim[0].algorithm must be one of"),
    ('domain = "shop.example"\nselector = "s;x=1"\nkey = "/k.pem"\nalgorithm = "rsa-sha256"\n', "dkim[0].selector"),
])
def test_bad_dkim_entries_are_config_errors(workdir, entry, message):
    cfg = workdir / "bad.toml"
    cfg.write_text("[[dkim]]\n" + entry)
    r = check_config(cfg)
    assert r.returncode != 0 and message in r.stderr and str(cfg) in r.stderr, r.stderr


def test_dkim_broken_must_be_remove_or_keep(workdir):
    cfg = workdir / "bad.toml"
    cfg.write_text('[dkim_options]\ndkim_broken = "drop"\n')
    r = check_config(cfg)
    assert r.returncode != 0 and "dkim_options.dkim_broken" in r.stderr, r.stderr


def test_sighup_with_a_bad_key_keeps_the_old_signer(pixelgate, workdir, keys):
    config = dkim_config(keys)
    records = records_for(config, workdir)
    out = workdir / "out"
    pg = pixelgate(config, upstream=f"file:{out}")
    pg.config_path.write_text(pg.config_path.read_text().replace(str(keys["ed25519"]), str(workdir / "gone.pem")))
    pg.signal(signal.SIGHUP)
    reload = pg.wait_event("reload", timeout=60)      # generous: the shared test machine is busy
    assert reload.get("level") == "error" and "gone.pem" in reload.get("error", ""), reload
    assert pg.alive()
    send(pg, ["alice@example.org"], html_message("8bit"))
    [msg] = written(out, 1)
    assert verify_each(msg, records) == [("shop.example", "rsa1", True), ("shop.example", "ed1", True)]


def test_signature_survives_smtp_dot_stuffing(pixelgate, sink, workdir, keys):
    """Over real SMTP (smtp-sink upstream): the relay dot-stuffs after signing, the peer unstuffs."""
    config = dkim_config(keys)
    records = records_for(config, workdir)
    pg = pixelgate(config)
    body = ("<html><body>\r\n.starts with a dot\r\n..two dots\r\n.\r\n"
            f'<img src="{PIXEL}" width="1" height="1" alt="">\r\n</body></html>\r\n').encode()
    head = (b"From: Shop <news@shop.example>\r\nTo: alice@example.org\r\nSubject: Dots\r\n"
            b"Message-ID: <dots-1@shop.example>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
    send(pg, ["alice@example.org"], head + body)
    [m] = sink.wait_messages(1)
    assert b"\n.starts with a dot\n..two dots\n.\n" in m.message, "dots arrive unstuffed"
    assert PIXEL.encode() not in m.message
    assert verify_each(m.message, records) == [("shop.example", "rsa1", True), ("shop.example", "ed1", True)]
