"""Faults on both sides of the relay.

What must hold: the client's reply always matches what upstream actually did (same reply code and
enhanced code when upstream gave one; 4xx when upstream is down, dies mid-DATA or stalls past the
configured upstream timeout), nothing is acknowledged that did not arrive, a client that vanishes
mid-DATA delivers nothing, and pixelgate is still up and serving after every fault.
"""
from __future__ import annotations

import time

import pytest

from mailutil import assert_still_relays, make_message, new_msgid
from peers import SmtpSink, free_port, wait_until
from rawsmtp import ConnectionClosed, RawSMTP, dot_stuff

SOFT = "450 4.7.1 sink says try later"
HARD = "554 5.7.1 sink says no"
SHORT_UPSTREAM_TIMEOUTS = '[upstream]\nconnect_timeout = "2s"\ncommand_timeout = "2s"\ndata_timeout = "2s"\n'


def transaction(port: int, body: bytes | None = None) -> dict[str, object]:
    """MAIL, RCPT, DATA, body; returns the replies at each step (stopping at the first refusal)."""
    c = RawSMTP("127.0.0.1", port)
    out: dict[str, object] = {"greeting": c.greeting}
    try:
        out["ehlo"] = c.ehlo()
        out["mail"] = r = c.cmd("MAIL FROM:<sender@example.org>")
        if r.code != 250:
            return out
        out["rcpt"] = r = c.cmd("RCPT TO:<rcpt@example.net>")
        if r.code != 250:
            out["data_cmd"] = c.cmd("DATA")
            return out
        out["data_cmd"] = r = c.cmd("DATA")
        if r.code != 354:
            return out
        c.send_raw(dot_stuff(body or make_message()))
        out["final"] = c.read_reply(timeout=60)
        return out
    finally:
        c.quit()


def assert_serving(pg) -> None:
    """Alive, greets, and answers EHLO and NOOP on a new session."""
    assert pg.alive(), f"pixelgate died: {pg.stderr_text()[-3000:]}"
    c = RawSMTP("127.0.0.1", pg.port)
    assert c.greeting.code == 220, str(c.greeting)
    assert c.ehlo().code == 250
    assert c.cmd("NOOP").code == 250
    c.quit()


def test_upstream_down_then_back(pixelgate, workdir):
    port = free_port()
    pg = pixelgate(SHORT_UPSTREAM_TIMEOUTS, upstream=f"127.0.0.1:{port}")
    t0 = time.monotonic()
    r = transaction(pg.port)
    assert 400 <= r["mail"].code < 500, f"upstream down must give 4xx at MAIL, got {r['mail']}"
    assert time.monotonic() - t0 < 20
    wait_until(lambda: pg.events("error") or pg.events("reject"), 5, "an error/reject log line")
    sink = SmtpSink(workdir / "late-sink", port=port).start()    # upstream comes back
    try:
        assert_still_relays(pg, sink)
    finally:
        sink.stop()


@pytest.mark.parametrize("command", ["MAIL", "RCPT", "DATA", "."])
@pytest.mark.parametrize("reply", [SOFT, HARD], ids=["4xx", "5xx"])
def test_upstream_refuses(pixelgate, make_sink, command, reply):
    flag, text_flag = ("-r", "-b") if reply.startswith("4") else ("-f", "-B")
    sink = make_sink([flag, command, text_flag, reply])
    pg = pixelgate(upstream=sink.address)
    code, enhanced = int(reply[:3]), reply.split()[1]
    for attempt in range(2):          # the second attempt shows the relay is unharmed by the first
        r = transaction(pg.port)
        step = {"MAIL": "mail", "RCPT": "rcpt"}.get(command)
        if step is None:              # DATA or end of data: seen at DATA or after the body
            step = "final" if "final" in r else "data_cmd"
        got = r[step]
        assert (got.code, got.enhanced) == (code, enhanced), \
            f"attempt {attempt}: upstream said {reply!r} at {command}, client got {got} at {step}"
        if command == "RCPT":
            assert r["data_cmd"].code >= 500, f"DATA without recipients must fail: {r['data_cmd']}"
    if command != ".":                # smtp-sink dumps the message even when it refuses "."
        sink.assert_empty(settle=0.3)
    assert_serving(pg)


@pytest.mark.parametrize("command", ["MAIL", "RCPT"])
def test_upstream_421_and_hangup(pixelgate, make_sink, command):
    sink = make_sink(["-Q", command])
    pg = pixelgate(upstream=sink.address)
    r = transaction(pg.port)
    got = r["mail" if command == "MAIL" else "rcpt"]
    assert 400 <= got.code < 500, f"upstream sent 421 and hung up at {command}: client got {got}"
    sink.assert_empty(settle=0.3)
    assert_serving(pg)


def test_upstream_disconnects_mid_data(pixelgate, fake_upstream):
    up = fake_upstream(disconnect_after_data_bytes=2000)
    pg = pixelgate(upstream=up.address)
    body = make_message(body_lines=[b"y" * 70 for _ in range(500)])
    r = transaction(pg.port, body)
    assert 400 <= r["final"].code < 500, f"upstream died mid-DATA: client must get 4xx, got {r['final']}"
    assert up.delivered() == []
    up.disconnect_after = None
    assert_still_relays(pg, up)


@pytest.mark.parametrize("command", ["MAIL", "DATA", "."])
def test_upstream_stalls(pixelgate, make_sink, command):
    sink = make_sink(["-W", f"{command}:15"])
    pg = pixelgate(SHORT_UPSTREAM_TIMEOUTS, upstream=sink.address)
    t0 = time.monotonic()
    r = transaction(pg.port)
    elapsed = time.monotonic() - t0
    last = r.get("final") or r.get("data_cmd") or r.get("rcpt") or r["mail"]
    assert 400 <= last.code < 500, f"upstream stalled at {command} beyond the 2 s timeout: got {last}"
    assert elapsed < 12, f"the upstream timeout (2 s) must fire well before the 15 s stall ({elapsed:.1f} s)"
    assert_serving(pg)


def test_client_disconnects_mid_data(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    c.send_raw(make_message(new_msgid())[:-10])        # no terminator: the client just goes away
    c.close()
    sink.assert_empty(settle=2)
    assert_still_relays(pg, sink)


def test_client_sends_garbage_and_vanishes(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    c.send_raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n")
    try:
        r = c.read_reply(timeout=10)
        assert r.code >= 500, f"garbage must be refused: {r}"
    except ConnectionClosed:
        pass
    c.close()
    assert_still_relays(pg, sink)


def test_upstream_speaks_garbage(pixelgate, fake_upstream):
    up = fake_upstream(greeting="HTTP/1.1 400 Bad Request")
    pg = pixelgate(SHORT_UPSTREAM_TIMEOUTS, upstream=up.address)
    r = transaction(pg.port)
    assert 400 <= r["mail"].code < 500, f"a non-SMTP upstream must give 4xx at MAIL, got {r['mail']}"
    assert up.delivered() == []
    assert_serving(pg)


def test_upstream_refuses_one_recipient(pixelgate, fake_upstream):
    """SMTP in: upstream refuses one RCPT; the client gets that refusal for that recipient only,
    the others are delivered in one transaction that never names the refused one."""
    up = fake_upstream(on_rcpt=lambda addr, txn: "550 5.1.1 no such user" if addr == "bad@example.net" else None)
    pg = pixelgate(upstream=up.address)
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    replies = [c.cmd(f"RCPT TO:<{r}>") for r in ("a@example.net", "bad@example.net", "b@example.net")]
    assert [(r.code, r.enhanced) for r in replies] == [(250, "2.1.5"), (550, "5.1.1"), (250, "2.1.5")], \
        [str(r) for r in replies]
    msgid = new_msgid()
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    [t] = up.delivered()
    assert t.rcpts == ["a@example.net", "b@example.net"]
    assert msgid in t.header("Message-ID")
