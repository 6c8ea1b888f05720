"""Issue 5, "End to end with the real relay": the gate, the one-click withdrawal and the next
message, through `pixelgate serve --upstream file:DIR --http 127.0.0.1:PORT`.

Grant `open_measurement` with `pixelgate consent grant`; send a message whose pixel is declared
`open_measurement` (element attribute, and in a second test the `Tracking-Purposes:` header); take
the gate and withdrawal URLs from the written message (QP/base64 decoded by the email package);
the gate answers 302 to the original URL; GET the withdrawal page (it changes nothing), read its
nonce, POST the form; the gate now answers the 43-byte GIF; the next message to that recipient has
no tracker and no footer; `consent history --json` shows the withdrawal with its evidence.
"""
from __future__ import annotations

import hashlib
import json
import re

from webutil import (CONSENTABLE, GIF43, PIXEL, assert_security_headers, hidden_value, links, post_form,
                     request, text_parts, web_relay)  # noqa: F401  (web_relay is a fixture)

UA = "pixelgate-e2e/1.0 (withdraw test)"


def gate_redirects(url: str) -> None:
    r = request(url)
    assert r.status == 302, r
    assert r.headers["location"] == PIXEL
    assert r.headers["cache-control"] == "no-store"
    assert_security_headers(r)


def gate_is_gif(url: str) -> None:
    r = request(url)
    assert r.status == 200, r
    assert r.headers["content-type"] == "image/gif"
    assert r.body == GIF43 and len(r.body) == 43
    assert r.headers["cache-control"] == "no-store"
    assert "location" not in r.headers


def withdraw_flow(web, addr: str, declare: str) -> None:
    web.consent("grant", addr, "open_measurement", "--source", "e2e",
                "--evidence", '{"form":"signup-v3","text":"I accept open measurement"}')
    first = web.send_and_read(addr, declare=declare)
    found = links(first)
    assert PIXEL not in first.decode("latin-1"), "a kept tracker is only reachable through the gate"
    assert len(found["o"]) == 1, found
    assert len(found["w"]) >= 1, found
    gate, withdraw = found["o"][0], found["w"][0]
    assert gate.startswith(web.base + "/o/") and withdraw.startswith(web.base + "/w/")
    parts = text_parts(first)
    assert withdraw in parts["text/plain"], "the text part carries the withdrawal link too"

    gate_redirects(gate)
    gate_redirects(gate)                     # the gate never changes state

    page = request(withdraw, headers={"User-Agent": UA, "Accept-Language": "en"})
    assert page.status == 200, page
    assert_security_headers(page)
    assert page.headers["content-type"].startswith("text/html")
    assert f'action="/w/{withdraw.rsplit("/", 1)[1]}"' in page.text
    assert page.text.count('type="submit"') == 1 and 'id="withdraw"' in page.text
    assert "<script" not in page.text.lower()
    gate_redirects(gate)                     # GET /w/ changes nothing (link scanners prefetch)
    before = web.history(addr)

    bad = post_form(withdraw, [("nonce", "forged" + "0" * 20)], {"User-Agent": UA})
    assert bad.status == 403, bad
    assert web.history(addr) == before, "a bad nonce changes nothing"
    gate_redirects(gate)

    done = post_form(withdraw, [("nonce", hidden_value(page.text, "nonce"))], {"User-Agent": UA, "Accept-Language": "en"})
    assert done.status == 200, done
    assert 'id="confirmation"' in done.text
    assert_security_headers(done)

    gate_is_gif(gate)
    gate_is_gif(gate)

    second = web.send_and_read(addr, declare=declare)
    assert links(second) == {"o": [], "w": [], "p": []}, "no gate and no footer link for a withdrawn recipient"
    html2 = text_parts(second)["text/html"]
    assert PIXEL not in html2 and "/o/" not in html2 and "/w/" not in html2
    assert "https://cdn.shop.example/logo.png" in html2, "content images stay"
    assert "/w/" not in text_parts(second)["text/plain"]
    decisions = [d for d in web.pg.events("decision") if d.get("rcpt") == addr]
    assert [d["kept"] for d in decisions] == ["1", "0"] and decisions[-1]["removed"] == "1", decisions
    assert decisions[-1]["footer"] == "none"

    history = web.history(addr)
    new = history[len(before):]
    withdrawals = [e for e in new if e["action"] == "withdraw"]
    assert {e["purpose"] for e in withdrawals} == set(CONSENTABLE), "POST /w/ withdraws every consentable purpose"
    assert all(e["source"] == "web" for e in withdrawals)
    for e in withdrawals:
        ev = json.loads(e["evidence"])
        assert ev["method"] == "withdraw_link"
        assert re.fullmatch(r"[0-9a-f]{64}", ev["page_sha256"]), ev
        assert re.fullmatch(r"[0-9a-f]{64}", ev["ip_hash"]), ev
        assert ev["ip_hash"] != hashlib.sha256(b"127.0.0.1").hexdigest(), "the IP is keyed, not a bare hash"
        assert "127.0.0.1" not in e["evidence"]
        assert ev["user_agent"] == UA
        assert set(ev["purposes"]) >= {"open_measurement"}
        assert ev["at"]
    # The page hash is the hash of the page that was shown with the form.
    assert json.loads(withdrawals[0]["evidence"])["page_sha256"] == hashlib.sha256(page.body).hexdigest()
    assert web.cli("consent", "verify").returncode == 0, "the event chain stays valid"


def test_gate_withdraw_and_next_message(web_relay):
    withdraw_flow(web_relay(), "bob@example.org", declare="attribute")


def test_gate_withdraw_with_tracking_purposes_header(web_relay):
    withdraw_flow(web_relay(), "carol@example.org", declare="header")


def test_recipient_without_consent_gets_no_gate(web_relay):
    web = web_relay()
    raw = web.send_and_read("dave@example.org")
    assert links(raw)["o"] == [] and PIXEL not in raw.decode("latin-1")
