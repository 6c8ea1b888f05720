"""bench/relaybench.py's throughput measurement, run small: every hop it compares relays what it is
sent and reports what the table prints (bench/run's relay rows). Not a timed test: no figure is
judged, only that the measurement measured something real.

- relay_only: `pixelgate serve` with the pass-through planner;
- postfix_proxy: Postfix's smtpd as a before-queue proxy into the same smtp-sink
  (bench/postfixhop.py), the reference row; its private instance is unregistered afterwards.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from postfixpeer import ETC_MAIN_CF
from relayproc import binary_path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import relaybench  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
NEWSLETTER = CORPUS / "021-listmonk-individual-declared-header.eml"


@pytest.mark.skipif(not NEWSLETTER.exists(), reason="needs ../shared/corpus")
def test_throughput_rows_for_pixelgate_and_the_postfix_reference():
    count = 150
    registered_before = ETC_MAIN_CF.read_text().count("pixelgate-bench-")
    rows = relaybench.cmd_throughput(str(binary_path()), NEWSLETTER, count=count, sessions=5, rounds=1,
                                     modes=["relay_only", "postfix_proxy"])
    assert set(rows) == {"relay_only", "postfix_proxy"}
    for name, r in rows.items():
        # warm-up (min(500, count)) plus one round, each message answered 250 by the sink upstream
        assert r["relayed_sent"] == 2 * count, (name, r)
        assert r["direct"] > 0 and r["via"] > 0 and r["ratio"] == pytest.approx(r["via"] / r["direct"])
        assert r["cpu_us_per_msg"] > 0, (name, r)
        assert r["sink_us"] > 0 and r["source_us"] > 0, (name, r)
    # The reference instance leaves nothing registered behind.
    assert ETC_MAIN_CF.read_text().count("pixelgate-bench-") == registered_before


def test_unknown_mode_is_an_error_naming_the_known_ones():
    with pytest.raises(SystemExit) as e:
        relaybench.cmd_throughput(str(binary_path()), NEWSLETTER, count=10, sessions=1, rounds=1, modes=["postfix"])
    assert "postfix_proxy" in str(e.value) and "relay_only" in str(e.value)
