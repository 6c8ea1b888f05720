"""The upstream side: STARTTLS per `[upstream] tls_policy` (may/encrypt/verify with a CA file and
a hostname check) and AUTH with the `credentials_file` password, against a scriptable upstream
that speaks TLS (Python's ssl) and AUTH PLAIN/LOGIN.

What must hold: `may` uses TLS when offered; `encrypt` refuses (4xx, nothing delivered) an upstream
without STARTTLS; `verify` accepts a certificate signed by ca_file for the name it connects to and
refuses (4xx) one for another name; AUTH happens with the configured user, and a wrong password
never gets a message delivered.
"""
from __future__ import annotations

import os

from conftest import AUTH_USER
from mailutil import make_message, new_msgid, send
from peers import make_dir, make_self_signed_cert
from rawsmtp import RawSMTP, dot_stuff

UPSTREAM_PASSWORD = "upstream-Pa55word"


def try_send(port: int) -> tuple[int, str]:
    """One message; the first non-2xx (code, text) or (250, "")."""
    c = RawSMTP("127.0.0.1", port)
    try:
        c.ehlo()
        for cmd in ("MAIL FROM:<sender@example.org>", "RCPT TO:<a@example.net>"):
            r = c.cmd(cmd)
            if r.code >= 300:
                return r.code, r.text
        r = c.cmd("DATA")
        if r.code != 354:
            return r.code, r.text
        c.send_raw(dot_stuff(make_message(new_msgid())))
        r = c.read_reply(timeout=60)
        return r.code, r.text
    finally:
        c.quit()


def cert_for(workdir, name: str, cn: str):
    return make_self_signed_cert(make_dir(workdir / name), cn=cn)


def test_tls_may_uses_starttls(pixelgate, fake_upstream, workdir):
    cert, key = cert_for(workdir, "up-tls", "localhost")
    up = fake_upstream(tls=(str(cert), str(key)))
    pg = pixelgate('[upstream]\ntls_policy = "may"\n', upstream=up.address)
    msgid = new_msgid()
    assert send(pg.port, "sender@example.org", ["a@example.net"], make_message(msgid)) == {}
    assert up.tls_sessions >= 1, "STARTTLS was offered, so `may` must use it"
    assert [t.header("Message-ID") for t in up.delivered()] == [[msgid]]


def test_tls_encrypt_refuses_plaintext_upstream(pixelgate, fake_upstream):
    up = fake_upstream()
    pg = pixelgate('[upstream]\ntls_policy = "encrypt"\n', upstream=up.address)
    code, text = try_send(pg.port)
    assert 400 <= code < 500, f"`encrypt` against an upstream without STARTTLS must be 4xx: {code} {text}"
    assert up.delivered() == []


def test_tls_verify_good_certificate(pixelgate, fake_upstream, workdir):
    cert, key = cert_for(workdir, "up-good", "localhost")
    up = fake_upstream(tls=(str(cert), str(key)))
    pg = pixelgate(f'[upstream]\ntls_policy = "verify"\nca_file = "{cert}"\n', upstream=f"localhost:{up.port}")
    msgid = new_msgid()
    assert send(pg.port, "sender@example.org", ["a@example.net"], make_message(msgid)) == {}
    assert up.tls_sessions >= 1
    assert [t.header("Message-ID") for t in up.delivered()] == [[msgid]]


def test_tls_verify_wrong_name(pixelgate, fake_upstream, workdir):
    cert, key = cert_for(workdir, "up-bad", "mx.somewhere-else.test")
    up = fake_upstream(tls=(str(cert), str(key)))
    pg = pixelgate(f'[upstream]\ntls_policy = "verify"\nca_file = "{cert}"\n', upstream=f"localhost:{up.port}")
    code, text = try_send(pg.port)
    assert 400 <= code < 500, f"a certificate for another name must fail `verify` with 4xx: {code} {text}"
    assert up.delivered() == []


def test_upstream_auth(pixelgate, fake_upstream, workdir):
    cert, key = cert_for(workdir, "up-auth", "localhost")
    up = fake_upstream(tls=(str(cert), str(key)), auth={AUTH_USER: UPSTREAM_PASSWORD})
    creds = workdir / "upstream.pass"
    creds.write_text(f"{AUTH_USER}:{UPSTREAM_PASSWORD}\n")
    os.chmod(creds, 0o600)
    pg = pixelgate(f'[upstream]\ntls_policy = "may"\ncredentials_file = "{creds}"\n', upstream=up.address)
    msgid = new_msgid()
    assert send(pg.port, "sender@example.org", ["a@example.net"], make_message(msgid)) == {}
    assert up.auth_users and set(up.auth_users) == {AUTH_USER}
    assert [t.header("Message-ID") for t in up.delivered()] == [[msgid]]
    assert UPSTREAM_PASSWORD not in pg.stderr_text(), "the upstream password must never be logged"


def test_upstream_auth_wrong_password(pixelgate, fake_upstream, workdir):
    cert, key = cert_for(workdir, "up-auth-bad", "localhost")
    up = fake_upstream(tls=(str(cert), str(key)), auth={AUTH_USER: UPSTREAM_PASSWORD})
    creds = workdir / "upstream.pass"
    creds.write_text(f"{AUTH_USER}:not-the-password\n")
    os.chmod(creds, 0o600)
    pg = pixelgate(f'[upstream]\ntls_policy = "may"\ncredentials_file = "{creds}"\n', upstream=up.address)
    code, text = try_send(pg.port)
    assert code >= 400, f"upstream refused the login: the message cannot be accepted ({code} {text})"
    assert up.delivered() == []
    assert pg.alive()
