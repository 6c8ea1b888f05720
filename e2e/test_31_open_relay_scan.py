"""Open-relay scan (issue 6, abuse scans): the classic relay tricks from a client outside
allow_networks (bound to 127.0.0.2, only 127.0.0.1/32 allowed), without AUTH, on the SMTP and the
LMTP listener.

test_07_open_relay.py proves the basic refusal (MAIL 554 5.7.1, XFORWARD, AUTH before TLS). This
file adds the address tricks relay scanners use (the list of the classic "relay test" suites,
e.g. the ORDB / abuse.net relay tests): `%`-hack, source routes `<@a,@b:u@c>`, quoted local parts
with `@`, `!` bang paths, a bare `postmaster`, `user@[IP]` literals, trailing dots, the null
sender, HELO instead of EHLO, and a fully pipelined transaction that does not wait for replies.

What must hold: every trick gets a 5xx at MAIL or RCPT, DATA never gets 354, nothing reaches the
upstream (smtp-sink -d stays empty), each refusal is logged, and the relay keeps serving.
"""
from __future__ import annotations

import pytest

from mailutil import make_message
from rawsmtp import ConnectionClosed, RawSMTP, dot_stuff

OUTSIDE = "127.0.0.2"
CONFIG = '[server]\nallow_networks = ["127.0.0.1/32"]\n'

# (name, MAIL FROM path, RCPT TO path)
TRICKS = [
    ("plain", "<sender@example.org>", "<victim@remote.example>"),
    ("percent-hack", "<sender@example.org>", "<victim%remote.example@pixelgate.e2e.test>"),
    ("percent-hack-ip", "<sender@example.org>", "<victim%remote.example@[127.0.0.1]>"),
    ("source-route", "<sender@example.org>", "<@pixelgate.e2e.test,@relay.example:victim@remote.example>"),
    ("source-route-single", "<sender@example.org>", "<@pixelgate.e2e.test:victim@remote.example>"),
    ("quoted-at", "<sender@example.org>", '<"victim@remote.example">'),
    ("quoted-at-local", "<sender@example.org>", '<"victim@remote.example"@pixelgate.e2e.test>'),
    ("quoted-percent", "<sender@example.org>", '<"victim%remote.example"@pixelgate.e2e.test>'),
    ("bang-path", "<sender@example.org>", "<remote.example!victim>"),
    ("bang-path-local", "<sender@example.org>", "<remote.example!victim@pixelgate.e2e.test>"),
    ("bare-postmaster", "<sender@example.org>", "<postmaster>"),
    ("postmaster-upper", "<sender@example.org>", "<POSTMASTER>"),
    ("ip-literal", "<sender@example.org>", "<victim@[127.0.0.1]>"),
    ("ip-literal-remote", "<sender@example.org>", "<victim@[192.0.2.25]>"),
    ("trailing-dot", "<sender@example.org>", "<victim@remote.example.>"),
    ("local-trailing-dot", "<sender@example.org>", "<victim@pixelgate.e2e.test.>"),
    ("null-sender", "<>", "<victim@remote.example>"),
    ("local-sender", "<postmaster@pixelgate.e2e.test>", "<victim@remote.example>"),
    ("unbracketed", "sender@example.org", "victim@remote.example"),
    ("double-at", "<sender@example.org>", "<victim@remote.example@pixelgate.e2e.test>"),
]


def attempt(port: int, mail: str, rcpt: str, greet: str = "EHLO") -> dict[str, object]:
    c = RawSMTP("127.0.0.1", port, source=OUTSIDE)
    out: dict[str, object] = {}
    try:
        out["helo"] = c.cmd(f"{greet} scanner.example")
        out["mail"] = c.cmd(f"MAIL FROM:{mail}")
        out["rcpt"] = c.cmd(f"RCPT TO:{rcpt}")
        out["data"] = d = c.cmd("DATA")
        if d.code == 354:                     # only when the relay is wrong: keep the dialogue in step
            c.send_raw(dot_stuff(make_message(to=rcpt.strip("<>"))))
            out["final"] = c.read_reply()
        c.quit()
    except ConnectionClosed:
        out["closed"] = True
    return out


def assert_refused(name: str, r: dict[str, object]) -> None:
    mail, rcpt, data = r.get("mail"), r.get("rcpt"), r.get("data")
    assert mail is not None and rcpt is not None, f"{name}: connection closed early: {r}"
    assert mail.code >= 500 or rcpt.code >= 500, f"{name}: neither MAIL nor RCPT was refused: {mail} / {rcpt}"
    assert rcpt.code >= 500, f"{name}: RCPT must get 5xx from an outside client: {rcpt}"
    assert data is None or data.code >= 500, f"{name}: DATA must get 5xx: {data}"
    assert "final" not in r, f"{name}: the relay took a message body from an outside client"


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
def test_relay_tricks_refused(pixelgate, sink, lmtp):
    pg = pixelgate(CONFIG, lmtp=lmtp)
    port = pg.lmtp_port if lmtp else pg.port
    greet = "LHLO" if lmtp else "EHLO"
    for name, mail, rcpt in TRICKS:
        assert_refused(name, attempt(port, mail, rcpt, greet))
    if not lmtp:
        assert_refused("helo", attempt(port, "<sender@example.org>", "<victim@remote.example>", "HELO"))
    sink.assert_empty(settle=0.5)
    rejects = pg.events("reject")
    assert len(rejects) >= len(TRICKS), f"each refusal must be logged, got {len(rejects)} reject lines"
    assert pg.alive()


def test_pipelined_transaction_not_relayed(pixelgate, sink):
    """The whole transaction in one write: MAIL, RCPT, DATA, the body and the dot. DATA gets 5xx, so
    the body lines are commands (each refused or harmless) and the dot is never an end of data."""
    pg = pixelgate(CONFIG)
    c = RawSMTP("127.0.0.1", pg.port, source=OUTSIDE)
    c.ehlo()
    body = dot_stuff(make_message(to="victim@remote.example"))
    c.send_raw(b"MAIL FROM:<sender@example.org>\r\nRCPT TO:<victim@remote.example>\r\nDATA\r\n" + body)
    replies = []
    try:
        for _ in range(3):
            replies.append(c.read_reply(timeout=10))
    except (ConnectionClosed, TimeoutError):
        pass
    assert [r.code >= 500 for r in replies] == [True] * len(replies) and len(replies) >= 3, \
        [str(r) for r in replies]
    c.close()
    sink.assert_empty(settle=0.5)
    assert pg.alive()


def test_inside_client_still_relays(pixelgate, sink):
    """Control: the same tricks are not refused because the scanner is broken; an inside client's
    ordinary message goes through."""
    pg = pixelgate(CONFIG)
    c = RawSMTP("127.0.0.1", pg.port, source="127.0.0.1")
    c.ehlo()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    assert c.data(dot_stuff(make_message()))[0].code == 250
    c.quit()
    assert len(sink.wait_messages(1)) == 1
