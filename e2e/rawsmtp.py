"""A raw SMTP/LMTP client over a plain socket, for tests that need exact bytes on the wire
(smuggling, overlong lines, disconnects, pipelining, binding a source address).

Contract:
- Every read has a deadline (`timeout`, default 30 s); a peer that says nothing gives TimeoutError,
  a peer that closes gives ConnectionClosed. Nothing here blocks forever.
- `Reply` holds the code, the enhanced status code (when the first line has one) and the text lines.
- `send_raw()` writes bytes exactly as given: no dot-stuffing, no line-end conversion.
- `starttls()` wraps the socket with a context that does not verify (the test certificates are
  self-signed); `auth_plain()`/`auth_login()` speak RFC 4616 / the LOGIN draft.
"""
from __future__ import annotations

import base64
import re
import socket
import ssl
import time
from dataclasses import dataclass

ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")


class ConnectionClosed(Exception):
    pass


@dataclass
class Reply:
    code: int
    lines: list[str]

    @property
    def enhanced(self) -> str | None:
        m = ENHANCED.match(self.lines[0]) if self.lines else None
        return m.group(0) if m else None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def __str__(self) -> str:
        return " | ".join(f"{self.code} {l}" for l in self.lines)


class RawSMTP:
    def __init__(self, host: str, port: int, source: str | None = None, timeout: float = 30,
                 read_greeting: bool = True):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.buf = b""
        self.greeting = self.read_reply() if read_greeting else None

    # ------------------------------------------------------------------------------ reading --
    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete reply before the deadline")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout as e:
            raise TimeoutError("no complete reply before the deadline") from e
        except (ConnectionResetError, ssl.SSLError) as e:
            raise ConnectionClosed(str(e)) from e
        if not data:
            raise ConnectionClosed(f"peer closed the connection; unread bytes {self.buf!r}")
        self.buf += data

    def read_line(self, timeout: float | None = None) -> bytes:
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while b"\r\n" not in self.buf:
            self._fill(deadline)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_reply(self, timeout: float | None = None) -> Reply:
        code = None
        lines: list[str] = []
        while True:
            line = self.read_line(timeout).decode("utf-8", "replace")
            if len(line) < 3 or not line[:3].isdigit():
                raise AssertionError(f"malformed reply line {line!r}")
            if code is None:
                code = int(line[:3])
            lines.append(line[4:])
            if len(line) == 3 or line[3] == " ":
                return Reply(code, lines)

    def pending(self, wait: float = 0.5) -> bytes:
        """Bytes the server sent that nobody asked for, within `wait` seconds (b"" when none)."""
        try:
            self._fill(time.monotonic() + wait)
        except (TimeoutError, ConnectionClosed):
            pass
        out, self.buf = self.buf, b""
        return out

    def is_closed(self, wait: float = 2.0) -> bool:
        """True when the server closes the connection within `wait` seconds."""
        deadline = time.monotonic() + wait
        try:
            while True:
                self._fill(deadline)
        except ConnectionClosed:
            return True
        except TimeoutError:
            return False

    # ------------------------------------------------------------------------------ writing --
    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def cmd(self, line: str | bytes, timeout: float | None = None) -> Reply:
        if isinstance(line, str):
            line = line.encode()
        self.send_raw(line + b"\r\n")
        return self.read_reply(timeout)

    def ehlo(self, name: str = "client.example.test") -> Reply:
        reply = self.cmd(f"EHLO {name}")
        self.extensions = [l.split(" ", 1)[0].upper() for l in reply.lines[1:]]
        self.ehlo_lines = reply.lines[1:]
        return reply

    def lhlo(self, name: str = "client.example.test") -> Reply:
        reply = self.cmd(f"LHLO {name}")
        self.extensions = [l.split(" ", 1)[0].upper() for l in reply.lines[1:]]
        self.ehlo_lines = reply.lines[1:]
        return reply

    def starttls(self, client_cert: tuple[str, str] | None = None) -> Reply:
        reply = self.cmd("STARTTLS")
        if reply.code == 220:
            self.wrap_tls(client_cert)
        return reply

    def wrap_tls(self, client_cert: tuple[str, str] | None = None) -> None:
        """TLS handshake on the current socket (after a 220 to STARTTLS); unread plaintext is
        dropped. `client_cert` = (cert file, key file) presents a client certificate."""
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if client_cert:
            ctx.load_cert_chain(*client_cert)
        self.sock.settimeout(self.timeout)
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""

    def auth_plain(self, user: str, password: str) -> Reply:
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return self.cmd(f"AUTH PLAIN {token}")

    def auth_login(self, user: str, password: str) -> Reply:
        r = self.cmd("AUTH LOGIN")
        if r.code != 334:
            return r
        r = self.cmd(base64.b64encode(user.encode()))
        if r.code != 334:
            return r
        return self.cmd(base64.b64encode(password.encode()))

    def data(self, stuffed_body_with_terminator: bytes, replies: int = 1) -> list[Reply]:
        """DATA, then the given bytes verbatim (they must already end with CRLF.CRLF), then
        `replies` replies (one per accepted recipient under LMTP)."""
        r = self.cmd("DATA")
        if r.code != 354:
            return [r]
        self.send_raw(stuffed_body_with_terminator)
        return [self.read_reply() for _ in range(replies)]

    def quit(self) -> None:
        try:
            self.cmd("QUIT", timeout=5)
        except (TimeoutError, ConnectionClosed, OSError):
            pass
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def dot_stuff(message: bytes) -> bytes:
    """CRLF message -> DATA payload ending in CRLF.CRLF (lines starting with '.' doubled)."""
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    lines = message.split(b"\r\n")[:-1]
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines) + b".\r\n"
