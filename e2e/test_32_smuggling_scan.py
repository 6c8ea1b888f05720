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
- OUTBOUND (what pixelgate sends upstream): check the smtp-sink dump: exactly one
  message, holding both the START and the END marker, with no bare CR; and the envelope of a
  second transaction never appears. smtp-sink (Postfix 3.7.11) is strict and its dump writes
  every line end as LF, so the output also goes to a byte-exact capture upstream that is lenient
  (it ends DATA at LF "." CRLF, as Postfix before 3.8.4 / 3.7.9 did): its bytes must have only
  CRLF line ends and the END marker. `test_capture_upstream_is_lenient` shows it would be fooled.
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


def only_crlf(data: bytes) -> bool:
    return b"\r" not in data.replace(b"\r\n", b"") and b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", SEQUENCES)
def test_outbound(pixelgate, sink, fake_upstream, mode, name):
    """Two upstreams: smtp-sink -d (the dump must hold one whole message) and a byte-exact
    capture that is itself lenient (FakeUpstream ends DATA at any line ".\r\n", so LF "." CRLF
    fools it): the bytes pixelgate wrote must have only CRLF line ends and both markers."""
    capture = fake_upstream()
    for upstream in (sink, capture):
        pg = pixelgate(config(mode), upstream=upstream.address)
        final = send_raw_message(pg.port, outbound_message(SEQUENCES[name], new_msgid()))
        if mode == "reject" and name not in NO_BARE:
            assert (final.code, final.enhanced) == (550, "5.5.2"), f"{name}: {final}"
            continue
        assert final.code == 250, f"{name}/{mode}: {final}"
    if mode == "reject" and name not in NO_BARE:
        sink.assert_empty(settle=0.5)
        assert capture.transactions == [], "nothing may reach any upstream"
        return

    msgs = settled_messages(sink, 1)
    assert len(msgs) == 1, f"{name}/{mode}: smtp-sink saw {len(msgs)} transactions"
    body = msgs[0].message
    assert b"SMUGGLINGSTART" in body and b"SMUGGLINGEND" in body, \
        f"{name}/{mode}: the message was cut before its END marker: {body[-300:]!r}"
    assert body.index(b"SMUGGLINGSTART") < body.index(b"SMUGGLINGEND")
    assert b"\r" not in msgs[0].path.read_bytes().replace(b"\r\n", b""), f"{name}/{mode}: a bare CR left the relay"
    assert msgs[0].recipients == [VICTIM] and msgs[0].mail_from == "sender@example.org"
    assert_nothing_smuggled(sink)

    [t] = capture.transactions
    assert t.reply.startswith("250") and t.rcpts == [VICTIM] and t.sender == "sender@example.org"
    assert b"SMUGGLINGEND" in t.body, f"{name}/{mode}: a lenient upstream was fooled: {t.body[-300:]!r}"
    assert only_crlf(t.body), f"{name}/{mode}: bare CR or LF on the wire to upstream: {t.body[-400:]!r}"
    assert len(capture.transactions) == 1 and all(SMUGGLED_FROM not in c for c in capture.commands), \
        "the smuggled MAIL reached the upstream as a command"


def test_capture_upstream_is_lenient(fake_upstream):
    """Control: LF "." CRLF sent straight to the capture upstream (no pixelgate) cuts the message
    there and the rest runs as commands, so a relay passing it through would fail test_outbound.
    (smtp-sink from Postfix 3.7.11 is strict and its dump turns bare LF into line ends, so it
    cannot show this; that is why test_outbound checks the capture's bytes too.)"""
    up = fake_upstream()
    c = RawSMTP("127.0.0.1", up.port)
    c.ehlo()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd(f"RCPT TO:<{VICTIM}>").code == 250
    assert c.cmd("DATA").code == 354
    c.send_raw(outbound_message(SEC_CONSULT["LF.CRLF"], new_msgid()))
    c.read_reply(timeout=30)
    time.sleep(0.5)
    c.close()
    assert up.transactions and b"SMUGGLINGEND" not in up.transactions[0].body
    assert any(SMUGGLED_FROM in cmd for cmd in up.commands), "the rest ran as commands"
