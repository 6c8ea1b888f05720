"""SMTP smuggling: DATA that contains a fake end-of-data followed by a smuggled transaction for
another recipient, then the real CRLF.CRLF. Raw sockets, because swaks and smtplib fix line ends.

What must hold: DATA ends only at CRLF.CRLF. With the default `bare_newline = reject` the client
gets 550 5.5.2 and the sink gets nothing; with `normalize` the sink gets exactly one message, for
the real recipient only, with the smuggled text inside its body. In every case the smuggled
commands are never executed (the next command's reply is the next reply on the wire), and the
relay keeps serving.

The `\\r\\n\\x00.\\r\\n` case has no bare CR or LF: a NUL is data (PixelSMTP's contract), so under
`reject` the relay may refuse it (550 5.5.2) or relay it as one message whose body holds the
smuggled text. Either way nothing smuggled may reach the sink as a transaction.
"""
from __future__ import annotations

import socket
import time

import pytest

from mailutil import assert_still_relays, new_msgid
from rawsmtp import RawSMTP

SEQUENCES = {
    "LF.LF": b"\n.\n",
    "LF.CRLF": b"\n.\r\n",
    "CR.CR": b"\r.\r",
    "CR.LF": b"\r.\n",
    "CRLF-NUL.CRLF": b"\r\n\x00.\r\n",
    "CRLF.CRCRLF": b"\r\n.\r\r\n",
    # two more from the 2023 SMTP smuggling research, beyond the brief's six
    "CRLF.LF": b"\r\n.\n",
    "CRLF.CR": b"\r\n.\r",
}
VICTIM = "victim@example.net"
SMUGGLED_RCPT = "smuggled@attacker.test"


def payload(seq: bytes, msgid: str) -> bytes:
    return (b"From: <sender@example.org>\r\nTo: <victim@example.net>\r\nSubject: smuggling test\r\n"
            b"Message-ID: " + msgid.encode() + b"\r\n\r\nlegitimate body" + seq +
            b"MAIL FROM:<admin@example.org>\r\nRCPT TO:<" + SMUGGLED_RCPT.encode() + b">\r\nDATA\r\n"
            b"From: <admin@example.org>\r\nSubject: smuggled\r\n\r\nsmuggled body\r\n"
            b"\r\n.\r\n")


def smuggle(port: int, seq: bytes, msgid: str, bytewise: bool = False):
    c = RawSMTP("127.0.0.1", port)
    assert c.ehlo().code == 250
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd(f"RCPT TO:<{VICTIM}>").code == 250
    assert c.cmd("DATA").code == 354
    data = payload(seq, msgid)
    if bytewise:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(data)):
            c.send_raw(data[i:i + 1])
            if data[i:i + 1] in (b"\r", b"\n", b"."):
                time.sleep(0.002)
    else:
        c.send_raw(data)
    final = c.read_reply(timeout=60)
    noop = c.cmd("NOOP")
    assert noop.code == 250, f"the reply after the message must be NOOP's own: {noop}; smuggled commands ran?"
    extra = c.pending(0.5)
    assert extra == b"", f"unexpected extra replies (smuggled commands executed?): {extra!r}"
    c.quit()
    return final


def assert_never_smuggled(sink) -> None:
    for m in sink.messages():
        assert SMUGGLED_RCPT not in m.recipients, f"smuggled recipient reached upstream: {m.path}"
        assert m.mail_from != "admin@example.org", f"smuggled sender reached upstream: {m.path}"


@pytest.mark.parametrize("name", SEQUENCES)
def test_reject(pixelgate, sink, name):
    pg = pixelgate()                       # bare_newline defaults to reject
    msgid = new_msgid()
    final = smuggle(pg.port, SEQUENCES[name], msgid)
    if name == "CRLF-NUL.CRLF" and final.code == 250:
        msgs = sink.wait_messages(1)
        assert len(msgs) == 1 and msgs[0].recipients == [VICTIM]
        assert b"RCPT TO:<smuggled@attacker.test>" in msgs[0].message, "smuggled text must stay in the body"
    else:
        assert (final.code, final.enhanced) == (550, "5.5.2"), f"{name}: {final}"
        sink.assert_empty(settle=0.5)
    assert_never_smuggled(sink)
    assert_still_relays(pg, sink)
    assert_never_smuggled(sink)


@pytest.mark.parametrize("name", SEQUENCES)
def test_normalize(pixelgate, sink, name):
    pg = pixelgate('[server]\nbare_newline = "normalize"\n')
    msgid = new_msgid()
    final = smuggle(pg.port, SEQUENCES[name], msgid)
    assert final.code == 250, f"{name}: normalize must accept the message: {final}"
    msgs = sink.wait_messages(1)
    time.sleep(0.5)
    msgs = sink.messages()
    assert len(msgs) == 1, f"{name}: exactly one message must reach the sink, got {len(msgs)}"
    m = msgs[0]
    assert m.recipients == [VICTIM]
    assert msgid in m.header("Message-ID")
    assert b"RCPT TO:<smuggled@attacker.test>" in m.message, "the smuggled text stays inside the body"
    assert b"\r" not in m.message.replace(b"\r\n", b""), "no bare CR may leave the relay under normalize"
    assert_never_smuggled(sink)
    assert_still_relays(pg, sink)


@pytest.mark.parametrize("name", SEQUENCES)
def test_reject_one_byte_at_a_time(pixelgate, sink, name):
    """The same attack with every byte in its own TCP segment: chunk boundaries change nothing."""
    pg = pixelgate()
    final = smuggle(pg.port, SEQUENCES[name], new_msgid(), bytewise=True)
    if name != "CRLF-NUL.CRLF":
        assert (final.code, final.enhanced) == (550, "5.5.2"), f"{name}: {final}"
        sink.assert_empty(settle=0.5)
    assert_never_smuggled(sink)
