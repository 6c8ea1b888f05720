#!/usr/bin/env python3
"""bench/relaybench.py: the relay benchmarks of bench/run, and the soak of bench/soak.

Contract: every measurement runs real peers on free loopback ports (Postfix's smtp-sink as the
upstream, smtp-source or a timed raw-socket client as the sender, `pixelgate serve` with a fresh
SQLite state dir in a temp dir) and cleans up after itself. Direct and through-pixelgate runs are
measured in the same invocation, back to back, so their ratio is meaningful on a noisy machine.
Each subcommand prints human lines on stderr and ONE JSON object (the result rows) on stdout:
  throughput BIN EML    smtp-source -s 20 -m N -F EML: direct, via pixelgate (no consent), via (consent),
                        via the pass-through planner (relay layer alone), and via Postfix's smtpd as a
                        before-queue proxy (postfix_proxy: the non-queueing C hop, a reference;
                        bench/postfixhop.py); 3 alternating rounds each (BENCH_ROUNDS), medians, CPU per
                        message and the budget at 0.6; BENCH_MODES (comma-separated: no_consent,
                        consent, relay_only, postfix_proxy) runs only those
  latency BIN EML       sequential sessions, 50 KB newsletter built from EML (QP lines within 76
                        octets; also the rounds 1-3 message with ~85-octet lines): median/p99
  memory BIN EML        100 concurrent sessions x 10 MB (1 MB HTML + 9 MB base64): pixelgate VmHWM
  soak BIN EML MINUTES  steady load at a given rate; RSS and fd count every minute, flat or not
Nothing here is a timed test: these are measurements, the goals are judged by bench/run's table.
"""
from __future__ import annotations

import base64
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FROM = "bench@meridiancoop.org"
RCPT = "samir.laurent@example.org"
PURPOSES = ["open_measurement", "frequency_adaptation"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_greeting(port: int, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(512).startswith(b"220"):
                    s.sendall(b"QUIT\r\n")
                    s.recv(512)
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"nothing answered 220 on port {port}")


class Sink:
    """Postfix's smtp-sink: accepts everything, keeps nothing."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(["smtp-sink", "-u", "nobody", f"127.0.0.1:{self.port}", "1024"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_greeting(self.port)

    def cpu_seconds(self) -> float:
        return cpu_seconds_of(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class Relay:
    """`pixelgate serve` in front of `upstream_port`, state (SQLite store) in a temp dir."""

    def __init__(self, binary: str, root: Path, upstream_port: int, consent: bool, extra_config: str = "",
                 env: dict | None = None) -> None:
        self.root = root
        self.state = root / "state"
        self.state.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o755)
        self.port = free_port()
        self.config = root / "pixelgate.toml"
        self.config.write_text("[server]\nmax_connections = 256\n" + extra_config)
        if consent:
            subprocess.run([binary, "consent", "grant", "--config", str(self.config), "--state-dir", str(self.state),
                            RCPT, *PURPOSES], check=True, stdout=subprocess.DEVNULL)
        self.stderr = open(root / "stderr.log", "wb")
        self.http_port = free_port()
        self.proc = subprocess.Popen([binary, "serve", "--config", str(self.config),
                                      "--listen", f"127.0.0.1:{self.port}", "--http", f"127.0.0.1:{self.http_port}",
                                      "--upstream", f"127.0.0.1:{upstream_port}", "--state-dir", str(self.state)],
                                     stdout=subprocess.DEVNULL, stderr=self.stderr,
                                     env={**os.environ, **(env or {})})
        wait_greeting(self.port)

    def status(self, key: str) -> int:
        """A /proc/PID/status value in kB (VmHWM, VmRSS)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise KeyError(key)

    def cpu_seconds(self) -> float:
        return cpu_seconds_of(self.proc.pid)

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def delivered(self) -> int:
        """Messages relayed with upstream's 250 (the `relayed` log lines with status=sent)."""
        return self.count_events("relayed", "status", "sent")

    def count_events(self, event: str, key: str = "", value: str = "") -> int:
        n = 0
        with open(self.root / "stderr.log", "rb") as f:
            for line in f:
                if line.startswith(f"event={event} ".encode()) and (not key or f" {key}={value}".encode() in line):
                    n += 1
        return n

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


def cpu_seconds_of(pid: int) -> float:
    """user + system CPU time of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of this script's waited-for children (smtp-source runs)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def smtp_source(port: int, eml: Path, sessions: int, count: int) -> float:
    """Runs smtp-source; returns msg/s over the wall-clock time."""
    t0 = time.monotonic()
    subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(count), "-F", str(eml), "-f", FROM, "-t", RCPT,
                    f"127.0.0.1:{port}"], check=True, stdout=subprocess.DEVNULL)
    return count / (time.monotonic() - t0)


# ---------- messages ----------

def crlf(text: bytes) -> bytes:
    return text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def for_smtp_source(msg: bytes, path: Path) -> Path:
    """smtp-source -F sends each line of the file followed by CRLF, so a CRLF file would arrive
    with bare CRs: write an LF copy (in a temp dir) for it."""
    path.write_bytes(msg.replace(b"\r\n", b"\n"))
    return path


def padded_newsletter(eml: Path, target: int, max_line: int | None = None) -> bytes:
    """`eml` with paragraphs added before </body> of its HTML until it is about `target` bytes.
    With `max_line`, each added line is cut to at most that many octets (words dropped), so that a
    quoted-printable part stays conformant (76); without, some lines run to ~85 octets."""
    msg = crlf(eml.read_bytes())
    at = msg.rfind(b"</body>")
    if at < 0:
        raise SystemExit(f"{eml}: no </body> to pad before")
    words = ("members asparagus meeting agenda motions produce opening hours farm week local shop news "
             "secretary exchange annual general").split()
    rnd = random.Random(7)
    paras = []
    size = len(msg)
    while size < target:
        ws = [rnd.choice(words) for _ in range(9)]
        while max_line is not None and len(" ".join(ws)) + 7 > max_line:
            ws.pop()
        p = b"<p>" + " ".join(ws).encode() + b"</p>\r\n"
        paras.append(p)
        size += len(p)
    return msg[:at] + b"".join(paras) + msg[at:]


def big_message(html_bytes: int, attachment_bytes: int) -> bytes:
    """A newsletter with a 1x1 tracker, `html_bytes` of HTML and a base64 attachment of about
    `attachment_bytes` (encoded)."""
    rnd = random.Random(11)
    para = b"<p>Local asparagus is in, from Hollins Farm, eight miles away; members get 10% off.</p>\r\n"
    html = [b"<!doctype html>\r\n<html><body>\r\n",
            b'<img src="https://news.meridiancoop.org/open/8f2a9c/px.gif" width="1" height="1" alt="">\r\n']
    n = sum(map(len, html))
    while n < html_bytes:
        html.append(para)
        n += len(para)
    html.append(b"</body></html>\r\n")
    raw = rnd.randbytes(attachment_bytes * 3 // 4)
    b64 = base64.encodebytes(raw).replace(b"\n", b"\r\n")
    head = (f"From: Meridian <{FROM}>\r\nTo: <{RCPT}>\r\nSubject: big newsletter\r\n"
            "Message-ID: <big-1@meridiancoop.org>\r\nDate: Thu, 23 Apr 2026 07:30:19 +0100\r\n"
            "Tracking-Purposes: open_measurement\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n").encode()
    return (head + b"--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + b"".join(html) + b"--b1\r\nContent-Type: application/pdf; name=report.pdf\r\n"
            b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=report.pdf\r\n\r\n"
            + b64 + b"--b1--\r\n")


# ---------- a timed sequential client ----------

class Client:
    def __init__(self, port: int) -> None:
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def reply(self) -> int:
        while True:
            while b"\r\n" in self.buf:
                line, self.buf = self.buf.split(b"\r\n", 1)
                if len(line) < 4 or line[3:4] != b"-":
                    return int(line[:3])
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk

    def cmd(self, line: bytes, want: int) -> None:
        self.s.sendall(line + b"\r\n")
        code = self.reply()
        if code != want:
            raise RuntimeError(f"{line!r}: got {code}, wanted {want}")


def one_message(port: int, body: bytes) -> float:
    """One whole session like Postfix's: connect to the 250 after DATA; seconds."""
    t0 = time.perf_counter()
    c = Client(port)
    if c.reply() != 220:
        raise RuntimeError("no greeting")
    c.cmd(b"EHLO bench.example", 250)
    c.cmd(f"MAIL FROM:<{FROM}>".encode(), 250)
    c.cmd(f"RCPT TO:<{RCPT}>".encode(), 250)
    c.cmd(b"DATA", 354)
    c.s.sendall(body)
    if c.reply() != 250:
        raise RuntimeError("message refused")
    t = time.perf_counter() - t0
    c.s.sendall(b"QUIT\r\n")
    c.s.close()
    return t


def dot_stuff(msg: bytes) -> bytes:
    lines = msg.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines) + b".\r\n"


def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


# ---------- subcommands ----------

def postfix_hop(binary: str, root: Path, upstream_port: int):
    from postfixhop import PostfixProxyHop
    return PostfixProxyHop(root, upstream_port)


# The throughput modes: row key -> the hop under test, started in front of the sink (`port`,
# `cpu_seconds()`, `delivered()`, `stop()`). `relay_only` runs the relay with its pass-through planner
# (PIXELGATE_TEST_VARIANTS=pass-through: no engine, no consent lookup, no delivery records), so the
# table shows what the relay layer alone costs. `postfix_proxy` is no pixelgate at all: Postfix's smtpd
# as a before-queue proxy (bench/postfixhop.py), the non-queueing C hop, for reference.
THROUGHPUT_MODES = [
    ("no_consent", lambda b, root, up: Relay(b, root, up, consent=False)),
    ("consent", lambda b, root, up: Relay(b, root, up, consent=True)),
    ("relay_only", lambda b, root, up: Relay(b, root, up, consent=False, env={"PIXELGATE_TEST_VARIANTS": "pass-through"})),
    ("postfix_proxy", postfix_hop),
]


def cmd_throughput(binary: str, eml: Path, count: int, sessions: int, rounds: int = 3,
                   modes: list[str] | None = None) -> dict:
    """`modes`: names from THROUGHPUT_MODES to run (all by default)."""
    unknown = set(modes or []) - {m[0] for m in THROUGHPUT_MODES}
    if unknown:
        raise SystemExit(f"BENCH_MODES: unknown mode(s) {sorted(unknown)}; known: {[m[0] for m in THROUGHPUT_MODES]}")
    tmp = Path(tempfile.mkdtemp(prefix="pixelgate-bench-"))
    eml = for_smtp_source(eml.read_bytes(), tmp / "newsletter.eml")
    sink = Sink()
    rows = {}
    try:
        smtp_source(sink.port, eml, sessions, min(500, count))  # warm-up
        for name, start in THROUGHPUT_MODES:
            if modes and name not in modes:
                continue
            relay = start(binary, tmp / name, sink.port)
            try:
                smtp_source(relay.port, eml, sessions, min(500, count))  # warm-up (caches, pool)
                # Alternate direct and through-pixelgate runs; the median of each damps the noise
                # of a machine shared with other jobs.
                directs, vias, cpus, budgets = [], [], [], []
                for _ in range(rounds):
                    directs.append(smtp_source(sink.port, eml, sessions, count))
                    c0, k0, s0, t0 = relay.cpu_seconds(), sink.cpu_seconds(), children_cpu_seconds(), time.monotonic()
                    vias.append(smtp_source(relay.port, eml, sessions, count))
                    relay_s, sink_s = relay.cpu_seconds() - c0, sink.cpu_seconds() - k0
                    source_s, wall = children_cpu_seconds() - s0, time.monotonic() - t0
                    cpus.append(relay_s / count * 1e6)
                    # What pixelgate may spend per message for 0.6 of this round's direct rate, given
                    # the cores the three processes used together and what smtp-source and
                    # smtp-sink spent per relayed message.
                    cores = (relay_s + sink_s + source_s) / wall
                    budgets.append({"budget_us": cores / (0.6 * directs[-1]) * 1e6 - (sink_s + source_s) / count * 1e6,
                                    "cores": cores, "sink_us": sink_s / count * 1e6, "source_us": source_s / count * 1e6})
                direct, via = statistics.median(directs), statistics.median(vias)
                kept = relay.delivered()
            finally:
                relay.stop()
            rows[name] = {"direct": direct, "via": via, "ratio": via / direct, "relayed_sent": kept,
                          "cpu_us_per_msg": statistics.median(cpus), "direct_runs": directs, "via_runs": vias,
                          **{k: statistics.median(b[k] for b in budgets) for k in budgets[0]}}
            log(f"throughput {name}: direct {direct:.0f} msg/s, via the hop {via:.0f} msg/s, ratio {via / direct:.2f}, "
                f"{statistics.median(cpus):.0f} us CPU/msg (medians of {rounds}: direct {[round(x) for x in directs]}, "
                f"via {[round(x) for x in vias]})")
    finally:
        sink.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def cmd_latency(binary: str, eml: Path, count: int) -> dict:
    """The goal row uses a 50 KB newsletter whose quoted-printable lines stay within RFC 2045's 76
    octets, as every real encoder writes them; `long_lines` is the message of rounds 1-3, whose
    padding put ~85-octet lines into the QP part (measured in the same loop, for comparison)."""
    tmp = Path(tempfile.mkdtemp(prefix="pixelgate-bench-"))
    sink = Sink()
    msgs = {"qp76": padded_newsletter(eml, 50 * 1024, max_line=76), "long_lines": padded_newsletter(eml, 50 * 1024)}
    bodies = {k: dot_stuff(m) for k, m in msgs.items()}
    relay = Relay(binary, tmp / "relay", sink.port, consent=True)
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in bodies}
    try:
        for _ in range(50):  # warm-up both paths
            for body in bodies.values():
                one_message(sink.port, body)
                one_message(relay.port, body)
        for _ in range(count):  # interleaved, so machine noise hits both alike
            for k, body in bodies.items():
                times[k][0].append(one_message(sink.port, body))
                times[k][1].append(one_message(relay.port, body))
    finally:
        relay.stop()
        sink.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    ms = lambda x: x * 1000

    def summary(k: str) -> dict:
        direct, via = times[k]
        r = {"size": len(msgs[k]), "count": count,
             "direct_median_ms": ms(statistics.median(direct)), "direct_p99_ms": ms(percentile(direct, 99)),
             "via_median_ms": ms(statistics.median(via)), "via_p99_ms": ms(percentile(via, 99))}
        r["added_median_ms"] = r["via_median_ms"] - r["direct_median_ms"]
        r["added_p99_ms"] = r["via_p99_ms"] - r["direct_p99_ms"]
        # The same figure per block of 100 consecutive pairs: how far the machine's noise moves it.
        blocks = [(statistics.median(via[i:i + 100]) - statistics.median(direct[i:i + 100])) * 1000
                  for i in range(0, len(via) - 99, 100)]
        r["added_median_blocks_ms"] = blocks
        log(f"latency {k} {r['size']} B x {count}: direct median {r['direct_median_ms']:.3f} ms p99 {r['direct_p99_ms']:.3f} ms; "
            f"via median {r['via_median_ms']:.3f} ms p99 {r['via_p99_ms']:.3f} ms; added median {r['added_median_ms']:.3f} ms "
            f"(blocks of 100: {', '.join(f'{b:+.3f}' for b in blocks)})")
        return r

    row = summary("qp76")
    row["long_lines"] = summary("long_lines")
    return row


def cmd_memory(binary: str, sessions: int, html_mb: float, attach_mb: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="pixelgate-bench-"))
    os.chmod(tmp, 0o755)
    big = tmp / "big.eml"
    for_smtp_source(big_message(int(html_mb * 1024 * 1024), int(attach_mb * 1024 * 1024)), big)
    size = big.stat().st_size
    sink = Sink()
    relay = Relay(binary, tmp / "relay", sink.port, consent=False, extra_config="\n[limits]\nmax_message_size = \"50M\"\n")
    try:
        before = relay.status("VmHWM")
        t0 = time.monotonic()
        subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(sessions), "-F", str(big), "-f", FROM, "-t", RCPT,
                        f"127.0.0.1:{relay.port}"], check=True, stdout=subprocess.DEVNULL)
        secs = time.monotonic() - t0
        hwm = relay.status("VmHWM")
        sent = relay.count_events("relayed", "status", "sent")
    finally:
        relay.stop()
        sink.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    row = {"sessions": sessions, "message_bytes": size,
           "idle_hwm_mb": before / 1024, "peak_rss_mb": hwm / 1024, "seconds": secs, "relayed_sent": sent}
    log(f"memory: {sessions} sessions x {html_mb:g} MB HTML + {attach_mb:g} MB attachment: VmHWM {hwm / 1024:.0f} MB "
        f"(idle {before / 1024:.0f} MB), {sent} relayed in {secs:.1f} s")
    return row


def cmd_soak(binary: str, eml: Path, minutes: int, rate: float, sessions: int) -> dict:
    """Paced smtp-source batches at `rate` msg/s; RSS and fds sampled every minute."""
    tmp = Path(tempfile.mkdtemp(prefix="pixelgate-soak-"))
    eml = for_smtp_source(eml.read_bytes(), tmp / "newsletter.eml")
    sink = Sink()
    relay = Relay(binary, tmp / "relay", sink.port, consent=True)
    samples: list[tuple[int, int, int]] = []
    stop = threading.Event()
    sent = [0]

    def load() -> None:
        batch = max(1, int(rate))  # one batch per second
        while not stop.is_set():
            t0 = time.monotonic()
            subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(batch), "-F", str(eml), "-f", FROM,
                            "-t", RCPT, f"127.0.0.1:{relay.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            sent[0] += batch
            left = 1 - (time.monotonic() - t0)
            if left > 0:
                stop.wait(left)

    t = threading.Thread(target=load, daemon=True)
    t.start()
    try:
        for minute in range(1, minutes + 1):
            time.sleep(60)
            s = (minute, relay.status("VmRSS"), relay.fds())
            samples.append(s)
            print(f"minute {minute}: rss {s[1] / 1024:.1f} MB, fds {s[2]}, messages sent {sent[0]}", flush=True)
    finally:
        stop.set()
        t.join()
        relay.stop()
        sink.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    # Flat: after warm-up (minute 2 is the reference), every later minute's RSS is within 10% of it,
    # and the fd count within 10% or 8 descriptors (idle pooled upstream sessions come and go).
    ref = samples[1] if len(samples) > 1 else samples[0]
    later = samples[2:] if len(samples) > 2 else samples[-1:]
    rss_flat = all(abs(s[1] - ref[1]) <= 0.10 * ref[1] for s in later)
    fd_flat = all(abs(s[2] - ref[2]) <= max(8, 0.10 * ref[2]) for s in later)
    return {"minutes": minutes, "rate": rate, "messages": sent[0],
            "samples": [{"minute": m, "rss_mb": r / 1024, "fds": f} for m, r, f in samples],
            "rss_flat": rss_flat, "fd_flat": fd_flat}


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    what, binary = argv[0], argv[1]
    env = os.environ.get
    if what == "throughput":
        out = cmd_throughput(binary, Path(argv[2]), int(env("BENCH_COUNT", "5000")), int(env("BENCH_SESSIONS", "20")),
                             int(env("BENCH_ROUNDS", "3")), [m for m in env("BENCH_MODES", "").split(",") if m])
    elif what == "latency":
        out = cmd_latency(binary, Path(argv[2]), int(env("BENCH_LATENCY_COUNT", "500")))
    elif what == "memory":
        out = cmd_memory(binary, int(env("BENCH_MEMORY_SESSIONS", "100")), 1.0, 9.0)
    elif what == "soak":
        out = cmd_soak(binary, Path(argv[2]), int(argv[3]), float(env("SOAK_RATE", "400")), int(env("SOAK_SESSIONS", "10")))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
