#!/usr/bin/env python3
"""bench/callgrind.py BIN [--messages N] [--size small|50k|50k-qp76] [--no-consent] [--top K] [--out FILE] [--gate N]

Instructions per message of `pixelgate serve`, counted by valgrind's callgrind: a repeatable figure
on a noisy shared machine, where wall-clock and CPU-time ratios move with the neighbours' load.

How: BIN is copied with its debug info stripped (`strip --strip-debug`; valgrind 3.19 cannot read
the DWARF 5 of Swift 6.3, and the symbol table is enough for per-function counts), `serve` runs
under callgrind in front of smtp-sink with a fresh SQLite state (consent granted unless
--no-consent), 20 warm-up sessions, then the counters are zeroed (`callgrind_control -z`), N
sequential sessions of one message each are sent (the corpus newsletter 021, as bench/run, or the
same padded to 50 KB; `50k-qp76` keeps the padding lines within QP's 76 octets, as a real
quoted-printable part would, where `50k` has lines of up to ~85), and the counters are dumped.
Prints the total instructions per message and the top functions by self cost. User-space instructions only (no kernel, no waiting); under
valgrind OpenSSL does not use SHA-NI, so SHA-256 weighs more than on the real CPU.
With --gate N it counts N keep-alive gate requests (GET /o/{token}, consenting recipient: 302) on
the same process instead, per request.
Needs valgrind (apt) and a release build.
"""
from __future__ import annotations

import argparse
import glob
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relaybench as rb  # noqa: E402


def gate_path(binary: str, relay: "rb.Relay", msg: bytes) -> str:
    """The path of a gate URL for the consenting recipient: `pixelgate filter` on the message."""
    out = subprocess.run([binary, "filter", "--recipient", rb.RCPT, "--config", str(relay.config),
                          "--state-dir", str(relay.state)], input=msg, capture_output=True, check=True).stdout
    text = out.replace(b"=\r\n", b"").replace(b"=3D", b"=").decode("utf-8", "replace")
    m = re.search(r"https?://[^/\s\"']+(/o/[A-Za-z0-9_\-]+)", text)
    if not m:
        raise SystemExit("callgrind.py: no gate URL in the filtered message")
    return m.group(1)


def gate_get(conn: "http.client.HTTPConnection", path: str) -> None:
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    if r.status != 302:
        raise SystemExit(f"callgrind.py: the gate answered {r.status}, not 302")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--size", choices=["small", "50k", "50k-qp76"], default="small")
    ap.add_argument("--no-consent", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", help="keep the callgrind dump here (for callgrind_annotate)")
    ap.add_argument("--gate", type=int, metavar="N",
                    help="count the gate instead: N keep-alive GET /o/{token} requests of a consenting recipient "
                         "(the token from `pixelgate filter` on the newsletter); figures per request")
    a = ap.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("callgrind.py: valgrind is not installed (apt-get install valgrind)")
    tmp = Path(tempfile.mkdtemp(prefix="pixelgate-callgrind-"))
    try:
        stripped = tmp / "pixelgate"
        subprocess.run(["strip", "--strip-debug", "-o", str(stripped), a.binary], check=True)
        wrap = tmp / "wrap.sh"
        wrap.write_text(f"""#!/bin/sh
if [ "$1" = serve ]; then exec valgrind --tool=callgrind --callgrind-out-file={tmp}/cg.%p {stripped} "$@"; fi
exec {stripped} "$@"
""")
        wrap.chmod(0o755)
        eml = Path(os.environ.get("PIXELGATE_BENCH_EML", Path(__file__).resolve().parents[1] / "../shared/corpus/021-listmonk-individual-declared-header.eml"))
        if a.size == "small":
            msg = rb.crlf(eml.read_bytes())
        else:  # 50k-qp76: the padding's lines kept within quoted-printable's 76 octets
            msg = rb.padded_newsletter(eml, 50 * 1024, max_line=76 if a.size == "50k-qp76" else None)
        body = rb.dot_stuff(msg)
        sink = rb.Sink()
        relay = rb.Relay(str(wrap), tmp / "relay", sink.port, consent=not a.no_consent)
        try:
            for _ in range(20):
                rb.one_message(relay.port, body)
            if a.gate:
                path = gate_path(str(stripped), relay, msg)
                conn = http.client.HTTPConnection("127.0.0.1", relay.http_port, timeout=60)
                for _ in range(50):
                    gate_get(conn, path)
            time.sleep(1)
            subprocess.run(["callgrind_control", "-z"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            if a.gate:
                for _ in range(a.gate):
                    gate_get(conn, path)
                conn.close()
                a.messages = a.gate  # the per-unit figures below are per request
            else:
                for _ in range(a.messages):
                    rb.one_message(relay.port, body)
            time.sleep(1)
            subprocess.run(["callgrind_control", "-d"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            time.sleep(2)
        finally:
            relay.stop()
            sink.stop()
        dumps = [f for f in glob.glob(str(tmp / "cg.*")) if re.search(r"\.\d+\.\d+$", f)]
        if not dumps:
            raise SystemExit("callgrind.py: no dump was written")
        dump = max(dumps, key=os.path.getmtime)
        if a.out:
            shutil.copy(dump, a.out)
        out = subprocess.run(["callgrind_annotate", "--threshold=100", dump], capture_output=True, text=True).stdout
        rows = []
        for line in out.splitlines():
            if line.strip().endswith("PROGRAM TOTALS"):
                rows.append((int(line.split()[0].replace(",", "")), "TOTALS"))
                continue
            m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+)(?:.*\[(.*)\])?", line)
            if m:
                fn = m.group(2).split(":", 1)[-1]
                if fn.startswith("0x") and m.group(3):          # no symbol: name the object
                    fn += f" ({os.path.basename(m.group(3))})"
                rows.append((int(m.group(1).replace(",", "")), fn))
        total = next((n for n, f in rows if f == "TOTALS"), None)
        if total is None:
            raise SystemExit("callgrind.py: no totals in the dump")
        size = len(msg)
        if a.gate:
            print(f"callgrind: {total / a.messages:,.0f} instructions per gate request ({a.messages} keep-alive GET /o/{{token}}, consenting: 302)")
        else:
            print(f"callgrind: {total / a.messages:,.0f} instructions per message "
                  f"({a.messages} messages of {size} bytes, consent {'no' if a.no_consent else 'granted'})")
        shown = 0
        for n, f in rows:
            if shown >= a.top:
                break
            # The frames that were on the stack when the counters were zeroed carry everything
            # under them in this dump (thread entry, session loop): not a self cost.
            if f == "TOTALS" or n > total // 2:
                continue
            print(f"{n / a.messages:>12,.0f}  {100 * n / total:5.1f}%  {f[:110]}")
            shown += 1
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
