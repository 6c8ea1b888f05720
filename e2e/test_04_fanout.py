"""Variant fan-out with the test-only planner (PIXELGATE_TEST_VARIANTS=per-recipient): each
recipient gets its own upstream transaction, its message starting with `X-Test-Variant: <rcpt>`.

What must hold: with every variant accepted the client gets 250 and each recipient one transaction
with its own header; when upstream refuses one variant at DATA the SMTP client gets 451 and a retry
of the same message (same bytes, same sender) delivers only the missing recipient (delivery
journal), so each recipient gets it exactly once; when the refusal is permanent the retry gets the
refusal itself; under LMTP the replies after DATA are per recipient (250, 550, 250).
"""
from __future__ import annotations

import smtplib
import threading

import pytest

from mailutil import make_message, new_msgid
from rawsmtp import RawSMTP, dot_stuff

VARIANT_ENV = {"PIXELGATE_TEST_VARIANTS": "per-recipient"}
ALICE, BOB, CAROL = "alice@example.net", "bob@example.net", "carol@example.net"


def variant_of(txn) -> str:
    """The X-Test-Variant value the test planner puts at the top of each variant (after the
    relay's own Received header)."""
    values = txn.header("X-Test-Variant")
    assert len(values) == 1, f"exactly one X-Test-Variant header expected: {values}"
    return values[0]


def without_trace(body: bytes) -> bytes:
    """The message minus the relay's Received field and the X-Test-Variant field."""
    head, _, rest = body.partition(b"\r\n\r\n")
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    kept = [f for f in fields if not f.lower().startswith((b"received:", b"x-test-variant:"))]
    return b"\r\n".join(kept) + b"\r\n\r\n" + rest


def delivered_by_recipient(up, msgid: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in up.delivered():
        if msgid not in t.header("Message-ID"):
            continue
        assert len(t.rcpts) == 1, f"per-recipient variants must be one transaction each: {t.rcpts}"
        assert variant_of(t) == t.rcpts[0], f"variant {variant_of(t)!r} sent to {t.rcpts}"
        out[t.rcpts[0]] = out.get(t.rcpts[0], 0) + 1
    return out


def smtp_attempt(port: int, message: bytes) -> tuple[int, bytes]:
    """One client attempt for all three recipients; the DATA reply (code, text)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
        s.ehlo("client.example.test")
        assert s.mail("sender@example.org")[0] == 250
        for r in (ALICE, BOB, CAROL):
            assert s.rcpt(r)[0] == 250
        return s.data(message)


def test_fanout_all_accepted(pixelgate, fake_upstream):
    up = fake_upstream()
    pg = pixelgate(upstream=up.address, env=VARIANT_ENV)
    assert "PIXELGATE_TEST_VARIANTS" in pg.stderr_text() or "test" in pg.stderr_text().lower(), \
        "a loud warning must say the test planner is active"
    msgid = new_msgid()
    code, text = smtp_attempt(pg.port, make_message(msgid))
    assert code == 250, text
    assert delivered_by_recipient(up, msgid) == {ALICE: 1, BOB: 1, CAROL: 1}
    bodies = {t.rcpts[0]: without_trace(t.body) for t in up.delivered()}
    assert bodies[ALICE] == bodies[BOB] == bodies[CAROL] == make_message(msgid), \
        "apart from Received and the variant header, every variant is the message as sent"


@pytest.mark.parametrize("first_reply", ["451 4.3.0 try bob later", "452 4.2.2 bob's mailbox full"])
def test_fanout_partial_failure_then_retry(pixelgate, fake_upstream, first_reply):
    refusals = {"left": 1}
    lock = threading.Lock()

    def data_end(txn):
        with lock:
            if BOB in txn.rcpts and refusals["left"] > 0:
                refusals["left"] -= 1
                return first_reply
        return None

    up = fake_upstream(on_data_end=data_end)
    pg = pixelgate(upstream=up.address, env=VARIANT_ENV)
    msgid = new_msgid()
    message = make_message(msgid)

    code, text = smtp_attempt(pg.port, message)
    assert code == 451, f"one variant failed, so the message as a whole is 451: {code} {text!r}"
    assert delivered_by_recipient(up, msgid) == {ALICE: 1, CAROL: 1}

    code, text = smtp_attempt(pg.port, message)           # what Postfix does after a 451
    assert code == 250, f"the retry must succeed: {code} {text!r}"
    assert delivered_by_recipient(up, msgid) == {ALICE: 1, BOB: 1, CAROL: 1}, \
        "the retry must deliver only the missing recipient (journal), nobody twice"

    code, text = smtp_attempt(pg.port, message)           # a third identical attempt changes nothing
    assert code == 250
    assert delivered_by_recipient(up, msgid) == {ALICE: 1, BOB: 1, CAROL: 1}


def test_fanout_permanent_failure_relayed_on_retry(pixelgate, fake_upstream):
    up = fake_upstream(on_data_end=lambda t: "554 5.7.1 bob refuses this content" if BOB in t.rcpts else None)
    pg = pixelgate(upstream=up.address, env=VARIANT_ENV)
    msgid = new_msgid()
    message = make_message(msgid)
    code, text = smtp_attempt(pg.port, message)
    assert code == 451, (code, text)
    # Only bob is left and upstream refuses him for good. SMTP cannot say "done for alice and
    # carol, failed for bob" after DATA: the relay may relay the 554 itself (all attempted
    # recipients failed the same way) or keep deferring; it must never answer 250.
    code, text = smtp_attempt(pg.port, message)
    assert code == 451 or (code == 554 and b"5.7.1" in text), f"retry reply {code} {text!r}"
    assert delivered_by_recipient(up, msgid) == {ALICE: 1, CAROL: 1}


def test_fanout_different_message_is_not_skipped(pixelgate, fake_upstream):
    """The journal key covers the bytes: a different message to the same people is delivered."""
    up = fake_upstream()
    pg = pixelgate(upstream=up.address, env=VARIANT_ENV)
    first, second = new_msgid(), new_msgid()
    assert smtp_attempt(pg.port, make_message(first))[0] == 250
    assert smtp_attempt(pg.port, make_message(second))[0] == 250
    assert delivered_by_recipient(up, first) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert delivered_by_recipient(up, second) == {ALICE: 1, BOB: 1, CAROL: 1}


def test_fanout_lmtp_per_recipient(pixelgate, fake_upstream):
    up = fake_upstream(on_data_end=lambda t: "550 5.2.1 bob's mailbox is disabled" if BOB in t.rcpts else None)
    pg = pixelgate(upstream=up.address, lmtp=True, env=VARIANT_ENV)
    msgid = new_msgid()
    c = RawSMTP("127.0.0.1", pg.lmtp_port)
    assert c.lhlo().code == 250
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    for r in (ALICE, BOB, CAROL):
        assert c.cmd(f"RCPT TO:<{r}>").code == 250
    replies = c.data(dot_stuff(make_message(msgid)), replies=3)
    assert [r.code for r in replies] == [250, 550, 250], [str(r) for r in replies]
    assert replies[1].enhanced == "5.2.1", str(replies[1])
    assert c.cmd("NOOP").code == 250
    c.quit()
    assert delivered_by_recipient(up, msgid) == {ALICE: 1, CAROL: 1}


def test_journal_survives_restart(pixelgate, fake_upstream, workdir):
    """451 after a partial delivery, then the relay restarts: the retry still skips the
    recipients already delivered (the journal is on disk in the state dir)."""
    state = workdir / "shared-state"
    refusals = {"left": 1}
    lock = threading.Lock()

    def data_end(txn):
        with lock:
            if BOB in txn.rcpts and refusals["left"] > 0:
                refusals["left"] -= 1
                return "451 4.3.0 later"
        return None

    up = fake_upstream(on_data_end=data_end)
    first = pixelgate(upstream=up.address, env=VARIANT_ENV, state_dir=state)
    msgid = new_msgid()
    message = make_message(msgid)
    assert smtp_attempt(first.port, message)[0] == 451
    assert first.stop() == 0
    second = pixelgate(upstream=up.address, env=VARIANT_ENV, state_dir=state)
    code, text = smtp_attempt(second.port, message)
    assert code == 250, (code, text)
    assert delivered_by_recipient(up, msgid) == {ALICE: 1, BOB: 1, CAROL: 1}, \
        "after a restart the journal must still skip alice and carol"


def test_upstream_hangs_up_during_one_variant(pixelgate, fake_upstream):
    """Upstream dies while receiving bob's variant: the client gets 451 (never 250), and the
    retry delivers whoever is missing, nobody twice."""
    state = {"hangups": 1}
    lock = threading.Lock()

    def hangup(txn):
        with lock:
            if BOB in txn.rcpts and state["hangups"] > 0:
                state["hangups"] -= 1
                return True
        return False

    up = fake_upstream(hangup_in_data=hangup)
    pg = pixelgate(upstream=up.address, env=VARIANT_ENV)
    msgid = new_msgid()
    body = [b"line %d of a body long enough to be cut in the middle" % i for i in range(50)]
    message = make_message(msgid, body_lines=body)
    code, text = smtp_attempt(pg.port, message)
    assert 400 <= code < 500, f"upstream hung up during a variant: {code} {text!r}"
    code, text = smtp_attempt(pg.port, message)
    assert code == 250, (code, text)
    assert delivered_by_recipient(up, msgid) == {ALICE: 1, BOB: 1, CAROL: 1}


def test_identical_independent_submissions_both_delivered(pixelgate, fake_upstream):
    """The journal only covers retries after a partial failure: the same bytes submitted twice,
    each time fully accepted, are two submissions and both are delivered (no mail swallowed)."""
    up = fake_upstream()
    pg = pixelgate(upstream=up.address, env=VARIANT_ENV)
    msgid = new_msgid()
    message = make_message(msgid)
    assert smtp_attempt(pg.port, message)[0] == 250
    assert smtp_attempt(pg.port, message)[0] == 250
    counts: dict[str, int] = {}
    for t in up.delivered():
        for r in t.rcpts:
            counts[r] = counts.get(r, 0) + 1
    assert counts == {ALICE: 2, BOB: 2, CAROL: 2}
