"""The tracker engine and the consent store through the running relay (issues 3 and 4 wired into 2).

- Without consent the pixel is removed; with consent (granted through the CLI, same SQLite store)
  it is gated (`/o/`) and the recipient gets a withdrawal footer (`/w/`) in HTML and text; each
  recipient is its own transaction; `Tracking-*` headers never leave; one `decision` line per
  recipient; a withdrawal through the CLI takes effect on the next message at once.
- PostgreSQL stopped mid-run: `on_store_error = strip` delivers with every consent-based tracker
  removed and logs the error; `tempfail` answers 451 4.3.0; neither waits past the store timeout.
"""
from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

from relayproc import binary_path

PIXEL = "https://t.news-mailer.example/wf/open?upn=Qk9Fx7Lm2Zp8Rt4Vw6Yb1Nc3"
CLUSTER = str(Path(__file__).resolve().parent.parent / "scripts" / "pg-test-cluster.sh")


def message(rcpts: list[str]) -> bytes:
    return (
        "From: news@shop.example\r\n"
        f"To: {', '.join(rcpts)}\r\n"
        "Subject: November news\r\n"
        "Message-ID: <nov-1@shop.example>\r\n"
        "Tracking-Purposes: open_measurement\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Hello, our November news.\r\n"
        "--b1\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "\r\n"
        "<html><body><p>Hello, our November news.</p>"
        '<img src="https://cdn.shop.example/logo.png" width="120" height="40" alt="Shop">'
        f'<img src="{PIXEL}" width="1" height="1" alt=""></body></html>\r\n'
        "--b1--\r\n"
    ).encode()


def send(pg, rcpts: list[str]):
    with smtplib.SMTP("127.0.0.1", pg.port, timeout=30) as s:
        s.ehlo("client.example")
        return s.sendmail("news@shop.example", rcpts, message(rcpts))


def parts(raw: bytes) -> dict[str, str]:
    m = message_from_bytes(raw.replace(b"\n", b"\r\n"), policy=policy.default)
    return {p.get_content_type(): p.get_content() for p in m.walk() if p.get_content_maintype() == "text"}


def consent(state: Path, *args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    argv = [str(binary_path()), "consent", *args, "--state-dir", str(state)]
    if config:
        argv += ["--config", str(config)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def by_recipient(sink, count: int) -> dict[str, bytes]:
    return {m.recipients[0]: m.message for m in sink.wait_messages(count) if len(m.recipients) == 1}


def test_consent_decides_per_recipient_and_withdrawal_is_immediate(pixelgate, sink, workdir):
    state = workdir / "state"
    pg = pixelgate('[general]\nhostname = "pixelgate.e2e.test"\n[http]\npublic_url = "https://consent.shop.example"\n',
                   state_dir=state)
    r = consent(state, "grant", "Bob@Example.org", "open_measurement", "--source", "e2e",
                "--evidence", '{"form":"preferences-v2","text":"I accept open measurement"}')
    assert r.returncode == 0, r.stderr

    assert send(pg, ["alice@example.org", "bob@example.org"]) == {}
    got = by_recipient(sink, 2)
    assert set(got) == {"alice@example.org", "bob@example.org"}, "one transaction per recipient"
    for raw in got.values():
        assert b"Tracking-Purposes" not in raw.split(b"\n\n", 1)[0]
    alice, bob = parts(got["alice@example.org"]), parts(got["bob@example.org"])
    assert PIXEL not in alice["text/html"] and "/o/" not in alice["text/html"]
    assert "/w/" not in alice["text/html"] and "/w/" not in alice["text/plain"]
    assert "https://cdn.shop.example/logo.png" in alice["text/html"]
    assert PIXEL not in bob["text/html"], "a kept tracker goes through the gate"
    assert "https://consent.shop.example/o/" in bob["text/html"]
    assert "https://consent.shop.example/w/" in bob["text/html"]
    assert "https://consent.shop.example/w/" in bob["text/plain"]
    assert "Hello, our November news." in alice["text/plain"] and "Hello, our November news." in bob["text/plain"]

    decisions = {d["rcpt"]: d for d in pg.events("decision")}
    assert decisions["alice@example.org"]["kept"] == "0" and decisions["alice@example.org"]["removed"] == "1"
    assert decisions["bob@example.org"]["kept"] == "1" and decisions["bob@example.org"]["footer"] == "withdraw"
    assert decisions["alice@example.org"]["variant"] != decisions["bob@example.org"]["variant"]

    r = consent(state, "withdraw", "bob@example.org")
    assert r.returncode == 0, r.stderr
    for f in sink.dump_files():
        f.unlink()
    assert send(pg, ["bob@example.org"]) == {}
    bob = parts(by_recipient(sink, 1)["bob@example.org"])
    assert "/o/" not in bob["text/html"] and PIXEL not in bob["text/html"]
    assert "/w/" not in bob["text/plain"]
    assert consent(state, "verify").returncode == 0


def test_postgres_stopped_mid_run_follows_on_store_error(pixelgate, sink, workdir):
    short = tempfile.mkdtemp(prefix="pgq", dir="/tmp")   # a Unix socket path must stay under 108 bytes
    os.chmod(short, 0o755)
    env = dict(os.environ, PIXELGATE_TEST_PG_DIR=os.path.join(short, "c"),
               PIXELGATE_TEST_PG_PORT=str(57000 + os.getpid() % 1000))
    out = subprocess.run([CLUSTER, "start"], env=env, capture_output=True, text=True, check=True).stdout
    conninfo = out.strip().split("=", 1)[1].strip('"')
    try:
        store = f'[store]\nbackend = "postgres"\nurl = "{conninfo}"\ntimeout = "1s"\n'
        cfg = workdir / "pg.toml"
        cfg.write_text(store)
        assert consent(workdir, "grant", "carol@example.org", "open_measurement", config=cfg).returncode == 0
        strip = pixelgate(store + 'on_store_error = "strip"\n')
        tempfail = pixelgate(store + 'on_store_error = "tempfail"\n')
        assert send(strip, ["carol@example.org"]) == {}
        assert "/o/" in parts(by_recipient(sink, 1)["carol@example.org"])["text/html"]
        for f in sink.dump_files():
            f.unlink()

        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c",
                        f"/usr/lib/postgresql/15/bin/pg_ctl -D {env['PIXELGATE_TEST_PG_DIR']}/data -m immediate -w stop"],
                       capture_output=True, check=True)
        t0 = time.monotonic()
        assert send(strip, ["carol@example.org"]) == {}
        assert time.monotonic() - t0 < 5, "a lookup never hangs past the store timeout"
        html = parts(by_recipient(sink, 1)["carol@example.org"])["text/html"]
        assert PIXEL not in html and "/o/" not in html, "strip removes every consent-based tracker"
        assert any("consent store" in e.get("reason", "") for e in strip.events("error"))

        t0 = time.monotonic()
        try:
            send(tempfail, ["carol@example.org"])
            raise AssertionError("tempfail must refuse the message")
        except smtplib.SMTPDataError as e:
            assert e.smtp_code == 451, e
        assert time.monotonic() - t0 < 5, "a lookup never hangs past the store timeout"
    finally:
        subprocess.run([CLUSTER, "stop"], env=env, capture_output=True)
        shutil.rmtree(short, ignore_errors=True)


def test_bench_pass_through_planner_bypasses_the_engine_loudly(pixelgate, sink, workdir):
    """PIXELGATE_TEST_VARIANTS=pass-through (bench/run's "relay layer alone" row): the relay's own
    pass-through planner, so the tracker stays and the Tracking-* header leaves unchanged, one
    transaction for both recipients, and a startup warning says the engine is off."""
    pg = pixelgate(env={"PIXELGATE_TEST_VARIANTS": "pass-through"})
    assert "BENCH-ONLY pass-through planner" in pg.stderr_text()
    assert send(pg, ["alice@example.org", "bob@example.org"]) == {}
    [m] = sink.wait_messages(1)
    assert sorted(m.recipients) == ["alice@example.org", "bob@example.org"]
    sent = message(["alice@example.org", "bob@example.org"]).replace(b"\r\n", b"\n")
    assert m.message.endswith(sent), "the message as sent, after the relay's Received field"
    assert PIXEL.encode() in m.message
