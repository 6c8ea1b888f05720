"""Real peers for the end-to-end suite: ports, directories, smtp-sink and its dump files, TLS and
credential material.

Contract:
- `free_port()` returns a TCP port on 127.0.0.1 that nothing listened on at the time of the call.
- `make_dir()` creates a directory whose every component up from the temp root is mode 755
  (Postfix's master refuses to work under a 700 parent); `mode` sets the leaf's own mode.
- `require_binary()` fails the test (never skips) with the install command when a peer is missing.
- `SmtpSink` runs `/usr/sbin/smtp-sink -u nobody -d DIR/%H%M%S.` on a free port; `messages()` parses
  every dump into a `SinkMessage` (client protocol, HELO, MAIL args, RCPT args, headers and body as
  received). Dumps are written by user nobody, so the dump directory is mode 1777.
- Every wait has a deadline and a clear failure message; nothing here hangs a test.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SMTP_SINK = "/usr/sbin/smtp-sink"
INSTALL_HINT = "apt-get update && apt-get install -y postfix swaks openssl"


def require_binary(path_or_name: str) -> str:
    """The absolute path of a peer binary, or a test failure naming how to install it."""
    found = path_or_name if os.path.isabs(path_or_name) and os.access(path_or_name, os.X_OK) \
        else shutil.which(path_or_name)
    if not found:
        import pytest
        pytest.fail(f"peer binary {path_or_name!r} is missing: run `{INSTALL_HINT}`", pytrace=False)
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (bind to 0 and read it back)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def make_dir(path: Path, mode: int = 0o755) -> Path:
    """mkdir -p with every created component mode 755 and the leaf `mode` (chmod ignores umask)."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir()
        os.chmod(d, 0o755)
    os.chmod(path, mode)
    return path


def wait_for_port(host: str, port: int, timeout: float, alive=lambda: True) -> None:
    """Returns once host:port accepts a TCP connection; raises TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"process died before {host}:{port} accepted connections")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{host}:{port} did not accept connections within {timeout} s")


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    """Polls `predicate()` until it returns a truthy value; raises AssertionError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def run(argv: list[str], timeout: float = 60, check: bool = True, **kw) -> subprocess.CompletedProcess:
    """subprocess.run with a deadline and captured output; a failure shows the command's output."""
    cp = subprocess.run(argv, capture_output=True, timeout=timeout, **kw)
    if check and cp.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {cp.returncode}\n"
                             f"stdout: {cp.stdout!r}\nstderr: {cp.stderr!r}")
    return cp


# ---------------------------------------------------------------------------------------- sink --

@dataclass
class SinkMessage:
    """One smtp-sink dump: envelope lines it generated and the message as it received it.
    smtp-sink writes lines with LF ends and one empty line after the message."""
    path: Path
    client_addr: str = ""
    proto: str = ""
    helo: str = ""
    mail_args: str = ""
    rcpt_args: list[str] = field(default_factory=list)
    message: bytes = b""           # header and body as received, LF line ends, sink trailer removed

    @property
    def mail_from(self) -> str:
        return _path_of(self.mail_args)

    @property
    def recipients(self) -> list[str]:
        return [_path_of(a) for a in self.rcpt_args]

    def header_lines(self) -> list[bytes]:
        """Unfolded header fields of the received message, in order."""
        head = self.message.split(b"\n\n", 1)[0]
        out: list[bytes] = []
        for line in head.split(b"\n"):
            if line[:1] in (b" ", b"\t") and out:
                out[-1] += b"\n" + line
            elif line:
                out.append(line)
        return out

    def header(self, name: str) -> list[str]:
        prefix = name.lower().encode() + b":"
        return [h[len(prefix):].strip().decode("utf-8", "replace")
                for h in self.header_lines() if h.lower().startswith(prefix)]


def _path_of(args: str) -> str:
    args = args.strip()
    if args.startswith("<") and ">" in args:
        return args[1:args.index(">")]
    return args.split(" ", 1)[0]


def parse_sink_dump(path: Path) -> SinkMessage:
    data = path.read_bytes()
    msg = SinkMessage(path=path)
    lines = data.split(b"\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        key, _, value = line.partition(b": ")
        v = value.decode("utf-8", "replace")
        if key == b"X-Client-Addr":
            msg.client_addr = v
        elif key == b"X-Client-Proto":
            msg.proto = v
        elif key == b"X-Helo-Args":
            msg.helo = v
        elif key == b"X-Mail-Args":
            msg.mail_args = v
        elif key == b"X-Rcpt-Args":
            msg.rcpt_args.append(v)
        elif key == b"Received":
            i += 3          # smtp-sink's own three-line Received header ends its headers
            break
        else:
            raise AssertionError(f"unexpected smtp-sink dump line {line!r} in {path}")
        i += 1
    body = b"\n".join(lines[i:])
    # smtp-sink appends one empty line after the message, and the file ends with a newline.
    if body.endswith(b"\n\n"):
        body = body[:-1]
    msg.message = body
    return msg


class SmtpSink:
    """A running smtp-sink that dumps every transaction. `extra` are smtp-sink options such as
    ["-f", "RCPT"], ["-r", "MAIL"], ["-W", "DATA:10"], ["-L"] (LMTP)."""

    def __init__(self, root: Path, extra: list[str] | None = None, port: int | None = None):
        self.binary = require_binary(SMTP_SINK)
        self.root = make_dir(root, 0o755)
        self.dump_dir = make_dir(self.root / "dumps", 0o1777)
        self.port = port or free_port()
        self.extra = list(extra or [])
        self.log_path = self.root / "smtp-sink.log"
        self.proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "SmtpSink":
        argv = [self.binary, "-u", "nobody", "-d", f"{self.dump_dir}/%H%M%S.", *self.extra,
                f"127.0.0.1:{self.port}", "100"]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)
        wait_for_port("127.0.0.1", self.port, 10, alive=lambda: self.proc.poll() is None)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc:
            self._log.close()
        self.proc = None

    def dump_files(self) -> list[Path]:
        return sorted(p for p in self.dump_dir.iterdir() if p.is_file())

    def messages(self) -> list[SinkMessage]:
        return [parse_sink_dump(p) for p in self.dump_files()]

    def wait_messages(self, count: int, timeout: float = 15) -> list[SinkMessage]:
        """Waits until at least `count` complete dumps exist (a dump is complete once it ends with
        the sink's trailing empty line), then returns them all."""
        def ready():
            files = self.dump_files()
            if len(files) < count:
                return None
            if not all(p.read_bytes().endswith(b"\n\n") for p in files):
                return None
            return files
        wait_until(ready, timeout, f"{count} message(s) in smtp-sink at {self.dump_dir}")
        return self.messages()

    def assert_empty(self, settle: float = 1.0) -> None:
        """Nothing reached the sink, after giving in-flight writes `settle` seconds."""
        time.sleep(settle)
        # smtp-sink creates an empty dump at MAIL and removes it when the transaction is aborted;
        # an empty file is a transaction still open, not a message.
        files = [p for p in self.dump_files() if p.stat().st_size > 0]
        assert not files, f"smtp-sink received {len(files)} message(s) but should have none: " \
                          f"{[p.read_bytes()[:300] for p in files]}"


# ------------------------------------------------------------------------- TLS and credentials --

def make_self_signed_cert(directory: Path, cn: str = "localhost") -> tuple[Path, Path]:
    """A fresh RSA-2048 self-signed certificate and key, made with openssl req -x509."""
    openssl = require_binary("openssl")
    cert, key = Path(directory) / "cert.pem", Path(directory) / "key.pem"
    run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
         "-addext", f"subjectAltName=DNS:{cn},IP:127.0.0.1", "-days", "2",
         "-keyout", str(key), "-out", str(cert)])
    os.chmod(key, 0o600)
    return cert, key


def make_credentials_file(path: Path, users: dict[str, str]) -> Path:
    """`user:$6$...` lines, each hash made by `openssl passwd -6`."""
    openssl = require_binary("openssl")
    lines = []
    for user, password in users.items():
        h = run([openssl, "passwd", "-6", password]).stdout.decode().strip()
        assert h.startswith("$6$"), h
        lines.append(f"{user}:{h}\n")
    Path(path).write_text("".join(lines))
    os.chmod(path, 0o600)
    return Path(path)
