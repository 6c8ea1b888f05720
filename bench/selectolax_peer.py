"""The peer for `pixelgate-bench html`: selectolax (the Lexbor C parser) parses each document,
removes 1x1 images and serialises it, as in shared/notes/MACHINE.md. Prints `<file>: peer: N MB/s`
(median of 5 runs of at least 1 s) so bench/run can show both side by side.
Usage: python3 bench/selectolax_peer.py FILE..."""
import statistics
import sys
import time

from selectolax.lexbor import LexborHTMLParser


def once(html: str) -> None:
    tree = LexborHTMLParser(html)
    for img in tree.css("img"):
        if img.attributes.get("width") == "1" and img.attributes.get("height") == "1":
            img.decompose()
    tree.html


def rate(data: bytes) -> float:
    html = data.decode("utf-8", "replace")
    runs = []
    for _ in range(5):
        n, t0 = 0, time.perf_counter()
        while True:
            once(html)
            n += 1
            dt = time.perf_counter() - t0
            if dt >= 1.0:
                break
        runs.append(len(data) * n / dt / 1e6)
    return statistics.median(runs)


total_bytes, total_time = 0, 0.0
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    r = rate(data)
    total_bytes += len(data)
    total_time += len(data) / (r * 1e6)
    print(f"{path.rsplit('/', 1)[-1]}: peer: {r:.1f} MB/s")
print(f"total: peer: {total_bytes / total_time / 1e6:.1f} MB/s")
