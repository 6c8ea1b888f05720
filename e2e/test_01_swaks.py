"""swaks (and a DSN-speaking Python client) through pixelgate to smtp-sink.

What must hold: a relayed message arrives byte-identical apart from the one Received header
pixelgate adds (which names the relay, the protocol ESMTP/ESMTPS/ESMTPSA and a date); STARTTLS
works with a certificate made in the test; AUTH PLAIN and LOGIN work over TLS for a client outside
allow_networks; pipelining works; the DSN parameters (RET, ENVID, NOTIFY, ORCPT) reach upstream.
"""
from __future__ import annotations

import email.utils
import re

import pytest

from conftest import AUTH_PASSWORD, AUTH_USER, RELAY_HOSTNAME
from mailutil import make_message, new_msgid, send, strip_relay_received
from swaksutil import server_lines, swaks_send

# Bytes that a careless relay changes: dot-stuffed lines, a lone dot, trailing blanks, tabs,
# 8-bit UTF-8, a 998-octet line, a header folded over lines, and no final line end in the file.
TRICKY = (b"From: <sender@example.org>\n"
          b"To: <rcpt@example.net>\n"
          b"Subject: tricky =?utf-8?q?caf=C3=A9?=\n"
          b"X-Folded: first part\n\tsecond part\n"
          b"Message-ID: %s\n"
          b"MIME-Version: 1.0\n"
          b"Content-Type: text/plain; charset=utf-8\n"
          b"Content-Transfer-Encoding: 8bit\n"
          b"\n"
          b".leading dot\n"
          b"..two dots\n"
          b".\n"
          b"trailing blanks   \n"
          b"\tleading tab\n"
          b"caf\xc3\xa9 \xc3\xbc\xc3\xb1\xc3\xad\n"
          b"\n"
          b"%s\n"
          b"last line without newline")


def tricky_file(workdir, msgid: str):
    data = TRICKY % (msgid.encode(), b"x" * 998)
    path = workdir / "tricky.eml"
    path.write_bytes(data)
    return path, data + b"\n"          # swaks ends the last line with CRLF


def check_received(received: bytes, proto: str) -> None:
    text = received.decode("utf-8", "replace")
    unfolded = re.sub(r"\n[ \t]+", " ", text)
    assert unfolded.lower().startswith("received: from "), text
    assert f"by {RELAY_HOSTNAME}" in unfolded, text
    assert "(pixelgate)" in unfolded, text
    assert re.search(rf"\bwith {proto}\b", unfolded), f"expected 'with {proto}' in {text!r}"
    date = unfolded.rsplit(";", 1)[-1].strip()
    assert email.utils.parsedate_to_datetime(date) is not None, f"bad date in {text!r}"


def relayed_single(sink, msgid: str):
    msgs = sink.wait_messages(1)
    assert len(msgs) == 1, [m.message[:200] for m in msgs]
    m = msgs[0]
    assert msgid in m.header("Message-ID")
    return m


def test_plain_byte_identical(pixelgate, sink, workdir):
    pg = pixelgate()
    msgid = new_msgid()
    path, expected = tricky_file(workdir, msgid)
    code, out = swaks_send(pg.port, "--from", "sender@example.org", "--to", "rcpt@example.net",
                           "--data", f"@{path}")
    assert code == 0, out
    m = relayed_single(sink, msgid)
    assert m.mail_from == "sender@example.org"
    assert m.recipients == ["rcpt@example.net"]
    received, rest = strip_relay_received(m.message)
    check_received(received, "ESMTP")
    assert rest == expected, "message changed in transit (apart from the Received header)"
    assert len(m.header("Received")) == 1, "exactly one Received header must be added"


def test_starttls(pixelgate, sink, workdir, tls_files):
    cert, key = tls_files
    pg = pixelgate(f'[tls]\ncert = "{cert}"\nkey = "{key}"\n')
    msgid = new_msgid()
    path, expected = tricky_file(workdir, msgid)
    code, out = swaks_send(pg.port, "--tls", "--from", "sender@example.org", "--to", "rcpt@example.net",
                           "--data", f"@{path}")
    assert code == 0, out
    assert "STARTTLS" in " ".join(server_lines(out)), f"STARTTLS not advertised:\n{out}"
    assert re.search(r"TLS started", out), out
    m = relayed_single(sink, msgid)
    received, rest = strip_relay_received(m.message)
    check_received(received, "ESMTPS")
    assert rest == expected
    pg.wait_event("tls")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_auth_over_tls_from_outside(pixelgate, sink, workdir, tls_files, credentials, mechanism):
    cert, key = tls_files
    pg = pixelgate(f'[server]\nallow_networks = ["127.0.0.1/32"]\n'
                   f'[tls]\ncert = "{cert}"\nkey = "{key}"\n'
                   f'[auth]\ncredentials_file = "{credentials}"\n')
    msgid = new_msgid()
    path, expected = tricky_file(workdir, msgid)
    code, out = swaks_send(pg.port, "--local-interface", "127.0.0.2", "--tls",
                           "--auth", mechanism, "--auth-user", AUTH_USER, "--auth-password", AUTH_PASSWORD,
                           "--from", "sender@example.org", "--to", "rcpt@example.net", "--data", f"@{path}")
    assert code == 0, out
    assert any(l.startswith("235") for l in server_lines(out)), out
    m = relayed_single(sink, msgid)
    assert m.client_addr == "127.0.0.1"
    received, rest = strip_relay_received(m.message)
    check_received(received, "ESMTPSA")
    assert "127.0.0.2" in received.decode(), f"Received must name the client address: {received!r}"
    assert rest == expected
    auth = pg.wait_event("auth")
    assert AUTH_PASSWORD not in pg.stderr_text(), "the password must never be logged"
    assert auth.get("session")


def test_auth_wrong_password_refused(pixelgate, sink, tls_files, credentials):
    cert, key = tls_files
    pg = pixelgate(f'[server]\nallow_networks = ["127.0.0.1/32"]\n'
                   f'[tls]\ncert = "{cert}"\nkey = "{key}"\n'
                   f'[auth]\ncredentials_file = "{credentials}"\n')
    code, out = swaks_send(pg.port, "--local-interface", "127.0.0.2", "--tls", "--auth", "PLAIN",
                           "--auth-user", AUTH_USER, "--auth-password", "wrong-password",
                           "--from", "sender@example.org", "--to", "rcpt@example.net")
    assert code != 0, out
    assert any(l.startswith("535") for l in server_lines(out)), out
    sink.assert_empty()


def test_pipelining(pixelgate, sink, workdir):
    pg = pixelgate()
    msgid = new_msgid()
    path, expected = tricky_file(workdir, msgid)
    code, out = swaks_send(pg.port, "--pipeline", "--from", "sender@example.org",
                           "--to", "a@example.net,b@example.net,c@example.net", "--data", f"@{path}")
    assert code == 0, out
    assert "PIPELINING" in " ".join(server_lines(out)), out
    m = relayed_single(sink, msgid)
    assert sorted(m.recipients) == ["a@example.net", "b@example.net", "c@example.net"]
    _, rest = strip_relay_received(m.message)
    assert rest == expected


def test_extensions_advertised(pixelgate, sink):
    pg = pixelgate()
    code, out = swaks_send(pg.port, "--quit-after", "EHLO", "--to", "rcpt@example.net")
    assert code == 0, out
    ext = " ".join(server_lines(out)).upper()
    for name in ("SIZE", "8BITMIME", "SMTPUTF8", "PIPELINING", "ENHANCEDSTATUSCODES", "DSN"):
        assert name in ext, f"{name} not advertised:\n{out}"
    keywords = [l[4:].split(" ")[0].upper() for l in server_lines(out) if l.startswith("250")]
    assert "AUTH" not in keywords, f"AUTH must not be offered without TLS:\n{out}"


def test_dsn_parameters_reach_upstream(pixelgate, sink):
    pg = pixelgate()
    msgid = new_msgid()
    refused = send(pg.port, "sender@example.org", ["a@example.net", "b@example.net"], make_message(msgid),
                   mail_options=["RET=HDRS", "ENVID=QQ314159"],
                   rcpt_options=["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;orig+2Ba@example.net"])
    assert refused == {}
    m = relayed_single(sink, msgid)
    assert "RET=HDRS" in m.mail_args.split(), m.mail_args
    assert "ENVID=QQ314159" in m.mail_args.split(), m.mail_args
    assert len(m.rcpt_args) == 2
    for args in m.rcpt_args:
        words = args.split()
        assert "NOTIFY=SUCCESS,FAILURE" in words, args
        assert any(w.upper() == "ORCPT=RFC822;ORIG+2BA@EXAMPLE.NET" for w in words), args


def test_null_sender_and_8bitmime(pixelgate, sink):
    pg = pixelgate()
    msgid = new_msgid()
    body = [b"caf\xc3\xa9 8-bit body"]
    refused = send(pg.port, "", ["a@example.net"], make_message(msgid, body_lines=body),
                   mail_options=["BODY=8BITMIME"])
    assert refused == {}
    m = relayed_single(sink, msgid)
    assert m.mail_from == ""
    assert "BODY=8BITMIME" in m.mail_args.upper().split(), m.mail_args
    assert m.message.endswith(b"caf\xc3\xa9 8-bit body\n")
