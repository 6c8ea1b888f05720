"""A small scriptable SMTP server (thread per connection) for faults smtp-sink cannot make:
reject one transaction's recipient at DATA, reject one recipient at RCPT, disconnect mid-DATA.

Contract:
- Speaks ESMTP with PIPELINING, 8BITMIME, SMTPUTF8, DSN, SIZE and ENHANCEDSTATUSCODES; answers
  each command line as it is read, so pipelined clients work.
- Behaviour comes from callbacks, each returning a reply line ("550 5.1.1 no such user") or None
  for the default success reply:
    on_mail(sender_args) ; on_rcpt(address, txn) ; on_data_end(txn)
  `disconnect_after_data_bytes=N` closes the connection without a reply once N body bytes of a
  transaction have been read (an upstream dying mid-DATA); set the attribute `disconnect_after`
  to None to heal it. `hangup_in_data(txn)` decides per transaction (body read so far in
  txn.body; the Message-ID is in it) whether to hang up after 200 body bytes.
  `greeting` replaces the 220 banner (e.g. garbage, or a 554 refusal); `close_after_data` hangs
  up after each DATA reply (an upstream with a tiny idle timeout).
- `transactions` lists every transaction that reached the end of DATA, with the reply given;
  `delivered()` lists those answered 2xx: (sender, [recipients], body bytes, unstuffed, CRLF).
- `tls=(cert, key)` offers STARTTLS; `auth={user: password}` offers AUTH PLAIN LOGIN (after TLS
  when TLS is offered) and refuses MAIL with 530 until the client authenticated; `tls_sessions`
  and `auth_users` record what happened.
- Every socket read has a timeout, and `stop()` shuts the listener down, waits for the accept
  thread to return, and closes every open connection.
"""
from __future__ import annotations

import base64
import socket
import ssl
import threading
from dataclasses import dataclass, field
from typing import Callable, Optional

from peers import free_port


@dataclass
class Txn:
    mail_args: str = ""
    rcpts: list[str] = field(default_factory=list)
    rcpt_args: list[str] = field(default_factory=list)
    body: bytes = b""
    reply: str = ""

    @property
    def sender(self) -> str:
        return _addr(self.mail_args)

    def header(self, name: str) -> list[str]:
        head = self.body.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        out = []
        for line in head.split("\r\n"):
            k, _, v = line.partition(":")
            if k.strip().lower() == name.lower():
                out.append(v.strip())
        return out


def _addr(args: str) -> str:
    args = args.strip()
    if args.startswith("<") and ">" in args:
        return args[1:args.index(">")]
    return args.split(" ", 1)[0]


class FakeUpstream:
    def __init__(self,
                 on_mail: Optional[Callable[[str], Optional[str]]] = None,
                 on_rcpt: Optional[Callable[[str, Txn], Optional[str]]] = None,
                 on_data_end: Optional[Callable[[Txn], Optional[str]]] = None,
                 disconnect_after_data_bytes: Optional[int] = None,
                 hostname: str = "fake-upstream.example.test", extra_ehlo: tuple[str, ...] = (),
                 tls: Optional[tuple[str, str]] = None, auth: Optional[dict[str, str]] = None,
                 hangup_in_data: Optional[Callable[[Txn], bool]] = None,
                 greeting: Optional[str] = None, close_after_data: bool = False):
        self.on_mail = on_mail
        self.on_rcpt = on_rcpt
        self.on_data_end = on_data_end
        self.disconnect_after = disconnect_after_data_bytes
        self.hangup_in_data = hangup_in_data
        self.greeting = greeting
        self.close_after_data = close_after_data
        self.hostname = hostname
        self.extra_ehlo = tuple(extra_ehlo)
        self.tls_context = None
        if tls:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(*tls)
        self.auth = dict(auth) if auth else None
        self.tls_sessions = 0
        self.auth_users: list[str] = []
        self.port = free_port()
        self.transactions: list[Txn] = []
        self.commands: list[str] = []
        # (connection number, line) for every command line, for failure reports.
        self.conn_log: list[tuple[int, str]] = []
        self.lock = threading.Lock()
        self.conns: list[socket.socket] = []
        self.sessions = 0
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(50)
        self.stopping = False
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def delivered(self) -> list[Txn]:
        with self.lock:
            return [t for t in self.transactions if t.reply.startswith("2")]

    def stop(self) -> None:
        self.stopping = True
        try:
            # shutdown first: on Linux, close() alone does not wake a thread blocked in accept(),
            # which would keep listening (and serving with this test's hooks) after the test.
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.listener.close()
        except OSError:
            pass
        self._join_accept_thread()
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                    c.close()
                except OSError:
                    pass

    def _join_accept_thread(self) -> None:
        """Waits (outside self.lock) for the accept thread woken by the shutdown to return: a
        thread left in accept() on a closed descriptor takes the next listener that gets the same
        descriptor number as soon as the kernel restarts the call (test_00_fakeupstream.py)."""
        if self.thread is not threading.current_thread():
            self.thread.join(5)

    # ------------------------------------------------------------------------------ server --
    def _accept_loop(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.stopping:
                conn.close()
                return
            with self.lock:
                self.conns.append(conn)
                self.sessions += 1
                number = self.sessions
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def report(self) -> str:
        """Every command line per connection and every finished transaction, for a failing test."""
        with self.lock:
            lines = [f"conn {n}: {l[:120]}" for n, l in self.conn_log]
            lines += [f"txn: rcpts={t.rcpts} message_id={t.header('Message-ID')} reply={t.reply!r}" for t in self.transactions]
        return "\n".join(lines)

    def _serve(self, conn: socket.socket, number: int = 0) -> None:
        conn.settimeout(60)
        reader = conn.makefile("rb")
        tls_active = False
        authenticated = False
        def send(line: str) -> None:
            conn.sendall(line.encode() + b"\r\n")
        try:
            send(self.greeting or f"220 {self.hostname} ESMTP fake")
            txn: Optional[Txn] = None
            while True:
                raw = reader.readline(4096)
                if not raw:
                    return
                line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
                with self.lock:
                    self.commands.append(line)
                    self.conn_log.append((number, line))
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "LHLO"):
                    send(f"250-{self.hostname}")
                    exts = ("PIPELINING", "SIZE 104857600", "8BITMIME", "SMTPUTF8", "DSN") + self.extra_ehlo
                    if self.tls_context and not tls_active:
                        exts += ("STARTTLS",)
                    if self.auth is not None and (tls_active or not self.tls_context):
                        exts += ("AUTH PLAIN LOGIN",)
                    for ext in exts:
                        send(f"250-{ext}")
                    send("250 ENHANCEDSTATUSCODES")
                elif verb == "HELO":
                    send(f"250 {self.hostname}")
                elif verb == "STARTTLS" and self.tls_context and not tls_active:
                    send("220 2.0.0 Ready to start TLS")
                    conn = self.tls_context.wrap_socket(conn, server_side=True)
                    reader = conn.makefile("rb")
                    tls_active = True
                    with self.lock:
                        self.tls_sessions += 1
                elif verb == "AUTH" and self.auth is not None:
                    user = self._authenticate(line, reader, send)
                    if user is None:
                        send("535 5.7.8 Error: authentication failed")
                    else:
                        authenticated = True
                        with self.lock:
                            self.auth_users.append(user)
                        send("235 2.7.0 Authentication successful")
                elif verb == "MAIL" and self.auth is not None and not authenticated:
                    send("530 5.7.0 Authentication required")
                elif verb == "MAIL":
                    args = line[len("MAIL FROM:"):]
                    reply = self.on_mail(args) if self.on_mail else None
                    if reply and not reply.startswith("2"):
                        send(reply)
                    else:
                        txn = Txn(mail_args=args.strip())
                        send(reply or "250 2.1.0 Ok")
                elif verb == "RCPT":
                    if txn is None:
                        send("503 5.5.1 need MAIL")
                        continue
                    args = line[len("RCPT TO:"):].strip()
                    addr = _addr(args)
                    reply = self.on_rcpt(addr, txn) if self.on_rcpt else None
                    if reply and not reply.startswith("2"):
                        send(reply)
                    else:
                        txn.rcpts.append(addr)
                        txn.rcpt_args.append(args)
                        send(reply or "250 2.1.5 Ok")
                elif verb == "DATA":
                    if txn is None or not txn.rcpts:
                        send("503 5.5.1 need RCPT")
                        continue
                    send("354 End data with <CR><LF>.<CR><LF>")
                    if not self._read_body(reader, txn):
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                    reply = (self.on_data_end(txn) if self.on_data_end else None) or "250 2.0.0 Ok: queued"
                    txn.reply = reply
                    with self.lock:
                        self.transactions.append(txn)
                    txn = None
                    send(reply)
                    if self.close_after_data:       # an upstream with a very short idle timeout
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                elif verb == "RSET":
                    txn = None
                    send("250 2.0.0 Ok")
                elif verb in ("NOOP", "XFORWARD"):
                    send("250 2.0.0 Ok")
                elif verb == "QUIT":
                    send("221 2.0.0 Bye")
                    return
                else:
                    send("502 5.5.2 Error: command not recognized")
        except (OSError, ValueError):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _authenticate(self, line: str, reader, send) -> Optional[str]:
        """AUTH PLAIN (initial response or 334 round) and AUTH LOGIN; the user or None."""
        words = line.split()
        mech = words[1].upper() if len(words) > 1 else ""
        def ask(prompt: str) -> str:
            send("334 " + prompt)
            return reader.readline(4096).rstrip(b"\r\n").decode()
        try:
            if mech == "PLAIN":
                token = words[2] if len(words) > 2 else ask("")
                _, user, password = base64.b64decode(token).decode().split("\0")
            elif mech == "LOGIN":
                user = base64.b64decode(ask(base64.b64encode(b"Username:").decode())).decode()
                password = base64.b64decode(ask(base64.b64encode(b"Password:").decode())).decode()
            else:
                return None
        except (ValueError, UnicodeDecodeError):
            return None
        return user if self.auth.get(user) == password else None

    def _read_body(self, reader, txn: Txn) -> bool:
        """Reads up to CRLF.CRLF, unstuffing; False when told to disconnect mid-DATA."""
        parts = []
        size = 0
        while True:
            raw = reader.readline(1 << 20)
            if not raw:
                raise OSError("client closed during DATA")
            if raw == b".\r\n":
                txn.body = b"".join(parts)
                return True
            if raw.startswith(b"."):
                raw = raw[1:]
            parts.append(raw)
            size += len(raw)
            if self.disconnect_after is not None and size >= self.disconnect_after:
                return False
            if self.hangup_in_data is not None and size > 200:
                txn.body = b"".join(parts)
                if self.hangup_in_data(txn):
                    return False
