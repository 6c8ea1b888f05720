"""A real Postfix instance (relayhost = pixelgate, XFORWARD on) -> pixelgate -> smtp-sink.

What must hold: 50 messages x 3 recipients injected with sendmail all leave Postfix's queue, every
recipient gets every message exactly once (counted by Message-ID and recipient in the sink dumps),
and each Postfix queue id that was delivered appears in pixelgate's log as `queue_id=`.
"""
from __future__ import annotations

from collections import Counter

from mailutil import make_message, new_msgid

MESSAGES = 50
RECIPIENTS = ["alice@example.net", "bob@example.org", "carol@example.com"]


def test_postfix_50_messages_3_recipients(pixelgate, sink, postfix_instance):
    pg = pixelgate()
    pf = postfix_instance(relay_port=pg.port)
    msgids = [new_msgid() for _ in range(MESSAGES)]
    messages = [make_message(msgid, subject=f"load {i}",
                             body_lines=[f"message {i} of {MESSAGES}".encode(), b".a line that needs dot-stuffing", b"end"])
                for i, msgid in enumerate(msgids)]
    pf.submit("sender@example.org", RECIPIENTS, messages)      # over SMTP: Postfix then sends XFORWARD IDENT
    pf.wait_queue_empty(timeout=180)

    messages = sink.wait_messages(1, timeout=30)
    got = Counter()
    for m in messages:
        ids = m.header("Message-ID")
        assert len(ids) == 1, f"{m.path}: {ids}"
        for rcpt in m.recipients:
            got[(ids[0], rcpt)] += 1
        assert m.message.count(b"\n.a line that needs dot-stuffing\n") == 1, m.path
    expected = Counter({(mid, r): 1 for mid in msgids for r in RECIPIENTS})
    missing = expected - got
    extra = got - expected
    assert not missing, f"{len(missing)} (message, recipient) pairs never arrived, e.g. {list(missing)[:5]}"
    assert not extra, f"duplicates or strays at the sink: {list(extra.items())[:5]}"

    queue_ids = pf.delivered_queue_ids()
    assert len(queue_ids) == MESSAGES, f"Postfix log shows {len(queue_ids)} delivered queue ids:\n{pf.log()[-3000:]}"
    logged = {e.get("queue_id") for e in pg.log() if e.get("queue_id")}
    absent = queue_ids - logged
    assert not absent, f"{len(absent)} Postfix queue ids never appear as queue_id= in pixelgate's log, " \
                       f"e.g. {sorted(absent)[:5]}"
    relayed = [e for e in pg.events("relayed") if e.get("queue_id") in queue_ids]
    assert {e["queue_id"] for e in relayed} == queue_ids, "every message needs a relayed line with its queue_id"
    for e in relayed:
        assert e.get("session"), e
        assert "delay_ms" in e, f"relayed line without delay_ms: {e}"


def test_postfix_sees_upstream_rejection(pixelgate, make_sink, postfix_instance):
    """Upstream refuses every RCPT hard: Postfix must bounce (not retry forever, not lose silently)."""
    sink = make_sink(["-f", "RCPT", "-B", "550 5.1.1 no such user here"])
    pg = pixelgate(upstream=sink.address)
    pf = postfix_instance(relay_port=pg.port)
    pf.sendmail("sender@example.org", ["nobody@example.net"], make_message(new_msgid()))   # local submission
    pf.wait_queue_empty(timeout=60)   # the bounce to sender@example.org is also refused: double bounce dropped
    log = pf.log()
    assert "to=<nobody@example.net>" in log and "status=bounced" in log, log[-3000:]
    assert "550 5.1.1" in log, "Postfix must see upstream's own reply text through pixelgate"
    sink.assert_empty(settle=0.2)
