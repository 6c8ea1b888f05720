"""Other relay paths a postmaster relies on: a message larger than the in-memory spool, many
concurrent sessions, the dry-run upstream (`--upstream file:DIR`), several upstream hosts tried in
order, an IPv6 listener, `check-config`, and bounded memory per session.
"""
from __future__ import annotations

import base64
import json
import os
import random
import smtplib
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from mailutil import assert_still_relays, make_message, new_msgid, send, strip_relay_received
from peers import free_port, wait_until
from relayproc import binary_path


def big_message(msgid: str, size: int) -> bytes:
    rng = random.Random(7)
    lines = []
    total = 0
    while total < size:
        raw = bytes(rng.getrandbits(8) for _ in range(57))
        line = base64.b64encode(raw)
        if rng.random() < 0.02:
            line = b"." + line                     # dot-stuffing on both sides, deep in the spool
        lines.append(line)
        total += len(line) + 2
    return make_message(msgid, subject="big", body_lines=lines)


def deleted_open_files(pid: int) -> list[str]:
    out = []
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.endswith("(deleted)"):
            out.append(target)
    return out


def test_message_larger_than_memory_spool(pixelgate, sink):
    pg = pixelgate('[server]\nspool_memory_limit = "64k"\n[limits]\nmax_message_size = "20M"\n')
    msgid = new_msgid()
    message = big_message(msgid, 3 * 1024 * 1024)
    assert send(pg.port, "sender@example.org", ["a@example.net", "b@example.net"], message) == {}
    m = sink.wait_messages(1, timeout=60)[0]
    _, rest = strip_relay_received(m.message)
    assert rest == message.replace(b"\r\n", b"\n"), "a spooled-to-disk message must arrive unchanged"
    wait_until(lambda: not deleted_open_files(pg.proc.pid), 10,
               "the spool file to be closed once the session ended")
    leftovers = [p for p in pg.state_dir.rglob("*") if p.is_file() and p.stat().st_size >= 1024 * 1024]
    assert not leftovers, f"spool files left in the state dir: {leftovers}"


def test_concurrent_sessions(pixelgate, sink):
    pg = pixelgate()
    clients, per_client = 12, 4
    msgids = [[new_msgid() for _ in range(per_client)] for _ in range(clients)]
    errors: list[BaseException] = []

    def client(i: int) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", pg.port, timeout=60) as s:
                s.ehlo("client.example.test")
                for msgid in msgids[i]:
                    assert s.sendmail("sender@example.org", [f"c{i}@example.net"], make_message(msgid)) == {}
        except BaseException as e:
            errors.append(e)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    messages = sink.wait_messages(clients * per_client, timeout=60)
    got = Counter((m.header("Message-ID")[0], tuple(m.recipients)) for m in messages)
    want = Counter({(mid, (f"c{i}@example.net",)): 1 for i in range(clients) for mid in msgids[i]})
    assert got == want


def test_dry_run_file_upstream(pixelgate, workdir):
    outbox = workdir / "outbox"
    pg = pixelgate(upstream=f"file:{outbox}")
    msgid = new_msgid()
    message = make_message(msgid, body_lines=[b".dot line", b"end"])
    refused = send(pg.port, "sender@example.org", ["a@example.net", "b@example.net"], message,
                   mail_options=["RET=HDRS", "ENVID=E1"], rcpt_options=["NOTIFY=FAILURE"])
    assert refused == {}
    emls = wait_until(lambda: sorted(outbox.glob("*.eml")), 10, "an .eml file in the outbox")
    assert len(emls) == 1, emls
    envelope = json.loads(emls[0].with_suffix(".env").read_text())
    assert envelope["mail_from"] == "sender@example.org"
    assert sorted(envelope["rcpt_to"]) == ["a@example.net", "b@example.net"]
    _, rest = strip_relay_received(emls[0].read_bytes(), eol=b"\r\n")
    assert rest == message, "the dry-run file holds the message exactly as it would go upstream"
    assert not list(outbox.glob(".*")), "no temporary files may stay behind"


def test_upstream_hosts_tried_in_order(pixelgate, sink):
    dead = free_port()
    pg = pixelgate(f'[upstream]\nhosts = ["127.0.0.1:{dead}", "{sink.address}"]\nconnect_timeout = "3s"\n',
                   upstream="")
    assert_still_relays(pg, sink)


def test_ipv6_listener(pixelgate, sink):
    if not socket_has_ipv6():
        raise AssertionError("this machine has no ::1; the IPv6 listener cannot be tested")
    pg = pixelgate(listen_host="::1")
    msgid = new_msgid()
    with smtplib.SMTP("::1", pg.port, timeout=60) as s:
        s.ehlo("client.example.test")
        assert s.sendmail("sender@example.org", ["a@example.net"], make_message(msgid)) == {}
    m = sink.wait_messages(1)[0]
    assert msgid in m.header("Message-ID")
    assert "::1" in m.header("Received")[0] or "IPv6:" in m.header("Received")[0], m.header("Received")


def socket_has_ipv6() -> bool:
    import socket
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_check_config(workdir):
    good = workdir / "good.toml"
    good.write_text('[limits]\nmax_recipients = 7\n[server]\nbare_newline = "normalize"\n')
    cp = subprocess.run([str(binary_path()), "check-config", "--config", str(good)],
                        capture_output=True, timeout=30)
    out = cp.stdout.decode() + cp.stderr.decode()
    assert cp.returncode == 0, out
    assert "max_recipients" in out and "7" in out, out
    assert "bare_newline" in out and "normalize" in out, out
    bad = workdir / "bad.toml"
    bad.write_text("[limits]\nmax_recipents = 7\n")
    cp = subprocess.run([str(binary_path()), "check-config", "--config", str(bad)],
                        capture_output=True, timeout=30)
    out = cp.stdout.decode() + cp.stderr.decode()
    assert cp.returncode != 0, f"a misspelt key must be an error: {out}"
    assert "max_recipents" in out, f"the error must name the unknown key: {out}"


def test_serve_refuses_bad_config(workdir, sink):
    bad = workdir / "bad.toml"
    bad.write_text('[server]\nbare_newline = "sometimes"\n')
    cp = subprocess.run([str(binary_path()), "serve", "--config", str(bad), "--listen", f"127.0.0.1:{free_port()}",
                         "--upstream", sink.address, "--state-dir", str(workdir)],
                        capture_output=True, timeout=30)
    assert cp.returncode != 0
    assert "bare_newline" in (cp.stdout + cp.stderr).decode(), (cp.stdout + cp.stderr).decode()


def anon_rss_kb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise AssertionError("no RssAnon in /proc status")


def test_memory_per_session_is_bounded(pixelgate, sink):
    """8 concurrent 6 MB messages with spool_memory_limit = 1M: the relay's anonymous memory
    grows by far less than the 48 MB in flight (bodies go to the unlinked spool file)."""
    sessions, size = 8, 6 * 1024 * 1024
    pg = pixelgate('[server]\nspool_memory_limit = "1M"\n')
    template_id = new_msgid()
    template = big_message(template_id, size)
    # distinct Message-IDs: identical bytes from the same sender would be journal duplicates
    messages = [template.replace(template_id.encode(), new_msgid().encode(), 1) for _ in range(sessions)]
    baseline = anon_rss_kb(pg.proc.pid)
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], anon_rss_kb(pg.proc.pid))
            time.sleep(0.02)
    sampler = threading.Thread(target=sample)
    sampler.start()
    errors: list[BaseException] = []

    def client(message: bytes):
        try:
            assert send(pg.port, "sender@example.org", ["a@example.net"], message, timeout=120) == {}
        except BaseException as e:
            errors.append(e)
    clients = [threading.Thread(target=client, args=(m,)) for m in messages]
    for t in clients:
        t.start()
    for t in clients:
        t.join(180)
    done.set()
    sampler.join()
    assert not errors, errors
    sink.wait_messages(sessions, timeout=60)
    grown_mb = (peak[0] - baseline) / 1024
    limit_mb = sessions * (1 + 3)          # spool_memory_limit plus 3 MB of buffers per session
    assert grown_mb < limit_mb, f"anonymous memory grew by {grown_mb:.1f} MB for {sessions} sessions " \
                                f"(limit {limit_mb} MB; {sessions * size / 2**20:.0f} MB were in flight)"
