"""Nothing lost, nothing duplicated, with a real Postfix doing the retries.

What must hold:
- fan-out (per-recipient variants) with upstream refusing one variant at DATA the first time:
  Postfix gets 451, retries the whole message, and in the end each recipient has it exactly once
  (the delivery journal skips the ones already delivered);
- upstream down for a while: Postfix defers, and once upstream is back and the queue is flushed
  every message arrives exactly once.
"""
from __future__ import annotations

import re
import threading
import time
from collections import Counter

from mailutil import make_message, new_msgid
from peers import SmtpSink, free_port, wait_until

VARIANT_ENV = {"PIXELGATE_TEST_VARIANTS": "per-recipient"}
RECIPIENTS = ["alice@example.net", "bob@example.net", "carol@example.net"]


def test_postfix_retry_with_fanout_and_journal(pixelgate, fake_upstream, postfix_instance):
    lock = threading.Lock()
    refused: set[str] = set()

    def data_end(txn):
        msgid = (txn.header("Message-ID") or ["?"])[0]
        with lock:
            if "bob@example.net" in txn.rcpts and msgid not in refused:
                refused.add(msgid)
                return "451 4.3.0 bob's server is busy, try again"
        return None

    up = fake_upstream(on_data_end=data_end)
    pg = pixelgate(upstream=up.address, env=VARIANT_ENV)
    pf = postfix_instance(relay_port=pg.port)
    msgids = [new_msgid() for _ in range(5)]
    pf.submit("sender@example.org", RECIPIENTS, [make_message(m) for m in msgids])

    def all_delivered():
        pf.flush()
        got = {(t.header("Message-ID")[0], r) for t in up.delivered() for r in t.rcpts}
        return all((m, r) in got for m in msgids for r in RECIPIENTS)
    # 240 s: on a loaded 2-core machine Postfix once took longer than 120 s to retry the last deferral.
    wait_until(all_delivered, 240, "every recipient of every message at the upstream", interval=2)
    pf.wait_queue_empty(timeout=60)

    counts = Counter((t.header("Message-ID")[0], r) for t in up.delivered() for r in t.rcpts)
    dupes = {k: v for k, v in counts.items() if v != 1}
    assert not dupes, f"delivered more than once: {dupes}"
    assert refused == set(msgids), "each message's bob variant was refused once, so each needed a retry"
    log = pf.log()
    assert "451 4.3.0" in log and "status=deferred" in log, "Postfix must have seen the 451 and deferred"


def test_postfix_upstream_outage_then_recovery(pixelgate, postfix_instance, workdir):
    port = free_port()
    pg = pixelgate('[upstream]\nconnect_timeout = "2s"\n', upstream=f"127.0.0.1:{port}")
    pf = postfix_instance(relay_port=pg.port)
    msgids = [new_msgid() for _ in range(8)]
    pf.submit("sender@example.org", RECIPIENTS[:2], [make_message(m) for m in msgids])
    deferred = lambda: {m.group(1) for m in re.finditer(r": ([0-9A-F]{6,}): to=<[^>]*>.*status=deferred", pf.log())}
    wait_until(lambda: len(deferred()) >= 8, 60, "Postfix to defer all 8 messages")
    assert "status=sent" not in pf.log(), "nothing can be sent while upstream is down"

    sink = SmtpSink(workdir / "late-sink", port=port).start()
    try:
        pf.flush()
        pf.wait_queue_empty(timeout=120)
        messages = sink.wait_messages(8, timeout=30)
        time.sleep(0.5)
        messages = sink.messages()
        counts = Counter((m.header("Message-ID")[0], r) for m in messages for r in m.recipients)
        assert counts == Counter({(m, r): 1 for m in msgids for r in RECIPIENTS[:2]})
    finally:
        sink.stop()


def test_postfix_lmtp_with_fanout(pixelgate, fake_upstream, postfix_instance):
    """Postfix's lmtp client, per-recipient variants, upstream refusing bob's variant for good:
    alice and carol are delivered once, bob is bounced by Postfix with upstream's reason."""
    up = fake_upstream(on_data_end=lambda t: "550 5.2.1 bob's mailbox is disabled" if "bob@example.net" in t.rcpts else None)
    pg = pixelgate(upstream=up.address, lmtp=True, env=VARIANT_ENV)
    pf = postfix_instance(relay_port=pg.port, lmtp_port=pg.lmtp_port)
    msgids = [new_msgid() for _ in range(3)]
    pf.submit("sender@example.org", RECIPIENTS, [make_message(m) for m in msgids])
    pf.wait_queue_empty(timeout=120)
    counts = Counter((t.header("Message-ID")[0], r) for t in up.delivered() for r in t.rcpts
                     if t.header("Message-ID") and t.header("Message-ID")[0] in msgids)
    # A rare failure (2 in about 16 full runs): one message's three variants all answered 250 with
    # nothing recorded upstream; the report shows what this upstream saw, connection by connection.
    # Cause: an earlier test's stopped FakeUpstream, its accept() restarted on the reused descriptor
    # number, took that session's upstream connection (see e2e/test_00_fakeupstream.py); fixed in
    # FakeUpstream.stop.
    assert counts == Counter({(m, r): 1 for m in msgids for r in ("alice@example.net", "carol@example.net")}), up.report()
    log = pf.log()
    bounced = re.findall(r"to=<bob@example\.net>.*status=bounced.*", log)
    assert len(bounced) == 3 and all("5.2.1" in b for b in bounced), bounced or log[-3000:]
