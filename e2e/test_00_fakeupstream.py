"""The harness's FakeUpstream: a stopped fake must never answer a connection made to a later one.

Why (test_14 test_postfix_lmtp_with_fanout, 2 failures in about 16 full CI runs, never alone):
before 2f0e420, FakeUpstream.stop() only closed its listener. Its accept thread stayed blocked in
accept4() on the closed socket (so the old port kept listening), and the descriptor *number* was
free for the next socket, usually the next test's FakeUpstream listener. A blocked accept4() that
the kernel restarts (the process stopped and continued, a ptrace attach, a freezer thaw, a signal
handled with SA_RESTART) looks the number up again, so the old thread then waits on the new fake's
listener and takes one of its connections: served with the old test's hooks, recorded in the old
fake's lists. In test_14 that was one of the three LMTP sessions' upstream connections: all three
variants answered "250 2.0.0 Ok: queued" (bob's included) and nothing reached this test's fake.
Reproduced with the old stop() under strace (SIGCHLD restarts the traced accept4) and with
SIGSTOP/SIGCONT; these tests restart the syscall with an SA_RESTART signal instead.
"""
from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from fakeupstream import FakeUpstream

BOB = "bob@example.net"


def _refuse_bob(txn):
    return "550 5.2.1 bob's mailbox is disabled" if BOB in txn.rcpts else None


def _one_transaction(port: int, rcpt: str) -> str:
    """HELO, MAIL, RCPT, DATA and a tiny message; the reply to the end of DATA."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        f = s.makefile("rb")
        assert f.readline().startswith(b"220")
        s.sendall(f"HELO t\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n".encode())
        for _ in range(4):
            f.readline()
        s.sendall(b"Message-ID: <harness@e2e.example.test>\r\n\r\nhi\r\n.\r\n")
        reply = f.readline().decode().strip()
        s.sendall(b"QUIT\r\n")
        return reply


def _listener_on_descriptor(number: int, **behaviour) -> FakeUpstream | None:
    """A FakeUpstream whose listener gets descriptor `number` (fills lower free numbers with
    placeholders first); None when the number is taken by something else."""
    placeholders = []
    try:
        while True:
            fd = os.open(os.devnull, os.O_RDONLY)
            if fd >= number:
                os.close(fd)
                if fd != number:
                    return None
                break
            placeholders.append(fd)
        fake = FakeUpstream(**behaviour)
        if fake.listener.fileno() != number:
            fake.stop()
            return None
        return fake
    finally:
        for fd in placeholders:
            os.close(fd)


def test_stop_ends_the_accept_thread():
    up = FakeUpstream()
    time.sleep(0.2)                          # the accept thread is blocked in accept() now
    up.stop()
    up.thread.join(5)
    assert not up.thread.is_alive(), "a stopped FakeUpstream's accept thread is still waiting in accept()"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", up.port), timeout=2).close()


def test_stopped_fake_never_takes_the_next_fakes_connections():
    old = FakeUpstream()
    time.sleep(0.2)
    number = old.listener.fileno()
    old.stop()
    old.thread.join(2)
    new = _listener_on_descriptor(number, on_data_end=_refuse_bob)
    if new is None:
        pytest.skip(f"descriptor {number} was taken by something else")
    previous = signal.getsignal(signal.SIGUSR1)
    try:
        if old.thread.is_alive():
            # Still blocked in accept4(number): make the kernel restart it, as SIGSTOP/SIGCONT,
            # a ptrace attach or a freezer thaw would; it then looks `number` up again.
            signal.signal(signal.SIGUSR1, lambda *_: None)
            signal.siginterrupt(signal.SIGUSR1, False)
            signal.pthread_kill(old.thread.ident, signal.SIGUSR1)
            time.sleep(0.2)
        replies = [_one_transaction(new.port, BOB) for _ in range(3)]
    finally:
        signal.signal(signal.SIGUSR1, previous)
        new.stop()
    assert old.transactions == [], "the stopped fake served a connection made to the new one"
    assert all(r.startswith("550 5.2.1") for r in replies), replies
    assert len(new.transactions) == 3
