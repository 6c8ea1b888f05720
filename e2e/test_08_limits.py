"""Limits, each set small in the config: each gets its coded reply, nothing partial is relayed,
and a normal message still relays afterwards (the server stays up).
"""
from __future__ import annotations

import time

from mailutil import assert_still_relays, make_message, new_msgid
from rawsmtp import RawSMTP, dot_stuff


def session(port: int) -> RawSMTP:
    c = RawSMTP("127.0.0.1", port)
    assert c.ehlo().code == 250
    return c


def test_oversize_message(pixelgate, sink):
    pg = pixelgate('[limits]\nmax_message_size = "10k"\n')
    c = session(pg.port)
    size_line = next((l for l in c.ehlo_lines if l.upper().startswith("SIZE")), None)
    assert size_line is not None and size_line.split()[1:] == ["10240"], f"SIZE must be advertised: {c.ehlo_lines}"
    declared = c.cmd("MAIL FROM:<sender@example.org> SIZE=20000")
    assert (declared.code, declared.enhanced) == (552, "5.3.4"), f"declared SIZE over the limit: {declared}"
    c.cmd("RSET")
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    big = make_message(body_lines=[b"z" * 76 for _ in range(300)])     # about 23 KB, no SIZE given
    final = c.data(dot_stuff(big))[0]
    assert (final.code, final.enhanced) == (552, "5.3.4"), str(final)
    assert c.cmd("NOOP").code == 250
    c.quit()
    sink.assert_empty(settle=0.5)
    assert_still_relays(pg, sink)


def test_too_many_recipients(pixelgate, sink):
    pg = pixelgate("[limits]\nmax_recipients = 3\n")
    c = session(pg.port)
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    for i in range(3):
        assert c.cmd(f"RCPT TO:<r{i}@example.net>").code == 250
    fourth = c.cmd("RCPT TO:<r3@example.net>")
    assert (fourth.code, fourth.enhanced) == (452, "4.5.3"), str(fourth)
    msgid = new_msgid()
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    m = sink.wait_messages(1)[0]
    assert sorted(m.recipients) == ["r0@example.net", "r1@example.net", "r2@example.net"]
    assert_still_relays(pg, sink)


def test_overlong_command_line(pixelgate, sink):
    pg = pixelgate()
    c = session(pg.port)
    r = c.cmd("MAIL FROM:<" + "a" * 2000 + "@example.org>")
    assert (r.code, r.enhanced) == (500, "5.5.2"), str(r)
    assert c.cmd("NOOP").code == 250, "the session continues after an overlong line"
    c.quit()
    sink.assert_empty(settle=0.3)
    assert_still_relays(pg, sink)


def test_overlong_data_line(pixelgate, sink):
    pg = pixelgate("[limits]\nmax_line_length = 998\n")
    c = session(pg.port)
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    final = c.data(dot_stuff(make_message(body_lines=[b"ok line", b"L" * 5000, b"after"])))[0]
    assert (final.code, final.enhanced) == (500, "5.5.2"), str(final)
    assert c.cmd("NOOP").code == 250
    c.quit()
    sink.assert_empty(settle=0.5)
    assert_still_relays(pg, sink)


def test_998_octet_line_is_fine(pixelgate, sink):
    pg = pixelgate("[limits]\nmax_line_length = 998\n")
    c = session(pg.port)
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    final = c.data(dot_stuff(make_message(body_lines=[b"L" * 998])))[0]
    assert final.code == 250, str(final)
    c.quit()
    assert sink.wait_messages(1)[0].message.endswith(b"\n" + b"L" * 998 + b"\n")


def test_oversize_header(pixelgate, sink):
    pg = pixelgate('[limits]\nmax_header_size = "4k"\n')
    c = session(pg.port)
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    headers = [f"X-Filler-{i}: " + "h" * 60 for i in range(200)]       # about 14 KB of header
    final = c.data(dot_stuff(make_message(extra_headers=headers)))[0]
    assert (final.code, final.enhanced) in ((552, "5.3.4"), (554, "5.6.0")), str(final)
    c.quit()
    sink.assert_empty(settle=0.5)
    assert_still_relays(pg, sink)


def test_idle_client_times_out(pixelgate, sink):
    pg = pixelgate('[limits]\ncommand_timeout = "2s"\n')
    c = session(pg.port)
    t0 = time.monotonic()
    r = c.read_reply(timeout=15)
    elapsed = time.monotonic() - t0
    assert (r.code, r.enhanced) == (421, "4.4.2"), str(r)
    assert 1.5 <= elapsed < 10, f"timeout fired after {elapsed:.1f} s for a 2 s setting"
    assert c.is_closed(5), "the server must close the connection after 421"
    c.close()
    assert_still_relays(pg, sink)


def test_idle_in_data_times_out(pixelgate, sink):
    pg = pixelgate('[limits]\ndata_timeout = "2s"\n')
    c = session(pg.port)
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
    assert c.cmd("DATA").code == 354
    c.send_raw(b"Subject: stalled\r\n\r\nhalf a mess")
    r = c.read_reply(timeout=20)
    assert (r.code, r.enhanced) == (421, "4.4.2"), str(r)
    c.close()
    sink.assert_empty(settle=0.5)
    assert_still_relays(pg, sink)


def test_too_many_connections(pixelgate, sink):
    pg = pixelgate("[server]\nmax_connections = 3\n")
    time.sleep(0.5)                   # let the readiness probe's session end
    held = [session(pg.port) for _ in range(3)]
    try:
        over = RawSMTP("127.0.0.1", pg.port)
        assert (over.greeting.code, over.greeting.enhanced) == (421, "4.3.2"), str(over.greeting)
        assert over.is_closed(5), "the connection over the cap must be closed after 421"
        over.close()
        for c in held:
            assert c.cmd("NOOP").code == 250, "sessions under the cap keep working"
    finally:
        for c in held:
            c.quit()
    time.sleep(0.5)
    assert_still_relays(pg, sink)
