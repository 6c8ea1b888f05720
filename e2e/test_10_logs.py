"""The log contract (DESIGN "Logs"): one logfmt line per event on stderr, `event=` first, then
`session=`, then `queue_id=` (from XFORWARD IDENT) when known; `relayed` carries the upstream reply
and `delay_ms`; `log_addresses` hides addresses; XFORWARD values reach the Received header.
"""
from __future__ import annotations

import hashlib
import re

import pytest

from mailutil import make_message, new_msgid, send
from rawsmtp import RawSMTP, dot_stuff

SESSION_EVENTS = {"connect", "tls", "auth", "mail", "rcpt", "relayed", "reject", "disconnect", "message"}


def raw_lines(pg) -> list[str]:
    return [l for l in pg.stderr_text().splitlines() if l.strip()]


def test_every_line_is_logfmt_with_event_first(pixelgate, sink):
    pg = pixelgate()
    send(pg.port, "sender@example.org", ["a@example.net", "b@example.net"], make_message())
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    c.cmd("MAIL FROM:<broken")                      # a refused command makes a reject line
    c.quit()
    sink.wait_messages(1)
    pg.stop()
    lines = raw_lines(pg)
    assert lines, "no log lines at all"
    for line in lines:
        assert line.startswith("event="), f"not a logfmt event line: {line!r}"
        event = line.split(" ", 1)[0][len("event="):]
        if event in SESSION_EVENTS:
            assert re.match(r"^event=\S+ session=\S+", line), f"session= must be the second key: {line!r}"
    events = [e["event"] for e in pg.log()]
    for needed in ("ready", "connect", "mail", "rcpt", "relayed", "disconnect"):
        assert needed in events, f"no event={needed} line in {events}"


def test_session_story_and_relayed_line(pixelgate, sink):
    pg = pixelgate()
    msgid = new_msgid()
    send(pg.port, "sender@example.org", ["a@example.net", "b@example.net"], make_message(msgid))
    sink.wait_messages(1)
    relayed = pg.wait_event("relayed")
    sid = relayed["session"]
    pg.wait_event("disconnect", session=sid)
    story = [e["event"] for e in pg.log() if e.get("session") == sid]
    assert story[0] == "connect" and story[-1] == "disconnect", story
    assert story.index("mail") < story.index("rcpt") < story.index("relayed"), story
    assert story.count("rcpt") == 2, story
    assert re.fullmatch(r"\d+", relayed.get("delay_ms", "")), f"delay_ms must be an integer: {relayed}"
    assert relayed.get("reply", "").startswith("250"), f"relayed must carry upstream's reply: {relayed}"
    others = {e["session"] for e in pg.log() if e.get("event") == "connect"}
    assert len(others) == len([e for e in pg.log() if e.get("event") == "connect"]), "session ids must be unique"


def test_xforward_ident_becomes_queue_id(pixelgate, sink):
    pg = pixelgate()
    msgid = new_msgid()
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    assert "XFORWARD" in c.extensions, f"XFORWARD must be offered to allowed clients: {c.ehlo_lines}"
    assert c.cmd("XFORWARD NAME=app.example.test ADDR=10.1.2.3 PORT=4567").code == 250
    assert c.cmd("XFORWARD PROTO=ESMTP HELO=app-helo.example.test IDENT=4F2A1B3C9D SOURCE=REMOTE").code == 250
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<a@example.net>").code == 250
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    m = sink.wait_messages(1)[0]
    received = m.header("Received")[0]
    assert "10.1.2.3" in received and "app-helo.example.test" in received, \
        f"Received must name the original client from XFORWARD: {received!r}"
    tagged = [l for l in raw_lines(pg) if "queue_id=4F2A1B3C9D" in l]
    kinds = {l.split(" ", 1)[0] for l in tagged}
    for needed in ("event=mail", "event=rcpt", "event=relayed"):
        assert needed in kinds, f"{needed} line without queue_id=4F2A1B3C9D: {raw_lines(pg)}"
    for line in tagged:
        assert re.match(r"^event=\S+ session=\S+ queue_id=4F2A1B3C9D( |$)", line), \
            f"queue_id= must come right after session=: {line!r}"


@pytest.mark.parametrize("mode", ["domain", "hash"])
def test_log_addresses_redacted(pixelgate, sink, mode):
    pg = pixelgate(f'[log]\nlog_addresses = "{mode}"\n')
    send(pg.port, "secret.sender@example.org", ["hidden.person@example.net"], make_message())
    sink.wait_messages(1)
    pg.wait_event("relayed")
    text = pg.stderr_text()
    for local in ("secret.sender", "hidden.person"):
        assert local not in text, f"log_addresses = {mode} must hide {local!r}:\n{text}"
    if mode == "domain":
        assert "@example.net" in text, "domain mode keeps the domain"
    else:
        digest = hashlib.sha256(b"hidden.person@example.net").hexdigest()[:16]
        assert digest in text, f"hash mode shows a stable hash of the address ({digest}):\n{text}"
