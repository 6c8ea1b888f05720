"""The fault matrix (issue 6, part 2): every fault under load, with a real Postfix doing the retries.

Set-up per fault: a private Postfix (postfixpeer.py, backoff 1-2 s and queue_run_delay 1 s so
retries come fast) relays to pixelgate, which relays to a scriptable upstream (faultupstream.py).
Five client sessions (loadgen.py) send continuously into Postfix, each message with a unique
Message-ID. The fault starts after a warm-up, lasts a few seconds, is healed, load stops, and the
Postfix queue is drained.

What must hold after each fault (checked per Message-ID):
- every message the load client saw acknowledged with 250 arrived upstream exactly once, or, for
  the 5xx faults, was bounced by Postfix and never delivered (how: Postfix's maillog maps each
  queue id to its Message-ID (cleanup `message-id=`) and gives `status=bounced` / `deferred` /
  `sent`; the upstream counts deliveries per Message-ID at the end of DATA);
- the fault really happened: for the 4xx faults Postfix logged deferrals that were later retried
  (`retried` column), for the 5xx faults it bounced some messages;
- nothing is lost (`lost` = acknowledged, never delivered, not bounced) and nothing is duplicated,
  except inside the two documented windows: SIGKILL of pixelgate after upstream's 250 and before
  ours, and the upstream dying after its own 250 (RFC 1047). A duplicate counts as "in the window"
  only when its first copy was accepted upstream at most WINDOW_SLACK s before the killed process
  was seen dead (other sessions may be inside the window at the same moment); any
  other duplicate fails the row. One row forces the window (the upstream SIGKILLs pixelgate after
  accepting a message, before writing its 250) and requires that message to be duplicated: the
  window is real, and only messages inside it (one per session in flight, at most) are duplicated. The matrix and "N passed, N failed" print at the end
  (faultmatrix_report.py); the SIGKILL window itself is measured by a direct probe (time from
  the upstream writing 250 to the client reading pixelgate's 250, same clock).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import pytest

import faultmatrix_report as report
from faultupstream import FaultUpstream
from loadgen import RECIPIENT, SENDER, LoadGen, plain_message
from peers import wait_until
from rawsmtp import RawSMTP, dot_stuff

pytest_plugins = ["faultmatrix_report"]

WARMUP, FAULT_SECONDS, AFTER = 1.5, 3.0, 1.0
DRAIN_DEADLINE = 90.0
WINDOW_SLACK = 1.0
POSTFIX_FAST_RETRY = {"minimal_backoff_time": "1s", "maximal_backoff_time": "2s", "queue_run_delay": "1s",
                      "smtp_connect_timeout": "2s"}
RELAY_CONFIG = ('[server]\nshutdown_grace = "10s"\n'
                '[upstream]\nconnect_timeout = "2s"\ncommand_timeout = "2s"\ndata_timeout = "2s"\n')
CLUSTER = str(Path(__file__).resolve().parent.parent / "scripts" / "pg-test-cluster.sh")
PG_BIN = "/usr/lib/postgresql/15/bin"
PIXEL = "https://t.news-mailer.example/wf/open?upn=Qk9Fx7Lm2Zp8Rt4Vw6Yb1Nc3"


def tracker_message(msgid: str) -> bytes:
    """A newsletter with a declared open-measurement pixel, so every message needs a consent lookup."""
    return (f"From: <{SENDER}>\r\nTo: <{RECIPIENT}>\r\nSubject: fault matrix news\r\nMessage-ID: {msgid}\r\n"
            "Tracking-Purposes: open_measurement\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "News of the week.\r\n" * 10 +
            "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>" + "<p>News of the week.</p>\r\n" * 10 +
            f'<img src="{PIXEL}" width="1" height="1" alt=""></body></html>\r\n--b1--\r\n').encode()


# ------------------------------------------------------------------------------------- cases --

@dataclass
class Ctx:
    up: FaultUpstream
    pg: object
    pf: object
    workdir: Path
    kills: list[float] = field(default_factory=list)
    upstream_kills: list[float] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cluster: Optional[dict] = None


@dataclass
class Case:
    id: str
    upstream: dict = field(default_factory=dict)
    expect: str = "retry"              # retry | bounce | none
    config: str = ""
    message: Callable[[str], bytes] = plain_message
    store: bool = False
    inject: Callable[[Ctx], None] = lambda c: c.up.activate()
    heal: Callable[[Ctx], None] = lambda c: c.up.heal()
    dup_window: str = ""               # "" | "pixelgate" | "upstream": where duplicates may be tolerated
    measure: bool = False              # measure the SIGKILL window with a direct probe first
    min_dups: int = 0                  # duplicates required (the forced-window row proves the window)


def kill_upstream(c: Ctx) -> None:
    c.upstream_kills.append(time.monotonic())
    c.up.kill()


def sigterm(c: Ctx) -> None:
    code = c.pg.stop()                                   # SIGTERM, waits for the exit (fails after 30 s)
    c.notes.append(f"SIGTERM exit {code} in {c.pg.exit_seconds:.1f}s")
    assert code == 0, f"SIGTERM must exit 0, got {code}"


SIGKILLS = 5


def sigkill_repeatedly(c: Ctx) -> None:
    for i in range(SIGKILLS):
        if i:
            time.sleep(0.6)
        c.pg.proc.kill()
        c.pg.proc.wait(10)
        c.kills.append(time.monotonic())      # the moment it is dead: anything accepted before is in the window
        c.pg._close_files()
        time.sleep(0.3)
        c.pg.start()


def sigkill_inside_window(c: Ctx) -> None:
    """The upstream has accepted a message and is about to write 250: SIGKILL pixelgate right there."""
    def kill(msgid: str) -> None:
        c.notes.append(f"killed after upstream accepted {msgid}")
        os.kill(c.pg.proc.pid, signal.SIGKILL)
        c.pg.proc.wait(10)
        c.kills.append(time.monotonic())      # other sessions' messages accepted until now are in it too
    c.up.accept_hook = kill
    c.up.activate()


def restart_after_kill(c: Ctx) -> None:
    c.up.heal()
    wait_until(lambda: c.kills, 10, "the forced kill")
    c.pg.proc.wait(10)
    c.pg._close_files()
    c.pg.start()


def clients_vanish_mid_data(c: Ctx) -> None:
    """Ten direct sessions to pixelgate that stop halfway through DATA and close."""
    deadline = time.monotonic() + FAULT_SECONDS
    n = 0
    while time.monotonic() < deadline and n < 10:
        msgid = f"<vanish.{n}@load.example.test>"
        c.probes.append(msgid)
        s = RawSMTP("127.0.0.1", c.pg.port)
        s.ehlo()
        assert s.cmd(f"MAIL FROM:<{SENDER}>").code == 250
        assert s.cmd(f"RCPT TO:<{RECIPIENT}>").code == 250
        assert s.cmd("DATA").code == 354
        s.send_raw(dot_stuff(plain_message(msgid))[:900])
        s.close()
        n += 1
        time.sleep(FAULT_SECONDS / 12)


def pg_stop(c: Ctx) -> None:
    d = c.cluster["dir"]
    subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", f"{PG_BIN}/pg_ctl -D {d}/data -m immediate -w stop"],
                   capture_output=True, check=True, timeout=60)


def pg_start(c: Ctx) -> None:
    d, port = c.cluster["dir"], c.cluster["port"]
    opts = f"-k {d}/sock -p {port} -c listen_addresses='' -c max_connections=200 -c fsync=off"
    subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c",
                    f'{PG_BIN}/pg_ctl -D {d}/data -l {d}/server.log -w -o "{opts}" start'],
                   capture_output=True, check=True, timeout=60)


def reply_case(code: str, command: str) -> Case:
    text = {"421": "421 4.3.2 Service shutting down, closing channel", "451": "451 4.3.0 Temporary failure, try later",
            "554": "554 5.7.1 Rejected by upstream policy"}[code]
    return Case(f"upstream {code} at {command}" + (" (end of DATA)" if command == "DATA" else ""),
                upstream={"reply_at": (command, text)}, expect="bounce" if code == "554" else "retry")


CASES = [
    Case("upstream down at start", upstream={"down_at_start": True}, inject=lambda c: None,
         heal=lambda c: c.up.restart()),
    Case("upstream killed mid-run, restarted", inject=kill_upstream, heal=lambda c: c.up.restart(),
         dup_window="upstream"),
    *[reply_case(code, cmd) for code in ("421", "451", "554") for cmd in ("MAIL", "RCPT", "DATA")],
    Case("upstream stalls at MAIL past timeout", upstream={"stall_mail": 4.0}),
    Case("upstream closes mid-DATA", upstream={"hangup_in_data": True}),
    Case("client closes mid-DATA", expect="none", inject=clients_vanish_mid_data, heal=lambda c: None),
    Case("store down, on_store_error=strip", expect="none", store=True, message=tracker_message,
         config='on_store_error = "strip"\n', inject=pg_stop, heal=pg_start),
    Case("store down, on_store_error=tempfail", store=True, message=tracker_message,
         config='on_store_error = "tempfail"\n', inject=pg_stop, heal=pg_start),
    Case("pixelgate SIGTERM, restarted", inject=sigterm, heal=lambda c: c.pg.start()),
    Case(f"pixelgate SIGKILL x{SIGKILLS}, restarted", inject=sigkill_repeatedly, heal=lambda c: None,
         dup_window="pixelgate", measure=True),
    Case("pixelgate SIGKILL forced inside the window", inject=sigkill_inside_window, heal=restart_after_kill,
         dup_window="pixelgate", min_dups=1),
]


# ------------------------------------------------------------------------------ postfix log --

def postfix_outcomes(log: str, prefix: str) -> dict[str, set[str]]:
    """Message-IDs (of this case) by Postfix delivery status: sent, deferred, bounced."""
    qid_to_msgid: dict[str, str] = {}
    for m in re.finditer(r"/cleanup\[\d+\]: (\w+): message-id=(<[^>]*>)", log):
        qid_to_msgid[m.group(1)] = m.group(2)
    out: dict[str, set[str]] = {"sent": set(), "deferred": set(), "bounced": set()}
    for m in re.finditer(r"/(?:smtp|lmtp)\[\d+\]: (\w+): to=<[^>]*>.*status=(sent|deferred|bounced)", log):
        msgid = qid_to_msgid.get(m.group(1))
        if msgid and msgid.startswith(f"<{prefix}."):
            out[m.group(2)].add(msgid)
    return out


# ---------------------------------------------------------------------------------- fixture --

@pytest.fixture(scope="module")
def pg_cluster():
    short = tempfile.mkdtemp(prefix="pgfm", dir="/tmp")    # a Unix socket path must stay short
    os.chmod(short, 0o755)
    d, port = os.path.join(short, "c"), 58000 + os.getpid() % 1000
    env = dict(os.environ, PIXELGATE_TEST_PG_DIR=d, PIXELGATE_TEST_PG_PORT=str(port))
    out = subprocess.run([CLUSTER, "start"], env=env, capture_output=True, text=True, check=True, timeout=300).stdout
    conninfo = out.strip().split("=", 1)[1].strip('"')
    yield {"dir": d, "port": port, "conninfo": conninfo}
    subprocess.run([CLUSTER, "stop"], env=env, capture_output=True, timeout=120)
    shutil.rmtree(short, ignore_errors=True)


def measure_window(c: Ctx, count: int = 100) -> list[float]:
    """Seconds from the upstream writing 250 at the end of DATA to the client reading ours."""
    s = RawSMTP("127.0.0.1", c.pg.port)
    s.ehlo()
    windows = []
    for i in range(count):
        msgid = f"<probe.{i}@window.example.test>"
        assert s.cmd(f"MAIL FROM:<{SENDER}>").code == 250
        assert s.cmd(f"RCPT TO:<{RECIPIENT}>").code == 250
        replies = s.data(dot_stuff(plain_message(msgid)))
        got = time.monotonic()
        assert replies[0].code == 250, str(replies[0])
        windows.append(got - c.up.accepted_at[msgid])
    s.quit()
    return windows


# ------------------------------------------------------------------------------------- test --

def short_id(c: Case) -> str:
    """A short test id: the test's directory holds Postfix's Unix sockets (sun_path <= 108 bytes)."""
    words = (c.id.replace("pixelgate ", "").replace("upstream ", "up-").replace("on_store_error=", "")
             .replace(" (end of DATA)", "").replace(" inside the window", "-in-window").replace(", restarted", ""))
    return re.sub(r"[^A-Za-z0-9]+", "-", words).strip("-")[:28]


@pytest.mark.parametrize("case", CASES, ids=[short_id(c) for c in CASES])
def test_fault(case: Case, pixelgate, postfix_instance, workdir, request):
    prefix = re.sub(r"[^a-z0-9]+", "-", case.id.lower()).strip("-")
    up = FaultUpstream(**case.upstream)
    request.addfinalizer(up.stop)
    cluster = request.getfixturevalue("pg_cluster") if case.store else None
    config = RELAY_CONFIG
    if cluster:
        config += f'[store]\nbackend = "postgres"\nurl = "{cluster["conninfo"]}"\ntimeout = "1s"\n{case.config}'
    pg = pixelgate(config, upstream=up.address, state_dir=workdir / "state")
    pf = postfix_instance(relay_port=pg.port, extra_main=POSTFIX_FAST_RETRY)
    ctx = Ctx(up=up, pg=pg, pf=pf, workdir=workdir, cluster=cluster)
    if case.measure:
        w = sorted(measure_window(ctx))
        report.WINDOW.update({"n": len(w), "median_ms": round(statistics.median(w) * 1000, 2),
                              "p95_ms": round(w[int(len(w) * 0.95)] * 1000, 2),
                              "max_ms": round(w[-1] * 1000, 2)})

    load = LoadGen(pf.smtp_port, prefix, make=case.message).start()
    try:
        time.sleep(WARMUP)
        case.inject(ctx)
        time.sleep(FAULT_SECONDS)
        case.heal(ctx)
        time.sleep(AFTER)
    finally:
        load.stop()

    acked = list(load.acked)
    counts = up.counts()

    def settled():
        pf.flush()
        outcomes = postfix_outcomes(pf.log(), prefix)
        now = up.counts()
        pending = [m for m in acked if now[m] == 0 and m not in outcomes["bounced"]]
        return (not pending and "Mail queue is empty" in pf.queue_listing()) and (now, outcomes)
    try:
        counts, outcomes = wait_until(settled, DRAIN_DEADLINE, "every acknowledged message delivered or bounced",
                                      interval=2)
    except AssertionError:
        counts, outcomes = up.counts(), postfix_outcomes(pf.log(), prefix)
    time.sleep(0.5)
    counts = up.counts()

    lost = [m for m in acked if counts[m] == 0 and m not in outcomes["bounced"]]
    dups = [m for m in acked if counts[m] > 1]
    bounced_delivered = [m for m in outcomes["bounced"] if counts[m] > 0]
    kills = ctx.kills if case.dup_window == "pixelgate" else ctx.upstream_kills
    in_window = [m for m in dups if any(0 <= k - up.accepted_at.get(m, -1e9) <= WINDOW_SLACK for k in kills)]
    problems = []
    if not acked:
        problems.append("no message acknowledged: no load")
    if lost:
        problems.append(f"{len(lost)} lost, e.g. {lost[:3]}")
    if bounced_delivered:
        problems.append(f"{len(bounced_delivered)} bounced yet delivered")
    if len(in_window) != len(dups):
        problems.append(f"{len(dups) - len(in_window)} duplicate(s) outside any documented window: "
                        f"{[m for m in dups if m not in in_window][:3]}")
    if len(dups) < case.min_dups:
        problems.append(f"expected at least {case.min_dups} duplicate(s) from the forced kill, got {len(dups)}")
    if case.expect == "retry" and not outcomes["deferred"]:
        problems.append("the fault caused no deferral: it did not take effect")
    if case.expect == "bounce" and not outcomes["bounced"]:
        problems.append("the 5xx fault bounced nothing: it did not take effect")
    if case.expect != "bounce" and outcomes["bounced"]:
        problems.append(f"{len(outcomes['bounced'])} bounced under a temporary fault")
    if case.expect == "bounce":
        refused_at_upstream = up.fault_hits
        if refused_at_upstream == 0:
            problems.append("upstream never refused anything")
    if ctx.probes:
        arrived = [m for m in ctx.probes if counts[m] > 0]
        if arrived:
            problems.append(f"{len(arrived)} message(s) of vanished clients were relayed")
    if case.store:
        errors = [e for e in pg.events("error") if "store" in (e.get("reason", "") + e.get("what", "")).lower()]
        ctx.notes.append(f"{len(errors)} store error lines")
        if not errors:
            problems.append("no consent-store error was logged while the store was down")
    if not pg.alive():
        problems.append("pixelgate is not running at the end")
    if dups:
        ctx.notes.append(f"{len(dups)} dup(s) in the {case.dup_window} window")
    if ctx.kills:
        ctx.notes.append(f"{len(ctx.kills)} kills, {len(dups)} dup(s)")
    if ctx.probes:
        ctx.notes.append(f"{len(ctx.probes)} vanished clients, none relayed" if "relayed" not in " ".join(problems) else "")
    if case.expect == "bounce":
        ctx.notes.append(f"upstream refused {up.fault_hits}x")

    report.record({
        "fault": case.id, "acked": len(acked), "delivered": sum(1 for m in acked if counts[m] > 0),
        "retried": len(outcomes["deferred"]), "bounced": len(outcomes["bounced"]), "lost": len(lost),
        "dups": len(dups), "result": "fail" if problems else "pass",
        "note": "; ".join(n for n in ctx.notes + problems if n),
    })
    assert not problems, f"{case.id}: " + "; ".join(problems)
