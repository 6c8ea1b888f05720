#!/usr/bin/env python3
"""bench/steps.py BIN[,BIN...] [PAIRS] [ROUNDS]: where a sequential session's added latency goes.

Times each step of one session (connect to 220, EHLO, MAIL, RCPT, DATA to 354, body to 250) straight
into smtp-sink and through `pixelgate serve` for each BIN (each with its own fresh SQLite state,
consent granted), interleaved message by message (the order of the binaries alternates), and prints
per round the direct median of each step and the median added by each binary. The message is the
50 KB newsletter of `bench/run latency` (QP lines within 76 octets), built from
$PIXELGATE_BENCH_EML (default: the corpus newsletter 021, as bench/run). PAIRS (300) sessions per binary
per round, ROUNDS (3) rounds. Compare binaries in one run: on a shared machine only same-run
differences mean anything.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relaybench as rb  # noqa: E402

NAMES = ["connect+220", "EHLO", "MAIL", "RCPT", "DATA354", "body250", "total"]


def steps(port: int, body: bytes) -> list[float]:
    """One session; the microseconds of each step, then their sum."""
    t = [time.perf_counter()]
    c = rb.Client(port)
    c.reply()
    t.append(time.perf_counter())
    c.cmd(b"EHLO bench.example", 250)
    t.append(time.perf_counter())
    c.cmd(f"MAIL FROM:<{rb.FROM}>".encode(), 250)
    t.append(time.perf_counter())
    c.cmd(f"RCPT TO:<{rb.RCPT}>".encode(), 250)
    t.append(time.perf_counter())
    c.cmd(b"DATA", 354)
    t.append(time.perf_counter())
    c.s.sendall(body)
    if c.reply() != 250:
        raise RuntimeError("message refused")
    t.append(time.perf_counter())
    c.s.sendall(b"QUIT\r\n")
    c.s.close()
    d = [(t[i + 1] - t[i]) * 1e6 for i in range(6)]
    return d + [sum(d)]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    bins = argv[0].split(",")
    pairs = int(argv[1]) if len(argv) > 1 else 300
    rounds = int(argv[2]) if len(argv) > 2 else 3
    corpus = Path(os.environ.get("PIXELGATE_CORPUS", Path(__file__).resolve().parents[2] / "shared/corpus"))
    eml = Path(os.environ.get("PIXELGATE_BENCH_EML", corpus / "021-listmonk-individual-declared-header.eml"))
    body = rb.dot_stuff(rb.padded_newsletter(eml, 50 * 1024, max_line=76))
    tmp = Path(tempfile.mkdtemp(prefix="pixelgate-steps-"))
    sink = rb.Sink()
    relays = [rb.Relay(b, tmp / f"r{i}", sink.port, consent=True) for i, b in enumerate(bins)]
    try:
        for _ in range(50):  # warm-up: caches, the upstream pool, SQLite pages
            steps(sink.port, body)
            for r in relays:
                steps(r.port, body)
        for rnd in range(rounds):
            direct: list[list[float]] = []
            via: list[list[list[float]]] = [[] for _ in relays]
            order = list(range(len(relays)))
            for k in range(pairs):
                direct.append(steps(sink.port, body))
                for i in (order if k % 2 == 0 else order[::-1]):
                    via[i].append(steps(relays[i].port, body))
            print(f"round {rnd}: added by " + ", ".join(Path(b).name for b in bins))
            for j, n in enumerate(NAMES):
                d = statistics.median(x[j] for x in direct)
                adds = "  ".join(f"{statistics.median(x[j] for x in v) - d:+6.0f}" for v in via)
                print(f"  {n:12s} direct {d:6.0f} us  {adds}")
    finally:
        for r in relays:
            r.stop()
        sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
