"""LMTP in: Python's smtplib.LMTP to pixelgate's --lmtp port, and Postfix's lmtp client.

What must hold: LHLO works (and HELO/EHLO do not on the LMTP port); RCPT replies are upstream's
per recipient; after DATA there is exactly one reply per accepted recipient, in RCPT order, each
matching what upstream did for that recipient.
"""
from __future__ import annotations

import smtplib

from mailutil import make_message, new_msgid
from rawsmtp import RawSMTP, dot_stuff

GOOD1, BAD, GOOD2 = "alice@example.net", "bad@example.net", "carol@example.net"


def reject_bad(addr, txn):
    return "550 5.1.1 <bad@example.net>: no such user" if addr == BAD else None


def test_lmtp_rcpt_rejected_by_upstream(pixelgate, fake_upstream):
    up = fake_upstream(on_rcpt=reject_bad)
    pg = pixelgate(upstream=up.address, lmtp=True)
    msgid = new_msgid()
    with smtplib.LMTP("127.0.0.1", pg.lmtp_port, timeout=60) as s:
        code, _ = s.ehlo("client.example.test")          # smtplib.LMTP sends LHLO here
        assert code == 250
        assert s.mail("sender@example.org")[0] == 250
        r1, r2, r3 = s.rcpt(GOOD1), s.rcpt(BAD), s.rcpt(GOOD2)
        assert r1[0] == 250 and r3[0] == 250, (r1, r3)
        assert r2[0] == 550 and b"5.1.1" in r2[1], f"upstream's 550 5.1.1 for {BAD} must be relayed: {r2}"
        code, text = s.data(make_message(msgid))
        replies = [(code, text), s.getreply()]
        assert [c for c, _ in replies] == [250, 250], replies
    delivered = up.delivered()
    assert len(delivered) == 1
    assert sorted(delivered[0].rcpts) == sorted([GOOD1, GOOD2])
    assert msgid in delivered[0].header("Message-ID")


def test_lmtp_per_recipient_replies_after_data_failure(pixelgate, make_sink):
    """Upstream rejects the end of DATA: every accepted recipient gets that failure, one reply each."""
    sink = make_sink(["-f", ".", "-B", "554 5.6.0 content refused by upstream"])
    pg = pixelgate(upstream=sink.address, lmtp=True)
    c = RawSMTP("127.0.0.1", pg.lmtp_port)
    assert c.greeting.code == 220
    assert c.lhlo().code == 250
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    for r in (GOOD1, GOOD2, "dave@example.net"):
        assert c.cmd(f"RCPT TO:<{r}>").code == 250
    replies = c.data(dot_stuff(make_message()), replies=3)
    assert [(r.code, r.enhanced) for r in replies] == [(554, "5.6.0")] * 3, [str(r) for r in replies]
    assert c.cmd("NOOP").code == 250, "exactly one reply per recipient: no extra reply may follow"
    c.quit()
    # smtp-sink writes its dump even when it refuses the end of DATA, so the sink is not checked.


def test_lmtp_rejects_ehlo(pixelgate, sink):
    pg = pixelgate(lmtp=True)
    c = RawSMTP("127.0.0.1", pg.lmtp_port)
    r = c.cmd("EHLO client.example.test")
    assert r.code in (500, 502, 503), f"EHLO on the LMTP port must be refused: {r}"
    assert c.lhlo().code == 250
    c.quit()


def test_postfix_lmtp_client(pixelgate, fake_upstream, postfix_instance):
    """Postfix's lmtp client (default_transport = lmtp:inet:[127.0.0.1]:PORT): the good recipients
    are delivered once, the one upstream refuses is bounced by Postfix with upstream's reason."""
    up = fake_upstream(on_rcpt=reject_bad)
    pg = pixelgate(upstream=up.address, lmtp=True)
    pf = postfix_instance(relay_port=pg.port, lmtp_port=pg.lmtp_port)
    msgids = [new_msgid() for _ in range(5)]
    pf.submit("sender@example.org", [GOOD1, BAD, GOOD2], [make_message(m) for m in msgids])
    pf.wait_queue_empty(timeout=120)
    got = sorted((t.header("Message-ID")[0], r) for t in up.delivered() for r in t.rcpts
                 if t.header("Message-ID") and t.header("Message-ID")[0] in msgids)
    assert got == sorted((m, r) for m in msgids for r in (GOOD1, GOOD2))
    log = pf.log()
    assert log.count(f"to=<{BAD}>") >= 5 and "status=bounced" in log, log[-3000:]
    assert "postfix/lmtp[" in log, "mail must have gone through Postfix's lmtp client"
    queue_ids = pf.delivered_queue_ids()
    logged = {e.get("queue_id") for e in pg.log()}
    assert queue_ids and queue_ids <= logged, f"queue ids missing from pixelgate's log: {queue_ids - logged}"
