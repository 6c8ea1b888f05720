"""Issue 5, `GET /metrics`: after mail and gate hits, the Prometheus text shows the counts —
messages by outcome, recipients, trackers found (per message) / kept / removed (per recipient) by
purpose and vector, upstream replies by class, gate hits by outcome, and the relay latency
histogram. The exposition must parse line by line (HELP/TYPE for every family).
"""
from __future__ import annotations

import re
import smtplib

import pytest

from webutil import metric, parse_metrics, request, links, web_relay  # noqa: F401  (web_relay is a fixture)

OM = {"purpose": "open_measurement", "vector": "img"}


def test_metrics_count_mail_trackers_replies_and_gate_hits(web_relay):
    web = web_relay()
    m0 = web.metrics()
    assert metric(m0, "pixelgate_messages_total", outcome="planned") == 0
    assert metric(m0, "pixelgate_gate_hits_total", outcome="redirect") == 0
    assert metric(m0, "pixelgate_relay_duration_seconds_count") == 0
    assert metric(m0, "pixelgate_start_time_seconds") > 1.7e9

    web.consent("grant", "bob@example.org", "open_measurement")
    gate = links(web.send_and_read("bob@example.org"))["o"][0]          # kept for bob
    web.send_and_read("alice@example.org")                               # removed for alice
    web.send(["bob@example.org", "alice@example.org"])                   # one message, two variants
    web.wait_messages(4)
    with pytest.raises(smtplib.SMTPDataError) as refused:                # UTF-16 HTML: cannot be scanned -> 554
        web.send("carol@example.org", html_charset="utf-16")
    assert refused.value.smtp_code == 554

    assert request(gate).status == 302
    assert request(gate).status == 302
    assert request(web.url("/o/forged-token")).status == 200
    web.consent("withdraw", "bob@example.org")
    assert request(gate).status == 200

    m = web.metrics()
    assert metric(m, "pixelgate_messages_total", outcome="planned") == 3
    assert metric(m, "pixelgate_messages_total", outcome="rejected") == 1
    assert metric(m, "pixelgate_messages_total", outcome="tempfail") == 0
    assert metric(m, "pixelgate_recipients_total") == 4
    assert metric(m, "pixelgate_trackers_found_total", **OM) == 3
    assert metric(m, "pixelgate_trackers_kept_total", **OM) == 2
    assert metric(m, "pixelgate_trackers_removed_total", **OM) == 2
    assert metric(m, "pixelgate_upstream_replies_total", **{"class": "2xx"}) == 4
    assert metric(m, "pixelgate_upstream_replies_total", **{"class": "5xx"}) == 0
    assert metric(m, "pixelgate_gate_hits_total", outcome="redirect") == 2
    assert metric(m, "pixelgate_gate_hits_total", outcome="gif") == 1
    assert metric(m, "pixelgate_gate_hits_total", outcome="invalid") == 1

    count = metric(m, "pixelgate_relay_duration_seconds_count")
    assert count == 3
    assert 0 < metric(m, "pixelgate_relay_duration_seconds_sum") < 60
    buckets = sorted(((float(dict(l)["le"]), v) for (n, l), v in m.items() if n == "pixelgate_relay_duration_seconds_bucket"))
    assert buckets[-1] == (float("inf"), count)
    assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "buckets are cumulative"


def test_upstream_reply_classes(web_relay, fake_upstream):
    up = fake_upstream(on_data_end=lambda t: "550 5.7.1 refused here" if "refused@example.org" in t.rcpts
                       else "451 4.3.0 try later" if "later@example.org" in t.rcpts else None)
    web = web_relay(upstream=up.address)
    web.send("ok@example.org")
    for rcpt, exc in [("refused@example.org", smtplib.SMTPDataError), ("later@example.org", smtplib.SMTPDataError)]:
        with pytest.raises(exc):
            web.send(rcpt)
    m = web.metrics()
    assert metric(m, "pixelgate_upstream_replies_total", **{"class": "2xx"}) == 1
    assert metric(m, "pixelgate_upstream_replies_total", **{"class": "4xx"}) == 1
    assert metric(m, "pixelgate_upstream_replies_total", **{"class": "5xx"}) == 1
    assert metric(m, "pixelgate_relay_duration_seconds_count") == 3


def test_exposition_format(web_relay):
    web = web_relay()
    r = request(web.url("/metrics"))
    assert r.status == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert r.text.endswith("\n")
    families = re.findall(r"^# TYPE (\S+) (counter|gauge|histogram)$", r.text, re.M)
    helps = re.findall(r"^# HELP (\S+) .+$", r.text, re.M)
    assert [f for f, _ in families] == helps, "one HELP before each TYPE"
    names = {f for f, _ in families}
    for want in ["pixelgate_messages_total", "pixelgate_recipients_total", "pixelgate_trackers_found_total",
                 "pixelgate_trackers_kept_total", "pixelgate_trackers_removed_total", "pixelgate_upstream_replies_total",
                 "pixelgate_gate_hits_total", "pixelgate_relay_duration_seconds"]:
        assert want in names, want
    samples = parse_metrics(r.text)
    for (name, _labels) in samples:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in names or base in names, f"sample {name} has no TYPE line"


def test_counters_survive_a_reload(web_relay):
    import signal
    web = web_relay()
    web.send_and_read("a@example.org")
    assert request(web.url("/o/forged")).status == 200
    web.pg.signal(signal.SIGHUP)
    web.pg.wait_event("reload", status="ok")
    web.send_and_read("b@example.org")                    # planned by the reloaded planner
    m = web.metrics()
    assert metric(m, "pixelgate_messages_total", outcome="planned") == 2
    assert metric(m, "pixelgate_trackers_removed_total", **OM) == 2
    assert metric(m, "pixelgate_gate_hits_total", outcome="invalid") == 1


def test_hostile_purpose_ids_cannot_create_series(web_relay):
    web = web_relay()
    hostile = [f"evil_{i}_{'x' * 40}" for i in range(5)]
    for h in hostile:
        web.send_and_read("mallory@example.org", purpose=h)
    web.send_and_read("mallory@example.org", purpose="open_measurement anonymous_statistics")
    m = web.metrics()
    assert metric(m, "pixelgate_trackers_found_total", purpose="unknown", vector="img") == 5
    assert metric(m, "pixelgate_trackers_removed_total", purpose="unknown", vector="img") == 5
    text = request(web.url("/metrics")).text
    assert "evil_" not in text
    labels = {dict(l).get("purpose") for (n, l), _ in m.items() if n == "pixelgate_trackers_found_total"}
    assert labels <= {"unknown", "none", "open_measurement", "open_measurement+anonymous_statistics"}, labels
    assert labels == {"unknown", "open_measurement+anonymous_statistics"}, labels
