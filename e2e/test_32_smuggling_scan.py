"""SMTP smuggling scan (issue 6, abuse scans) with the end-of-data sequences of SEC Consult's
SMTP-Smuggling-Tools, https://github.com/The-Login/SMTP-Smuggling-Tools, smtp_smuggling_scanner.py
(lists `inbound_eod_sequences` and `outbound_eod_sequences`; blog post
https://sec-consult.com/blog/detail/smtp-smuggling-spoofing-e-mails-worldwide/), plus the extra
variants of suuhm/smtp_smuggling_checker.py (NUL and lone-dot forms). As the scanner does, each
sequence is placed between two real CRLF line ends of the body ("...!\\r\\n" SEQ "\\r\\n"), and
in inbound mode a complete second transaction (MAIL, RCPT, DATA, message, ".") follows it.

test_06_smuggling.py already sends six compact sequences straight after the body text; this file
adds the scanner's own message shape, the outbound direction, and the sequences test_06 lacks.

What must hold, under both `bare_newline` modes:
- INBOUND (client -> pixelgate): the smuggled MAIL after the fake end never becomes a transaction
  upstream (smtp-sink -d never sees the smuggled sender or recipient), the next reply on the wire
  is our own NOOP's, and with `reject` every sequence that holds a bare CR or LF gets 550 5.5.2
  and nothing is relayed; with `normalize` exactly one message is relayed.
- OUTBOUND (what pixelgate sends upstream): smtp-sink is itself a lenient receiver (it ends DATA
  at LF "." LF and friends), so if pixelgate let a bare-LF/CR end-of-data through, the sink would
  cut the message there and run the rest as commands. Check the dumped bytes: exactly one
  message, holding both the START and the END marker, with no bare CR; and the envelope of a
  second transaction never appears. `test_sink_is_lenient` shows the sink really would be fooled
  by a bare-LF end-of-data, so the outbound check has teeth.
"""
from __future__ import annotations

import time

import pytest

from mailutil import assert_still_relays, new_msgid
from rawsmtp import RawSMTP

# smtp_smuggling_scanner.py, inbound_eod_sequences ∪ outbound_eod_sequences (nine distinct).
SEC_CONSULT = {
    "LF.LF": b"\n.\n",
    "LF.CR": b"\n.\r",
    "CR.LF": b"\r.\n",
    "CR.CR": b"\r.\r",
    "LF.CRLF": b"\n.\r\n",
    "CR.CRLF": b"\r.\r\n",
    "CRLF.CRCRLF": b"\r\n.\r\r\n",
    "CRCRLF.CRCRLF": b"\r\r\n.\r\r\n",
    "CRLF-NUL.CRLF": b"\r\n\x00.\r\n",
}
# suuhm/smtp_smuggling_checker.py payload strings not in the list above.
EXTRA = {
    "CRLF.CR": b"\r\n.\r",
    "CRLF-NUL.CR": b"\r\n\x00.\r",
    "CRLF-NUL.LF": b"\r\n\x00.\n",
    "CRLF.NUL-CRLF": b"\r\n.\x00\r\n",
    "LFLF.CRLF": b"\n\n.\r\n",
}
SEQUENCES = {**SEC_CONSULT, **EXTRA}
# Sequences without any bare CR or LF (a NUL is data): `reject` may relay them as one message.
NO_BARE = {"CRLF-NUL.CRLF", "CRLF.NUL-CRLF"}

VICTIM = "victim@example.net"
SMUGGLED_FROM = "smuggled@attacker.test"
SMUGGLED_RCPT = "smuggled-rcpt@attacker.test"
MODES = ["reject", "normalize"]


def config(mode: str) -> str:
    return f'[server]\nbare_newline = "{mode}"\n'


def inbound_message(seq: bytes, msgid: str) -> bytes:
    return (b"From: <sender@example.org>\r\nTo: <" + VICTIM.encode() + b">\r\nSubject: CHECK EMAIL\r\n"
            b"Message-ID: " + msgid.encode() + b"\r\n\r\nTESTING fake end-of-data sequence!\r\n" + seq + b"\r\n"
            b"mail FROM:<" + SMUGGLED_FROM.encode() + b">\r\nrcpt TO:<" + SMUGGLED_RCPT.encode() + b">\r\ndata\r\n"
            b"From: <" + SMUGGLED_FROM.encode() + b">\r\nSubject: SMUGGLED EMAIL\r\n\r\nSMUGGLING WORKS\r\n.\r\n")


def outbound_message(seq: bytes, msgid: str) -> bytes:
    return (b"From: <sender@example.org>\r\nTo: <" + VICTIM.encode() + b">\r\nSubject: Trying EOD\r\n"
            b"Message-ID: " + msgid.encode() + b"\r\n\r\nTESTING fake end-of-data sequence!\r\nSMUGGLINGSTART\r\n"
            + seq + b"\r\nmail FROM:<" + SMUGGLED_FROM.encode() + b">\r\nrcpt TO:<" + SMUGGLED_RCPT.encode() +
            b">\r\ndata\r\nSMUGGLINGEND\r\n.\r\n")


def send_raw_message(port: int, data: bytes):
    """MAIL/RCPT/DATA, the bytes exactly as given, then the final reply and a NOOP in step."""
    c = RawSMTP("127.0.0.1", port)
    assert c.ehlo().code == 250
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd(f"RCPT TO:<{VICTIM}>").code == 250
    assert c.cmd("DATA").code == 354
    c.send_raw(data)
    final = c.read_reply(timeout=60)
    noop = c.cmd("NOOP")
    assert noop.code == 250, f"the reply after the message must be our NOOP's: {noop}; smuggled commands ran?"
    extra = c.pending(0.5)
    assert extra == b"", f"extra replies on the wire (smuggled commands executed?): {extra!r}"
    c.quit()
    return final


def assert_nothing_smuggled(sink) -> None:
    for m in sink.messages():
        assert m.mail_from != SMUGGLED_FROM, f"smuggled sender reached upstream: {m.path}"
        assert SMUGGLED_RCPT not in m.recipients, f"smuggled recipient reached upstream: {m.path}"


def settled_messages(sink, expected: int):
    if expected:
        sink.wait_messages(expected)
    time.sleep(0.4)
    return [m for m in sink.messages() if m.message or m.mail_args]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", SEQUENCES)
def test_inbound(pixelgate, sink, mode, name):
    pg = pixelgate(config(mode))
    msgid = new_msgid()
    final = send_raw_message(pg.port, inbound_message(SEQUENCES[name], msgid))
    if mode == "reject" and name not in NO_BARE:
        assert (final.code, final.enhanced) == (550, "5.5.2"), f"{name}: {final}"
        sink.assert_empty(settle=0.5)
    else:
        assert final.code in (250, 550), f"{name}: {final}"
        msgs = settled_messages(sink, 1 if final.code == 250 else 0)
        assert len(msgs) == (1 if final.code == 250 else 0), f"{name}/{mode}: {len(msgs)} messages upstream"
        if msgs:
            assert msgs[0].recipients == [VICTIM] and msgid in msgs[0].header("Message-ID")
            assert b"SMUGGLING WORKS" in msgs[0].message, "the smuggled text stays inside the one body"
    assert_nothing_smuggled(sink)
    assert_still_relays(pg, sink)
    assert_nothing_smuggled(sink)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", SEQUENCES)
def test_outbound(pixelgate, sink, mode, name):
    pg = pixelgate(config(mode))
    msgid = new_msgid()
    final = send_raw_message(pg.port, outbound_message(SEQUENCES[name], msgid))
    if mode == "reject" and name not in NO_BARE:
        assert (final.code, final.enhanced) == (550, "5.5.2"), f"{name}: {final}"
        sink.assert_empty(settle=0.5)
        return
    assert final.code == 250, f"{name}/{mode}: {final}"
    msgs = settled_messages(sink, 1)
    assert len(msgs) == 1, f"{name}/{mode}: the lenient sink saw {len(msgs)} transactions: pixelgate's " \
                           f"output held an end-of-data it took"
    raw = msgs[0].path.read_bytes()
    body = msgs[0].message
    assert b"SMUGGLINGSTART" in body and b"SMUGGLINGEND" in body, \
        f"{name}/{mode}: the message was cut before its END marker: {body[-300:]!r}"
    assert body.index(b"SMUGGLINGSTART") < body.index(b"SMUGGLINGEND")
    assert b"\r" not in raw.replace(b"\r\n", b""), f"{name}/{mode}: a bare CR left the relay"
    assert msgs[0].recipients == [VICTIM] and msgs[0].mail_from == "sender@example.org"
    assert_nothing_smuggled(sink)


def test_sink_is_lenient(sink):
    """Control: the same outbound message with LF "." LF sent straight to smtp-sink (no pixelgate)
    is cut at the fake end, so a relay that passed it through would fail test_outbound."""
    c = RawSMTP("127.0.0.1", sink.port)
    c.ehlo()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd(f"RCPT TO:<{VICTIM}>").code == 250
    assert c.cmd("DATA").code == 354
    c.send_raw(outbound_message(SEC_CONSULT["LF.LF"], new_msgid()))
    c.read_reply(timeout=30)
    c.close()
    time.sleep(0.5)
    msgs = [m for m in sink.messages() if m.message]
    assert msgs, "smtp-sink must have taken LF.LF as the end of the first message"
    assert all(b"SMUGGLINGEND" not in m.message for m in msgs if m.mail_from == "sender@example.org"), \
        "smtp-sink did not stop at LF.LF: the outbound scan would have no teeth"
