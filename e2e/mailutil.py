"""Messages and checks shared by the end-to-end tests.

Contract:
- `make_message()` builds a CRLF message with a unique Message-ID and optional extra body lines.
- `send()` submits through smtplib (ESMTP, optional STARTTLS/AUTH/source address) and returns the
  refused-recipients dict, raising smtplib's exceptions on failure; every socket op has a timeout.
- `assert_still_relays(pg, upstream)` proves the daemon is alive and relaying: a fresh message is
  accepted (250) and shows up at the upstream (an SmtpSink or a FakeUpstream).
- `strip_relay_received()` removes exactly one leading `Received:` field (with its folded lines)
  from a received message: the one pixelgate adds.
"""
from __future__ import annotations

import smtplib
import ssl
import uuid

from peers import wait_until


def new_msgid() -> str:
    return f"<{uuid.uuid4().hex}@e2e.example.test>"


def make_message(msgid: str | None = None, subject: str = "e2e", body_lines: list[bytes] | None = None,
                 sender: str = "sender@example.org", to: str = "rcpt@example.net",
                 extra_headers: list[str] | None = None) -> bytes:
    msgid = msgid or new_msgid()
    headers = [f"From: <{sender}>", f"To: <{to}>", f"Subject: {subject}", f"Message-ID: {msgid}",
               "Date: Mon, 30 Nov 2026 03:00:00 +0000", "MIME-Version: 1.0",
               "Content-Type: text/plain; charset=utf-8"] + list(extra_headers or [])
    body = body_lines if body_lines is not None else [b"Hello from the e2e suite.", b"Second line."]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + b"".join(l + b"\r\n" for l in body)


def send(port: int, sender: str, recipients: list[str], message: bytes, *, starttls: bool = False,
         auth: tuple[str, str] | None = None, source: str | None = None, mail_options=(),
         rcpt_options=(), timeout: float = 60, lmtp: bool = False) -> dict:
    cls = smtplib.LMTP if lmtp else smtplib.SMTP
    kw = {"source_address": (source, 0)} if source else {}
    with cls("127.0.0.1", port, timeout=timeout, **kw) as s:
        s.ehlo("client.example.test")
        if starttls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s.starttls(context=ctx)
            s.ehlo("client.example.test")
        if auth:
            s.login(*auth)
        return s.sendmail(sender, recipients, message, mail_options=list(mail_options),
                          rcpt_options=list(rcpt_options))


def received_ids(upstream) -> list[str]:
    """Message-IDs that reached the upstream (SmtpSink dumps or FakeUpstream deliveries)."""
    if hasattr(upstream, "messages"):
        return [i for m in upstream.messages() for i in m.header("Message-ID")]
    return [i for t in upstream.delivered() for i in t.header("Message-ID")]


def assert_still_relays(pg, upstream, port: int | None = None) -> None:
    assert pg.alive(), f"pixelgate died (exit {pg.proc.returncode}); stderr:\n{pg.stderr_text()[-3000:]}"
    msgid = new_msgid()
    refused = send(port or pg.port, "sender@example.org", ["alive@example.net"], make_message(msgid))
    assert refused == {}
    wait_until(lambda: msgid in received_ids(upstream), 15, f"{msgid} at the upstream after a fault")


def strip_relay_received(message: bytes, eol: bytes = b"\n") -> tuple[bytes, bytes]:
    """(the first Received field with its continuation lines, the rest of the message)."""
    assert message.lower().startswith(b"received:"), \
        f"message does not start with pixelgate's Received header: {message[:200]!r}"
    lines = message.split(eol)
    n = 1
    while n < len(lines) and lines[n][:1] in (b" ", b"\t"):
        n += 1
    return eol.join(lines[:n]), eol.join(lines[n:])


def crlf_to_lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")
