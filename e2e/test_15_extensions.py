"""ESMTP extensions on the way upstream: XFORWARD passed on (or not, per `[upstream] xforward`),
DSN parameters dropped when upstream has no DSN, SMTPUTF8 addresses carried to an upstream that
offers SMTPUTF8, and a transaction with many recipients pipelined through.
"""
from __future__ import annotations

from collections import Counter

from mailutil import make_message, new_msgid, send
from rawsmtp import RawSMTP, dot_stuff


def send_with_xforward(port: int, msgid: str) -> None:
    c = RawSMTP("127.0.0.1", port)
    c.ehlo()
    assert c.cmd("XFORWARD NAME=app.example.test ADDR=10.9.8.7").code == 250
    assert c.cmd("XFORWARD HELO=app-helo.example.test IDENT=ABCDEF1234 PROTO=ESMTP").code == 250
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<a@example.net>").code == 250
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()


XFORWARD_EXT = ("XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE",)


def xforward_lines(up) -> list[str]:
    return [c for c in up.commands if c.upper().startswith("XFORWARD")]


def test_xforward_passed_upstream(pixelgate, fake_upstream):
    up = fake_upstream(extra_ehlo=XFORWARD_EXT)      # smtp-sink does not show XFORWARD in its dumps
    pg = pixelgate(upstream=up.address)
    msgid = new_msgid()
    send_with_xforward(pg.port, msgid)
    sent = " ".join(xforward_lines(up))
    assert "ADDR=10.9.8.7" in sent, f"upstream must get the original client address: {up.commands}"
    assert "HELO=app-helo.example.test" in sent and "NAME=app.example.test" in sent, sent
    first_mail = next(i for i, c in enumerate(up.commands) if c.upper().startswith("MAIL"))
    assert all(up.commands.index(l) < first_mail for l in xforward_lines(up)), "XFORWARD goes before MAIL"
    assert [t.header("Message-ID") for t in up.delivered()] == [[msgid]]


def test_xforward_disabled(pixelgate, fake_upstream):
    up = fake_upstream(extra_ehlo=XFORWARD_EXT)
    pg = pixelgate("[upstream]\nxforward = false\n", upstream=up.address)
    send_with_xforward(pg.port, new_msgid())
    assert len(up.delivered()) == 1
    assert xforward_lines(up) == [], f"xforward = false must not send XFORWARD: {up.commands}"


def test_dsn_dropped_when_upstream_lacks_dsn(pixelgate, make_sink):
    sink = make_sink(["-N"])             # smtp-sink without DSN
    pg = pixelgate(upstream=sink.address)
    msgid = new_msgid()
    refused = send(pg.port, "sender@example.org", ["a@example.net"], make_message(msgid),
                   mail_options=["RET=FULL", "ENVID=X1"], rcpt_options=["NOTIFY=NEVER"])
    assert refused == {}
    m = sink.wait_messages(1)[0]
    assert "RET=" not in m.mail_args and "ENVID=" not in m.mail_args, m.mail_args
    assert all("NOTIFY=" not in a for a in m.rcpt_args), m.rcpt_args


def test_smtputf8_carried_upstream(pixelgate, fake_upstream):
    up = fake_upstream()                 # offers SMTPUTF8
    pg = pixelgate(upstream=up.address)
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    assert "SMTPUTF8" in c.extensions
    assert c.cmd("MAIL FROM:<jörg@exämple.org> SMTPUTF8".encode()).code == 250
    assert c.cmd("RCPT TO:<zoë@exämple.net>".encode()).code == 250
    msgid = new_msgid()
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    [t] = up.delivered()
    assert t.sender == "jörg@exämple.org" and t.rcpts == ["zoë@exämple.net"]
    assert "SMTPUTF8" in t.mail_args.upper().split(), t.mail_args


def test_many_recipients_pipelined(pixelgate, sink):
    pg = pixelgate()
    rcpts = [f"r{i:03d}@example.net" for i in range(300)]
    msgid = new_msgid()
    assert send(pg.port, "sender@example.org", rcpts, make_message(msgid)) == {}
    m = sink.wait_messages(1, timeout=30)[0]
    assert sorted(m.recipients) == rcpts


def test_pipelined_burst_of_rcpt(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    rcpts = [f"p{i:03d}@example.net" for i in range(500)]
    burst = b"MAIL FROM:<sender@example.org>\r\n" + b"".join(f"RCPT TO:<{r}>\r\n".encode() for r in rcpts) + b"DATA\r\n"
    c.send_raw(burst)
    codes = [c.read_reply(timeout=60).code for _ in range(len(rcpts) + 2)]
    assert codes == [250] + [250] * len(rcpts) + [354], Counter(codes)
    msgid = new_msgid()
    c.send_raw(dot_stuff(make_message(msgid)))
    assert c.read_reply(timeout=60).code == 250
    c.quit()
    assert sorted(sink.wait_messages(1, timeout=30)[0].recipients) == rcpts


def test_nul_bytes_and_empty_message(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    msgid = new_msgid()
    message = make_message(msgid, body_lines=[b"before\x00after", b"\x00"])
    for payload in (dot_stuff(message), b".\r\n"):
        assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
        assert c.cmd("RCPT TO:<a@example.net>").code == 250
        assert c.cmd("DATA").code == 354
        c.send_raw(payload)
        r = c.read_reply(timeout=30)
        assert r.code == 250 or (payload == b".\r\n" and r.code >= 500), str(r)
    c.quit()
    msgs = sink.wait_messages(1)
    with_nul = [m for m in msgs if msgid in m.header("Message-ID")]
    assert len(with_nul) == 1 and b"before\x00after\n\x00\n" in with_nul[0].message, "NUL is data and passes unchanged"


def test_upstream_closed_between_transactions(pixelgate, fake_upstream):
    """Upstream hangs up after each message (short idle timeout): the next transaction of the same
    inbound session must reach upstream on a new connection."""
    up = fake_upstream(close_after_data=True)
    pg = pixelgate(upstream=up.address)
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    msgids = [new_msgid() for _ in range(3)]
    for msgid in msgids:
        assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
        assert c.cmd("RCPT TO:<a@example.net>").code == 250
        r = c.data(dot_stuff(make_message(msgid)))[0]
        assert r.code == 250, f"after upstream closed its idle connection: {r}"
    c.quit()
    assert [t.header("Message-ID")[0] for t in up.delivered()] == msgids
    assert up.sessions >= 3


def test_upstream_without_esmtp(pixelgate, make_sink):
    sink = make_sink(["-e"])             # smtp-sink refuses EHLO: the relay must fall back to HELO
    pg = pixelgate(upstream=sink.address)
    msgid = new_msgid()
    assert send(pg.port, "sender@example.org", ["a@example.net"], make_message(msgid)) == {}
    m = sink.wait_messages(1)[0]
    assert msgid in m.header("Message-ID")
    assert m.proto == "SMTP", f"upstream session should be plain SMTP after HELO: {m.proto}"


def test_upstream_without_8bitmime(pixelgate, make_sink):
    sink = make_sink(["-8"])
    pg = pixelgate(upstream=sink.address)
    msgid = new_msgid()
    body = [b"caf\xc3\xa9"]
    assert send(pg.port, "sender@example.org", ["a@example.net"], make_message(msgid, body_lines=body),
                mail_options=["BODY=8BITMIME"]) == {}
    m = sink.wait_messages(1)[0]
    assert "BODY=" not in m.mail_args.upper(), f"BODY= must not go to an upstream without 8BITMIME: {m.mail_args}"
    assert m.message.endswith(b"caf\xc3\xa9\n")
