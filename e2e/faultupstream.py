"""An upstream MTA whose faults can be switched on and off while load runs (fault matrix, issue 6).

Contract:
- `FaultUpstream()` is a `fakeupstream.FakeUpstream` (same dialogue, same `transactions` and
  `delivered()`) plus one fault that is active only between `activate()` and `heal()`:
    reply_at=("MAIL"|"RCPT"|"DATA", "451 4.3.0 ...")  answer that command (DATA: the end of data)
      with the reply; a 421 also closes the connection right after it, as a real server does;
    stall_mail=SECONDS                                sleep before answering MAIL;
    hangup_in_data=True                               close the connection after 200 body bytes.
- `kill()` closes the listener and every open connection (an upstream that crashed); `restart()`
  listens again on the same port. `down_at_start=True` starts killed.
- `accept_hook(msgid)`, when set and the fault is active, runs once, inside the window between
  the upstream accepting a message and its 250 being written (used to SIGKILL pixelgate there).
- `accepted_at[msgid]` is the monotonic time of each 250 at the end of DATA (taken just before the
  reply is written), `refused` lists (command, sender or Message-ID) per fault reply, and
  `counts()` gives how many times each Message-ID was delivered (2xx at the end of DATA).
- Thread-safe; every socket has a timeout (inherited); nothing here blocks a test forever.
"""
from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from typing import Callable, Optional

from fakeupstream import FakeUpstream, Txn


class FaultUpstream(FakeUpstream):
    def __init__(self, reply_at: Optional[tuple[str, str]] = None, stall_mail: float = 0.0,
                 hangup_in_data: bool = False, down_at_start: bool = False):
        self.fault_reply = reply_at
        self.stall = stall_mail
        self.hangup = hangup_in_data
        self.active = False
        self.accepted_at: dict[str, float] = {}
        self.refused: list[tuple[str, str]] = []
        self.fault_hits = 0
        self.accept_hook: Optional[Callable[[str], None]] = None
        self._local = threading.local()
        super().__init__(on_mail=self._on_mail, on_rcpt=self._on_rcpt, on_data_end=self._on_data_end,
                         hangup_in_data=self._hangup_in_data)
        if down_at_start:
            self.kill()

    # ------------------------------------------------------------------------------ control --
    def activate(self) -> None:
        self.active = True

    def heal(self) -> None:
        self.active = False

    def kill(self) -> None:
        """Like a crash: nothing listens, every open session is cut."""
        self.stopping = True
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept thread (see FakeUpstream.stop)
        except OSError:
            pass
        try:
            self.listener.close()
        except OSError:
            pass
        self._join_accept_thread()
        with self.lock:
            conns, self.conns = self.conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass

    def restart(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(50)
        self.stopping = False
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def counts(self) -> Counter:
        with self.lock:
            return Counter(i for t in self.transactions if t.reply.startswith("2") for i in t.header("Message-ID"))

    # ------------------------------------------------------------------------------- hooks --
    def _serve(self, conn: socket.socket, number: int = 0) -> None:
        self._local.conn = conn
        super()._serve(conn, number)

    def _fault(self, command: str, what: str) -> Optional[str]:
        if not self.active or not self.fault_reply or self.fault_reply[0] != command:
            return None
        reply = self.fault_reply[1]
        with self.lock:
            self.refused.append((command, what))
            self.fault_hits += 1
        if reply.startswith("421"):
            conn = self._local.conn
            threading.Timer(0.1, lambda: _hang_up(conn)).start()
        return reply

    def _on_mail(self, args: str) -> Optional[str]:
        if self.active and self.stall > 0:
            with self.lock:
                self.fault_hits += 1
            time.sleep(self.stall)
        return self._fault("MAIL", args.strip())

    def _on_rcpt(self, addr: str, txn: Txn) -> Optional[str]:
        return self._fault("RCPT", txn.mail_args)

    def _on_data_end(self, txn: Txn) -> Optional[str]:
        msgid = (txn.header("Message-ID") or ["?"])[0]
        reply = self._fault("DATA", msgid)
        if reply is None:
            with self.lock:
                self.accepted_at.setdefault(msgid, time.monotonic())
                hook, self.accept_hook = (self.accept_hook, None) if self.active else (None, self.accept_hook)
            if hook:
                hook(msgid)
        return reply

    def _hangup_in_data(self, txn: Txn) -> bool:
        if self.active and self.hangup:
            with self.lock:
                self.fault_hits += 1
            return True
        return False


def _hang_up(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
