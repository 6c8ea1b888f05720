"""No open relay: allow_networks = ["127.0.0.1/32"] and clients bound to 127.0.0.2.

What must hold: an unauthenticated outside client gets 554 5.7.1 at MAIL (and nothing after it is
relayed, whatever it sends); AUTH is not possible before STARTTLS; XFORWARD from outside does not
make the client trusted; the same client after STARTTLS + AUTH is relayed; an inside client needs
no AUTH.
"""
from __future__ import annotations

from conftest import AUTH_PASSWORD, AUTH_USER
from mailutil import make_message, new_msgid
from rawsmtp import RawSMTP, dot_stuff
from swaksutil import server_lines, swaks_send

OUTSIDE = "127.0.0.2"


def config(cert, key, credentials) -> str:
    return (f'[server]\nallow_networks = ["127.0.0.1/32"]\n'
            f'[tls]\ncert = "{cert}"\nkey = "{key}"\n'
            f'[auth]\ncredentials_file = "{credentials}"\n')


def test_outside_client_refused(pixelgate, sink, tls_files, credentials):
    pg = pixelgate(config(*tls_files, credentials))
    c = RawSMTP("127.0.0.1", pg.port, source=OUTSIDE)
    assert c.ehlo().code == 250
    mail = c.cmd("MAIL FROM:<sender@example.org>")
    assert (mail.code, mail.enhanced) == (554, "5.7.1"), str(mail)
    rcpt = c.cmd("RCPT TO:<rcpt@example.net>")
    assert rcpt.code >= 500, f"RCPT after a refused MAIL must fail: {rcpt}"
    data = c.cmd("DATA")
    assert data.code >= 500, f"DATA must not be accepted: {data}"
    if data.code == 354:               # never reached when the relay is right; keep the session in sync
        c.send_raw(dot_stuff(make_message()))
        c.read_reply()
    c.quit()
    sink.assert_empty(settle=0.5)
    assert pg.events("reject") or pg.events("mail"), "the refusal must be logged"


def test_outside_client_refused_with_swaks(pixelgate, sink, tls_files, credentials):
    pg = pixelgate(config(*tls_files, credentials))
    code, out = swaks_send(pg.port, "--local-interface", OUTSIDE, "--from", "sender@example.org",
                           "--to", "rcpt@example.net")
    assert code != 0, out
    assert any(l.startswith("554 5.7.1") for l in server_lines(out)), out
    sink.assert_empty(settle=0.5)


def test_auth_requires_tls(pixelgate, sink, tls_files, credentials):
    pg = pixelgate(config(*tls_files, credentials))
    c = RawSMTP("127.0.0.1", pg.port, source=OUTSIDE)
    c.ehlo()
    assert "AUTH" not in c.extensions, f"AUTH offered before TLS: {c.ehlo_lines}"
    assert "STARTTLS" in c.extensions, c.ehlo_lines
    r = c.auth_plain(AUTH_USER, AUTH_PASSWORD)
    assert r.code >= 500, f"AUTH before STARTTLS must be refused: {r}"
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 554
    c.quit()
    sink.assert_empty(settle=0.3)


def test_xforward_from_outside_does_not_trust(pixelgate, sink, tls_files, credentials):
    pg = pixelgate(config(*tls_files, credentials))
    c = RawSMTP("127.0.0.1", pg.port, source=OUTSIDE)
    c.ehlo()
    assert "XFORWARD" not in c.extensions, f"XFORWARD offered to an outside client: {c.ehlo_lines}"
    c.cmd("XFORWARD ADDR=127.0.0.1 NAME=localhost IDENT=ABC123")
    mail = c.cmd("MAIL FROM:<sender@example.org>")
    assert (mail.code, mail.enhanced) == (554, "5.7.1"), str(mail)
    c.quit()
    sink.assert_empty(settle=0.3)


def test_outside_client_after_starttls_and_auth(pixelgate, sink, tls_files, credentials):
    pg = pixelgate(config(*tls_files, credentials))
    c = RawSMTP("127.0.0.1", pg.port, source=OUTSIDE)
    c.ehlo()
    assert c.starttls().code == 220
    c.ehlo()
    assert "AUTH" in c.extensions, c.ehlo_lines
    auth_line = next(l for l in c.ehlo_lines if l.upper().startswith("AUTH"))
    assert "PLAIN" in auth_line.upper() and "LOGIN" in auth_line.upper(), auth_line
    r = c.auth_plain(AUTH_USER, AUTH_PASSWORD)
    assert r.code == 235, str(r)
    msgid = new_msgid()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    replies = c.data(dot_stuff(make_message(msgid)))
    assert replies[0].code == 250, str(replies[0])
    c.quit()
    msgs = sink.wait_messages(1)
    assert [msgid] == msgs[0].header("Message-ID")


def test_inside_client_needs_no_auth(pixelgate, sink, tls_files, credentials):
    pg = pixelgate(config(*tls_files, credentials))
    c = RawSMTP("127.0.0.1", pg.port, source="127.0.0.1")
    c.ehlo()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    assert c.data(dot_stuff(make_message()))[0].code == 250
    c.quit()
    sink.wait_messages(1)
