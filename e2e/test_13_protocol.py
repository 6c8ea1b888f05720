"""Inbound protocol behaviour an experienced postmaster expects, on raw sockets.

What must hold: HELO-only clients are served; VRFY gets 252; bad sequences get 503 and unknown
verbs 500/502; RSET really drops the transaction (upstream never delivers to its recipients);
several transactions in one session each reach upstream with their own recipients only;
pipelined commands get their replies in order; commands pipelined after STARTTLS are discarded
(CVE-2011-0411 style injection); `[tls] policy = "encrypt"` requires STARTTLS before MAIL and
`verify` a client certificate signed by ca_file; no descriptor leaks.
"""
from __future__ import annotations

import os
import socket
import ssl
import time

from mailutil import make_message, new_msgid, send
from peers import make_dir, make_self_signed_cert, wait_until
from rawsmtp import ConnectionClosed, RawSMTP, dot_stuff


def test_helo_only_client(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    assert c.cmd("HELO old-client.example.test").code == 250
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<a@example.net>").code == 250
    msgid = new_msgid()
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    m = sink.wait_messages(1)[0]
    received = m.header("Received")[0]
    assert "old-client.example.test" in received, received
    assert " with SMTP" in received.replace("\n", " ").replace("\t", " "), \
        f"a HELO session is plain SMTP in the Received header: {received!r}"


def test_vrfy_and_unknown_and_sequence_errors(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    early = c.cmd("MAIL FROM:<sender@example.org>")
    assert early.code == 503, f"MAIL before EHLO: {early}"
    c.ehlo()
    assert c.cmd("VRFY someone@example.net").code == 252
    assert c.cmd("FROBNICATE now").code in (500, 502)
    r = c.cmd("RCPT TO:<a@example.net>")
    assert r.code == 503, f"RCPT before MAIL: {r}"
    r = c.cmd("DATA")
    assert r.code == 503, f"DATA before RCPT: {r}"
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    r = c.cmd("MAIL FROM:<sender@example.org>")
    assert r.code == 503, f"nested MAIL: {r}"
    r = c.cmd("DATA")
    assert r.code in (503, 554), f"DATA without an accepted recipient: {r}"
    c.quit()
    sink.assert_empty(settle=0.3)


def test_rset_drops_the_transaction(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    assert c.cmd("MAIL FROM:<first@example.org>").code == 250
    assert c.cmd("RCPT TO:<dropped@example.net>").code == 250
    assert c.cmd("RSET").code == 250
    assert c.cmd("DATA").code == 503, "after RSET there is no transaction"
    assert c.cmd("MAIL FROM:<second@example.org>").code == 250
    assert c.cmd("RCPT TO:<kept@example.net>").code == 250
    msgid = new_msgid()
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    msgs = sink.wait_messages(1)
    assert len(msgs) == 1
    assert msgs[0].mail_from == "second@example.org"
    assert msgs[0].recipients == ["kept@example.net"]


def test_several_transactions_in_one_session(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    sent = {}
    for i in range(4):
        msgid = new_msgid()
        sent[msgid] = [f"t{i}-{j}@example.net" for j in range(i + 1)]
        assert c.cmd(f"MAIL FROM:<s{i}@example.org>").code == 250
        for r in sent[msgid]:
            assert c.cmd(f"RCPT TO:<{r}>").code == 250
        assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    msgs = sink.wait_messages(4)
    got = {m.header("Message-ID")[0]: m.recipients for m in msgs}
    assert got == sent, "each transaction must reach upstream with its own recipients only"


def test_pipelined_commands_answered_in_order(pixelgate, sink):
    pg = pixelgate()
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    assert "PIPELINING" in c.extensions
    msgid = new_msgid()
    c.send_raw(b"MAIL FROM:<sender@example.org>\r\nRCPT TO:<a@example.net>\r\n"
               b"RCPT TO:<b@example.net>\r\nDATA\r\n")
    codes = [c.read_reply().code for _ in range(4)]
    assert codes == [250, 250, 250, 354], codes
    c.send_raw(dot_stuff(make_message(msgid)) + b"NOOP\r\n")
    assert [c.read_reply().code, c.read_reply().code] == [250, 250]
    c.quit()
    assert sorted(sink.wait_messages(1)[0].recipients) == ["a@example.net", "b@example.net"]


def test_commands_pipelined_after_starttls_are_discarded(pixelgate, sink, tls_files):
    cert, key = tls_files
    pg = pixelgate(f'[tls]\ncert = "{cert}"\nkey = "{key}"\n')
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    c.send_raw(b"STARTTLS\r\nVRFY injected@example.net\r\n")
    try:
        r = c.read_reply()
    except ConnectionClosed:
        return                                        # refusing the session outright is safe too
    if r.code != 220:
        assert r.code >= 400, f"STARTTLS with pipelined junk: {r}"
        return
    c.wrap_tls()
    first = c.cmd("NOOP")
    assert first.code == 250, f"the plaintext VRFY was executed inside TLS (reply {first})"
    assert c.pending(0.5) == b"", "no reply may come for the injected command"
    c.quit()


def test_inbound_tls_encrypt_policy(pixelgate, sink, tls_files):
    cert, key = tls_files
    pg = pixelgate(f'[tls]\ncert = "{cert}"\nkey = "{key}"\npolicy = "encrypt"\n')
    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    r = c.cmd("MAIL FROM:<sender@example.org>")
    assert r.code == 530, f"policy = encrypt: MAIL before STARTTLS must get 530: {r}"
    assert c.starttls().code == 220
    c.ehlo()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<a@example.net>").code == 250
    assert c.data(dot_stuff(make_message()))[0].code == 250
    c.quit()
    sink.wait_messages(1)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_no_descriptor_leak(pixelgate, sink, tls_files):
    """Aborted connections, failed TLS handshakes and full sessions leave no descriptors behind."""
    cert, key = tls_files
    pg = pixelgate(f'[tls]\ncert = "{cert}"\nkey = "{key}"\n')
    assert_relays_once = lambda: send(pg.port, "sender@example.org", ["a@example.net"], make_message())
    assert_relays_once()                        # warm up: upstream paths, TLS context, journal
    time.sleep(0.5)
    before = open_fds(pg.proc.pid)
    for _ in range(30):                         # connect and vanish
        s = socket.create_connection(("127.0.0.1", pg.port))
        s.close()
    for _ in range(10):                         # STARTTLS then garbage instead of a handshake
        c = RawSMTP("127.0.0.1", pg.port)
        c.ehlo()
        assert c.cmd("STARTTLS").code == 220
        c.send_raw(b"this is not a TLS ClientHello\r\n" * 4)
        c.is_closed(5)
        c.close()
    for _ in range(10):                         # whole sessions, half of them over TLS
        assert send(pg.port, "sender@example.org", ["a@example.net"], make_message(), starttls=True) == {}
        assert_relays_once()
    wait_until(lambda: open_fds(pg.proc.pid) <= before + 2, 15,
               f"descriptors to return to about {before} (now {open_fds(pg.proc.pid)})")
    assert pg.alive()


def test_inbound_tls_verify_requires_client_certificate(pixelgate, sink, tls_files, workdir):
    cert, key = tls_files
    client_cert, client_key = make_self_signed_cert(make_dir(workdir / "client-cert"), cn="postfix-client.example.test")
    pg = pixelgate(f'[tls]\ncert = "{cert}"\nkey = "{key}"\npolicy = "verify"\nca_file = "{client_cert}"\n')

    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    try:
        assert c.starttls().code == 220
        c.ehlo()
        r = c.cmd("MAIL FROM:<sender@example.org>")
        assert r.code >= 500, f"a client without a certificate must not get a transaction: {r}"
    except (ssl.SSLError, ConnectionClosed, OSError):
        pass                                            # handshake refused: the expected outcome
    c.close()

    c = RawSMTP("127.0.0.1", pg.port)
    c.ehlo()
    assert c.starttls(client_cert=(str(client_cert), str(client_key))).code == 220
    c.ehlo()
    msgid = new_msgid()
    assert c.cmd("MAIL FROM:<sender@example.org>").code == 250
    assert c.cmd("RCPT TO:<a@example.net>").code == 250
    assert c.data(dot_stuff(make_message(msgid)))[0].code == 250
    c.quit()
    msgs = sink.wait_messages(1)
    assert len(msgs) == 1 and msgid in msgs[0].header("Message-ID")
    assert pg.events("tls", client_cert="verified"), "the tls log line must say the client certificate was verified"
