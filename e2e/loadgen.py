"""Steady SMTP load for the fault matrix: N client sessions sending continuously into a port.

Contract:
- `LoadGen(port, prefix, sessions=5, interval=0.15, make=...)`: `start()` runs `sessions` threads;
  each keeps one SMTP session open and sends one message every `interval` seconds, each with a
  unique Message-ID `<PREFIX.T.N@load.example.test>` (T the session, N its serial). A session
  that fails reconnects after a short pause. `stop()` ends every thread and waits for it.
- `acked` holds the Message-IDs the server answered 250 at the end of DATA, `failed` maps the
  others to the error seen (refused, or the connection lost before a reply). Only `acked`
  messages are the server's responsibility.
- Every socket operation has a timeout (30 s); nothing here blocks forever.
"""
from __future__ import annotations

import smtplib
import threading
import time
from typing import Callable

from mailutil import make_message

SENDER = "load@example.org"
RECIPIENT = "reader@example.net"


def plain_message(msgid: str) -> bytes:
    body = [f"serial {msgid} line {i:02d} ".encode() + b"x" * 60 for i in range(20)]
    return make_message(msgid, subject="fault matrix", to=RECIPIENT, body_lines=body)


class LoadGen:
    def __init__(self, port: int, prefix: str, sessions: int = 5, interval: float = 0.15,
                 make: Callable[[str], bytes] = plain_message):
        self.port = port
        self.prefix = prefix
        self.sessions = sessions
        self.interval = interval
        self.make = make
        self.acked: list[str] = []
        self.failed: dict[str, str] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> "LoadGen":
        for t in range(self.sessions):
            th = threading.Thread(target=self._run, args=(t,), daemon=True)
            th.start()
            self.threads.append(th)
        return self

    def stop(self) -> None:
        self.stopping.set()
        for th in self.threads:
            th.join(60)
        alive = [th for th in self.threads if th.is_alive()]
        assert not alive, f"{len(alive)} load session(s) did not stop"

    @property
    def sent(self) -> int:
        with self.lock:
            return len(self.acked) + len(self.failed)

    def _run(self, t: int) -> None:
        n = 0
        s: smtplib.SMTP | None = None
        while not self.stopping.is_set():
            msgid = f"<{self.prefix}.{t}.{n}@load.example.test>"
            n += 1
            try:
                if s is None:
                    s = smtplib.SMTP("127.0.0.1", self.port, timeout=30)
                    s.ehlo("app.example.test")
                refused = s.sendmail(SENDER, [RECIPIENT], self.make(msgid))
                with self.lock:
                    if refused:
                        self.failed[msgid] = str(refused)
                    else:
                        self.acked.append(msgid)
            except (smtplib.SMTPException, OSError) as e:
                with self.lock:
                    self.failed[msgid] = f"{type(e).__name__}: {e}"
                try:
                    if s is not None:
                        s.close()
                except OSError:
                    pass
                s = None
                self.stopping.wait(0.2)
            self.stopping.wait(self.interval)
        if s is not None:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                pass
