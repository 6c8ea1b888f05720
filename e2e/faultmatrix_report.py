"""PYTEST_DONT_REWRITE. pytest plugin for the fault matrix (test_30): collects one row per fault and prints the matrix
as a table, then "N passed, N failed", in pytest's terminal summary (so it shows without -s).

Contract: `record(row)` with keys fault, acked, delivered, retried, bounced, lost, dups, result
("pass"/"fail"), note; rows print in the order recorded. `WINDOW` holds the SIGKILL window
figures measured by test_30 (printed under the table when present). Loaded by test_30 through
`pytest_plugins`; does nothing when no row was recorded.
"""
from __future__ import annotations

ROWS: list[dict[str, object]] = []
WINDOW: dict[str, object] = {}
COLUMNS = [("fault", 42), ("acked", 6), ("delivered", 9), ("retried", 7), ("bounced", 7), ("lost", 4),
           ("dups", 4), ("result", 6), ("note", 0)]


def record(row: dict[str, object]) -> None:
    ROWS.append(row)


def table() -> list[str]:
    def cell(v: object, width: int) -> str:
        return str(v) if width == 0 else str(v).ljust(width)
    head = "| " + " | ".join(cell(c, w) for c, w in COLUMNS) + " |"
    rule = "|" + "|".join("-" * (max(w, len(c)) + 2) for c, w in COLUMNS) + "|"
    lines = [head, rule]
    for r in ROWS:
        lines.append("| " + " | ".join(cell(r.get(c, ""), w) for c, w in COLUMNS) + " |")
    passed = sum(1 for r in ROWS if r.get("result") == "pass")
    lines.append("")
    lines.append(f"{passed} passed, {len(ROWS) - passed} failed")
    if WINDOW:
        lines.append("SIGKILL window (upstream 250 -> our 250, direct probe): " +
                     ", ".join(f"{k}={v}" for k, v in WINDOW.items()))
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not ROWS:
        return
    terminalreporter.section("fault matrix")
    for line in table():
        terminalreporter.write_line(line)
