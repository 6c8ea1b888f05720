"""Signals and systemd notification.

What must hold: SIGHUP keeps the listeners serving and reloads the config (a lowered limit applies
to new sessions); SIGTERM while a slow transaction is in flight lets that transaction complete
(upstream gets it, the client gets 250), a new connection meanwhile gets 421, and the process exits
within 30 s; with NOTIFY_SOCKET set (path or abstract `@name`), READY=1 arrives once the relay
serves and STOPPING=1 on shutdown, as plain AF_UNIX datagrams.
"""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid

import pytest

from mailutil import assert_still_relays, make_message, new_msgid
from peers import wait_until
from rawsmtp import ConnectionClosed, RawSMTP, dot_stuff


def test_sighup_keeps_serving_and_reloads(pixelgate, sink):
    pg = pixelgate("[limits]\nmax_recipients = 5\n")
    c = RawSMTP("127.0.0.1", pg.port)          # a session open across the reload
    c.ehlo()
    pg.config_path.write_text(pg.config_path.read_text().replace("max_recipients = 5", "max_recipients = 2"))
    pg.signal(signal.SIGHUP)
    pg.wait_event("reload")
    assert pg.alive(), f"SIGHUP killed pixelgate: {pg.stderr_text()[-2000:]}"
    assert c.cmd("NOOP").code == 250, "a session open across SIGHUP keeps working"
    c.quit()
    n = RawSMTP("127.0.0.1", pg.port)
    n.ehlo()
    assert n.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert n.cmd("RCPT TO:<a@example.net>").code == 250
    assert n.cmd("RCPT TO:<b@example.net>").code == 250
    third = n.cmd("RCPT TO:<c@example.net>")
    assert (third.code, third.enhanced) == (452, "4.5.3"), f"reloaded max_recipients = 2 not applied: {third}"
    n.quit()
    assert_still_relays(pg, sink)


def test_sighup_with_broken_config_keeps_old(pixelgate, sink):
    pg = pixelgate("[limits]\nmax_recipients = 5\n")
    pg.config_path.write_text("[limits]\nmax_recipients = \"not a number\"\nbogus_key = 1\n")
    pg.signal(signal.SIGHUP)
    reload = pg.wait_event("reload")
    assert reload.get("level") in ("error", "warning"), f"a failed reload must be logged as such: {reload}"
    assert pg.alive(), "a bad config on SIGHUP must not kill the daemon"
    assert_still_relays(pg, sink)


def test_sigterm_with_transaction_in_flight(pixelgate, make_sink):
    sink = make_sink(["-W", ".:5"])                 # upstream takes 5 s to answer the end of DATA
    pg = pixelgate(upstream=sink.address)
    msgid = new_msgid()
    result: dict[str, object] = {}

    def slow_client():
        try:
            c = RawSMTP("127.0.0.1", pg.port)
            c.ehlo()
            assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
            assert c.cmd("RCPT TO:<rcpt@example.net>").code == 250
            assert c.cmd("DATA").code == 354
            c.send_raw(dot_stuff(make_message(msgid)))
            result["sent"] = time.monotonic()
            result["final"] = c.read_reply(timeout=40)
            c.quit()
        except Exception as e:     # reported by the main thread
            result["error"] = e

    t = threading.Thread(target=slow_client)
    t.start()
    wait_until(lambda: "sent" in result or "error" in result, 10, "the slow client to send its message")
    time.sleep(1)                                   # the relay is now waiting for upstream
    pg.signal(signal.SIGTERM)
    time.sleep(0.5)
    try:
        late = RawSMTP("127.0.0.1", pg.port, timeout=5)
        assert late.greeting.code == 421, f"a new session during shutdown must get 421: {late.greeting}"
        late.close()
    except (ConnectionRefusedError, ConnectionClosed) as e:
        pytest.fail(f"during the grace period the listener must stay open and answer 421, got {e!r}")
    t.join(40)
    assert "error" not in result, f"in-flight client failed: {result.get('error')!r}"
    assert result["final"].code == 250, f"the in-flight transaction must complete: {result['final']}"
    msgs = sink.wait_messages(1)
    assert msgid in msgs[0].header("Message-ID")
    t0 = time.monotonic()
    code = pg.proc.wait(30)
    assert code == 0, f"exit code after SIGTERM: {code}"
    assert time.monotonic() - t0 < 30


def test_sigterm_idle_exits_quickly(pixelgate, sink):
    pg = pixelgate()
    assert_still_relays(pg, sink)
    t0 = time.monotonic()
    assert pg.stop() == 0
    assert time.monotonic() - t0 < 10, "an idle relay must stop promptly"


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_notify_socket(pixelgate, sink, workdir, abstract):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = f"pixelgate-e2e-{uuid.uuid4().hex}"
        sock.bind("\0" + name)
        env_value = "@" + name
    else:
        path = str(workdir / "notify.sock")
        sock.bind(path)
        os.chmod(path, 0o777)
        env_value = path
    sock.settimeout(30)
    try:
        pg = pixelgate(env={"NOTIFY_SOCKET": env_value})
        messages: list[str] = []

        def receive_until(word: str) -> None:
            deadline = time.monotonic() + 30
            while not any(word in m.split("\n") for m in messages):
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                try:
                    messages.append(sock.recv(4096).decode())
                except socket.timeout:
                    pytest.fail(f"no {word} on NOTIFY_SOCKET; got {messages}")
        receive_until("READY=1")
        assert_still_relays(pg, sink)
        pg.signal(signal.SIGTERM)
        receive_until("STOPPING=1")
        assert pg.stop() == 0
        ready_at = next(i for i, m in enumerate(messages) if "READY=1" in m.split("\n"))
        stop_at = next(i for i, m in enumerate(messages) if "STOPPING=1" in m.split("\n"))
        assert ready_at < stop_at
    finally:
        sock.close()


def test_sigterm_with_stuck_transaction_respects_grace(pixelgate, make_sink):
    """Upstream never answers the end of DATA: after shutdown_grace the process exits anyway
    (well within 30 s) and the stuck client is never told 250."""
    sink = make_sink(["-W", ".:60"])
    pg = pixelgate('[server]\nshutdown_grace = "3s"\n', upstream=sink.address)
    result: dict[str, object] = {}

    def stuck_client():
        c = RawSMTP("127.0.0.1", pg.port)
        try:
            c.ehlo()
            c.cmd("MAIL FROM:<sender@example.org>")
            c.cmd("RCPT TO:<rcpt@example.net>")
            c.cmd("DATA")
            c.send_raw(dot_stuff(make_message()))
            result["sent"] = True
            result["final"] = c.read_reply(timeout=40)
        except (ConnectionClosed, TimeoutError, OSError) as e:
            result["closed"] = repr(e)
        finally:
            c.close()

    t = threading.Thread(target=stuck_client)
    t.start()
    wait_until(lambda: "sent" in result, 10, "the client to send its message")
    time.sleep(1)
    t0 = time.monotonic()
    pg.signal(signal.SIGTERM)
    pg.proc.wait(30)
    elapsed = time.monotonic() - t0
    t.join(45)
    assert elapsed < 15, f"shutdown_grace = 3s but the process took {elapsed:.1f} s to exit"
    final = result.get("final")
    assert final is None or final.code != 250, f"a message upstream never accepted was acknowledged: {final}"
    assert final is None or 400 <= final.code < 500, f"a stuck transaction at shutdown must get 4xx: {final}"


def test_sighup_during_transaction_and_in_bursts(pixelgate, make_sink):
    sink = make_sink(["-W", ".:3"])
    pg = pixelgate(upstream=sink.address)
    msgid = new_msgid()
    result: dict[str, object] = {}

    def client():
        try:
            c = RawSMTP("127.0.0.1", pg.port)
            c.ehlo()
            c.cmd("MAIL FROM:<sender@example.org>")
            c.cmd("RCPT TO:<rcpt@example.net>")
            c.cmd("DATA")
            c.send_raw(dot_stuff(make_message(msgid)))
            result["sent"] = True
            result["final"] = c.read_reply(timeout=30)
            c.quit()
        except Exception as e:
            result["error"] = e
    t = threading.Thread(target=client)
    t.start()
    wait_until(lambda: "sent" in result or "error" in result, 10, "the client to send")
    for _ in range(10):                         # a burst of reloads while the message is in flight
        pg.signal(signal.SIGHUP)
        time.sleep(0.05)
    t.join(40)
    assert "error" not in result, result.get("error")
    assert result["final"].code == 250, f"SIGHUP must not disturb a transaction in flight: {result['final']}"
    assert pg.alive()
    assert msgid in sink.wait_messages(1)[0].header("Message-ID")
