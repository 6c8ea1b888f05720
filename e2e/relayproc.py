"""The pixelgate daemon under test, and its logfmt log.

Contract:
- `Pixelgate(...)` writes the TOML config it is given to DIR/pixelgate.toml, then `start()` runs
  `PIXELGATE_BIN serve --config C --listen 127.0.0.1:P [--lmtp 127.0.0.1:Q] --http 127.0.0.1:H [--upstream U]
  --state-dir D` (IPv6 listen hosts are bracketed; an empty U leaves the upstream to the config) with stderr (the logfmt lines) captured to DIR/stderr.log, and returns once every
  listener answers a greeting (the probe session says QUIT). A process that dies first fails the
  test with its stderr.
- `stop()` sends SIGTERM and asserts the process exits within 30 s (SIGKILL after, then fails).
- `events(name)` parses the log; `parse_logfmt()` handles bare and quoted values with escapes.
- The binary comes from $PIXELGATE_BIN, default <repo>/.build/debug/pixelgate; a missing binary
  fails with the build command.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

from peers import free_port, make_dir, wait_until

REPO = Path(__file__).resolve().parent.parent
STOP_DEADLINE = 30.0
START_DEADLINE = 60.0

LOGFMT_PAIR = re.compile(r'([^\s=]+)=("(?:[^"\\]|\\.)*"|[^\s]*)')
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def binary_path() -> Path:
    return Path(os.environ.get("PIXELGATE_BIN", REPO / ".build" / "debug" / "pixelgate"))


def parse_logfmt(line: str) -> dict[str, str]:
    """`event=relayed session=s1 reply="250 2.0.0 ok"` -> {"event": "relayed", ...}."""
    out: dict[str, str] = {}
    for key, value in LOGFMT_PAIR.findall(line):
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            body = value[1:-1]
            value = re.sub(r'\\x([0-9a-fA-F]{2})|\\(.)',
                           lambda m: chr(int(m.group(1), 16)) if m.group(1) else ESCAPES.get(m.group(2), m.group(2)),
                           body)
        out[key] = value
    return out


class Pixelgate:
    def __init__(self, root: Path, upstream: str, config_text: str | None = None,
                 lmtp: bool = False, args: list[str] | None = None, env: dict[str, str] | None = None,
                 listen_host: str = "127.0.0.1", state_dir: Path | None = None):
        self.binary = binary_path()
        if not (self.binary.is_file() and os.access(self.binary, os.X_OK)):
            import pytest
            pytest.fail(f"pixelgate binary {self.binary} is missing: run `swift build` in {REPO} "
                        f"or set PIXELGATE_BIN", pytrace=False)
        self.root = make_dir(Path(root), 0o755)
        self.state_dir = make_dir(Path(state_dir) if state_dir else self.root / "state", 0o755)
        self.config_path = self.root / "pixelgate.toml"
        self.stderr_path = self.root / "stderr.log"
        self.stdout_path = self.root / "stdout.log"
        self.listen_host = listen_host
        self.port = free_port(listen_host)
        self.lmtp_port = free_port(listen_host) if lmtp else None
        self.http_port = free_port()
        self.upstream = upstream
        self.extra_args = list(args or [])
        self.env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self.write_config(config_text or "")

    def write_config(self, text: str) -> None:
        self.config_path.write_text(text)

    def argv(self) -> list[str]:
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        # --http gets a free port too: once the web part is wired, parallel instances must not
        # collide on the default 127.0.0.1:8025.
        argv = [str(self.binary), "serve", "--config", str(self.config_path),
                "--listen", f"{host}:{self.port}", "--http", f"127.0.0.1:{self.http_port}",
                "--state-dir", str(self.state_dir)]
        if self.upstream:                 # "" leaves the upstream to the config's [upstream] hosts
            argv += ["--upstream", self.upstream]
        if self.lmtp_port:
            argv += ["--lmtp", f"{host}:{self.lmtp_port}"]
        return argv + self.extra_args

    # --------------------------------------------------------------------------- lifecycle --
    def start(self) -> "Pixelgate":
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        env.update(self.env)
        self._err = open(self.stderr_path, "ab")
        self._out = open(self.stdout_path, "ab")
        self.proc = subprocess.Popen(self.argv(), stdout=self._out, stderr=self._err, env=env)
        for port in [self.port] + ([self.lmtp_port] if self.lmtp_port else []):
            self._wait_greeting(port)
        return self

    def _wait_greeting(self, port: int) -> None:
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._fail_start(f"exited with {self.proc.returncode} before listening on {port}")
            try:
                with socket.create_connection((self.listen_host, port), timeout=5) as s:
                    s.settimeout(10)
                    greeting = s.recv(4096)
                    if greeting.startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        try:
                            s.recv(4096)
                        except OSError:
                            pass
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self._fail_start(f"did not greet on port {port} within {START_DEADLINE} s")

    def _fail_start(self, why: str) -> None:
        import pytest
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        pytest.fail(f"pixelgate {why}\nargv: {self.argv()}\nconfig:\n{self.config_path.read_text()}\n"
                    f"stderr:\n{self.stderr_text()[-4000:]}", pytrace=False)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        assert self.alive(), f"pixelgate is not running (exit {self.proc.returncode if self.proc else None})"
        self.proc.send_signal(sig)

    def stop(self, deadline: float = STOP_DEADLINE) -> int:
        """SIGTERM, then the exit code; fails when the process takes longer than `deadline`."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        try:
            code = self.proc.wait(deadline)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            self._close_files()
            raise AssertionError(f"pixelgate did not exit within {deadline} s of SIGTERM")
        self.exit_seconds = time.monotonic() - t0
        self._close_files()
        return code

    def _close_files(self) -> None:
        for f in (getattr(self, "_err", None), getattr(self, "_out", None)):
            if f:
                f.close()

    # --------------------------------------------------------------------------------- logs --
    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def log(self) -> list[dict[str, str]]:
        return [parse_logfmt(l) for l in self.stderr_text().splitlines() if l.startswith("event=")]

    def events(self, name: str, **match: str) -> list[dict[str, str]]:
        return [e for e in self.log() if e.get("event") == name
                and all(e.get(k) == v for k, v in match.items())]

    def wait_event(self, name: str, timeout: float = 10, **match: str) -> dict[str, str]:
        return wait_until(lambda: (self.events(name, **match) or [None])[-1], timeout,
                          f"log event={name} {match} in {self.stderr_path}")

