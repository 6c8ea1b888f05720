"""Running swaks against pixelgate and reading its transcript.

Contract: `swaks_send()` runs swaks with a deadline and returns (exit code, transcript text); the
transcript is what a test shows when it fails. `server_lines()` picks the `<-` (server) lines,
`client_lines()` the `->` lines (`~>`/`<~` inside TLS count too).
"""
from __future__ import annotations

import subprocess

from peers import require_binary


def swaks_send(port: int, *args: str, timeout: float = 60) -> tuple[int, str]:
    swaks = require_binary("swaks")
    argv = [swaks, "--server", f"127.0.0.1:{port}", "--timeout", "30", *args]
    cp = subprocess.run(argv, capture_output=True, timeout=timeout)
    text = cp.stdout.decode("utf-8", "replace") + cp.stderr.decode("utf-8", "replace")
    return cp.returncode, f"$ {' '.join(argv)}\n{text}"


def server_lines(transcript: str) -> list[str]:
    return [l[4:] for l in transcript.splitlines() if l.startswith(("<-  ", "<~  ", "<** ", "<~* "))]


def client_lines(transcript: str) -> list[str]:
    return [l[4:] for l in transcript.splitlines() if l.startswith((" -> ", " ~> "))]
