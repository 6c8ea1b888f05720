"""Issue 5, "Bad input": forged tokens, oversize request line / headers / body, slow clients,
malformed requests, invalid JSON and missing bearer on the API, the API rate limit. Each gets a
clear 4xx (or 5xx for what the server does not implement), and after each `/healthz` still answers
200: the server stays up. Malformed requests go over raw sockets (exact bytes).
"""
from __future__ import annotations

import json
import socket
import threading
import time

from webutil import (API_TOKEN, GIF43, assert_security_headers, hidden_value, links, post_form, raw_exchange, request,
                     status_of, web_relay)  # noqa: F401  (web_relay is a fixture)

READ_TIMEOUT = 2


def flip(token: str, i: int) -> str:
    c = token[i]
    return token[:i] + ("A" if c != "A" else "B") + token[i + 1:]


def test_forged_altered_and_wrong_kind_tokens(web_relay):
    web = web_relay()
    web.consent("grant", "bob@example.org", "open_measurement")
    found = links(web.send_and_read("bob@example.org"))
    gate, withdraw = found["o"][0], found["w"][0]
    gtok, wtok = gate.rsplit("/", 1)[1], withdraw.rsplit("/", 1)[1]
    before = web.history("bob@example.org")

    for bad in ["x", "A" * 200, flip(gtok, len(gtok) // 2), flip(gtok, 3), gtok[:-4], gtok + "AA", wtok, "%00%ff", "..%2f..%2fetc"]:
        r = request(web.url(f"/o/{bad}"))
        assert r.status == 200 and r.body == GIF43, (bad, r)
        assert r.headers["cache-control"] == "no-store" and "location" not in r.headers
        assert_security_headers(r)
    assert request(gate).status == 302, "the genuine token still opens the gate"

    for path in [f"/w/{flip(wtok, 5)}", f"/w/{gtok}", "/w/forged", f"/p/{gtok}", "/p/forged", f"/p/{flip(wtok, 7)}"]:
        r = request(web.url(path))
        assert r.status == 404, (path, r)
        assert r.headers["content-type"].startswith("text/html")
        assert_security_headers(r)
        r = post_form(web.url(path), [("nonce", "x"), ("action", "refuse_all")])
        assert r.status == 404, (path, r)
    assert web.history("bob@example.org") == before, "forged tokens change nothing"
    assert request(gate).status == 302
    web.assert_healthy()


def test_unknown_paths_methods_and_malformed_requests(web_relay):
    web = web_relay()
    assert request(web.url("/nothing/here")).status == 404
    r = request(web.url("/api/v1/nothing"))
    assert r.status == 404 and "error" in r.json()
    r = request(web.url("/o/abc"), method="DELETE")
    assert r.status == 405 and "GET" in r.headers["allow"], r
    r = request(web.url("/healthz"), method="POST", body=b"")
    assert r.status == 405
    cases = {
        b"GARBAGE\r\n\r\n": 400,
        b"GET /healthz HTTP/1.1\r\n\r\n": 400,                                   # no Host
        b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n": 505,
        b"GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n": 400,             # not origin-form
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n": 400,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n": 400,
        b"POST /api/v1/consents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n": 501,
        b"POST /api/v1/consents HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n": 400,
        b"POST /api/v1/consents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!": 400,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n": 400,   # a TLS hello
    }
    for data, want in cases.items():
        got = raw_exchange(web.http_port, data, wait=READ_TIMEOUT + 8)
        assert status_of(got) == want, (data[:60], got[:300])
        web.assert_healthy()


def test_oversize_line_headers_and_body(web_relay):
    web = web_relay('max_request_line = 1024\nmax_header_bytes = 4096\nmax_body = 8192\n')
    port = web.http_port
    line = b"GET /o/" + b"A" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert status_of(raw_exchange(port, line)) == 414
    web.assert_healthy()
    endless_line = b"GET /" + b"B" * 200_000             # never ends: refused without reading it all
    assert status_of(raw_exchange(port, endless_line)) == 414
    web.assert_healthy()
    big_header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"C" * 6000 + b"\r\n\r\n"
    assert status_of(raw_exchange(port, big_header)) == 431
    many = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(2000)) + b"\r\n"
    assert status_of(raw_exchange(port, many)) == 431
    web.assert_healthy()
    body = b'{"address":"a@example.org","action":"grant","purposes":["open_measurement"],"pad":"' + b"D" * 9000 + b'"}'
    req = (b"POST /api/v1/consents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Authorization: Bearer " + API_TOKEN.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    assert status_of(raw_exchange(port, req)) == 413
    announced = b"POST /w/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n"   # 10 GB announced, nothing sent
    got = raw_exchange(port, announced, wait=5)
    assert status_of(got) == 413, got[:200]
    web.assert_healthy()
    assert request(web.url("/api/v1/consents/a@example.org"), headers={"Authorization": f"Bearer {API_TOKEN}"}).json()["purposes"]["open_measurement"]["granted"] is False


def test_slow_clients_time_out_and_do_not_block_others(web_relay):
    web = web_relay(f'read_timeout = "{READ_TIMEOUT}s"\n')
    port = web.http_port
    slow = []
    for part in [b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"GET /he", b"POST /api/v1/consents HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"addr"]:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(part)
        slow.append((s, time.monotonic()))
    # While three clients hang half-way, others are served at once.
    for _ in range(5):
        web.assert_healthy()
    for s, t0 in slow:
        s.settimeout(READ_TIMEOUT + 10)
        got = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except ConnectionResetError:
            pass
        waited = time.monotonic() - t0
        s.close()
        assert waited < READ_TIMEOUT + 8, f"slow client kept for {waited:.1f} s"
        assert got == b"" or status_of(got) == 408, got[:200]
    # A trickle (one byte a second) cannot stretch the deadline either.
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    t0 = time.monotonic()
    closed = False
    for b in b"GET /healthz HTTP/1.1\r\nHost: trickle\r\nX-A: " + b"a" * 60:
        try:
            s.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        time.sleep(0.25)
        if time.monotonic() - t0 > READ_TIMEOUT + 8:
            break
    if not closed:
        s.settimeout(5)
        try:
            got = s.recv(4096)
            closed = got == b"" or status_of(got) == 408
        except (ConnectionResetError, socket.timeout):
            closed = True
    s.close()
    assert closed, "a trickling client was not cut off at read_timeout"
    assert time.monotonic() - t0 < READ_TIMEOUT + 9
    web.assert_healthy()


def api(web, body: bytes | str, token: str | None = API_TOKEN, ctype: str = "application/json", headers=None):
    h = {"Content-Type": ctype, **(headers or {})}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    return request(web.url("/api/v1/consents"), "POST", body, h)


def test_api_auth_and_invalid_json(web_relay):
    web = web_relay()
    good = json.dumps({"address": "eve@example.org", "action": "grant", "purposes": ["open_measurement"],
                       "evidence": {"form": "signup"}})
    r = api(web, good, token=None)
    assert r.status == 401 and r.headers["www-authenticate"].startswith("Bearer"), r
    assert "error" in r.json()
    r = api(web, good, token="wrong-token-wrong-token")
    assert r.status == 401 and r.headers["www-authenticate"].startswith("Bearer"), r
    r = request(web.url("/api/v1/consents/eve@example.org"), headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert r.status == 401, r
    r = request(web.url("/api/v1/consents/eve@example.org/history"))
    assert r.status == 401, r
    bad_bodies = [
        b"{not json", b"", b"[]", b'"grant"', b"\xff\xfe\x00", b'{"address": "eve@example.org"',
        json.dumps({"action": "grant", "purposes": ["open_measurement"]}),
        json.dumps({"address": "eve@example.org", "purposes": ["open_measurement"]}),
        json.dumps({"address": "eve@example.org", "action": "grant"}),
        json.dumps({"address": "eve@example.org", "action": "grant", "purposes": []}),
        json.dumps({"address": "eve@example.org", "action": "maybe", "purposes": ["open_measurement"]}),
        json.dumps({"address": "eve@example.org", "action": "grant", "purposes": ["mind_reading"]}),
        json.dumps({"address": "eve@example.org", "action": "grant", "purposes": [42]}),
        json.dumps({"address": "eve@example.org", "action": "grant", "purposes": ["open_measurement"], "evidence": "text"}),
        json.dumps({"address": "eve@example.org", "action": "grant", "purposes": ["open_measurement"], "at": "yesterday"}),
        json.dumps({"address": "eve@example.org", "action": "grant", "purposes": ["open_measurement"], "sneaky": 1}),
    ]
    for b in bad_bodies:
        r = api(web, b)
        assert r.status == 400, (b, r)
        assert r.headers["content-type"].startswith("application/json")
        assert isinstance(r.json()["error"], str) and r.json()["error"], r
    r = api(web, good, ctype="text/plain")
    assert r.status in (400, 415), r
    state = request(web.url("/api/v1/consents/eve@example.org"), headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert state.status == 200 and state.json()["purposes"]["open_measurement"]["granted"] is False, "bad calls wrote nothing"
    assert web.history("eve@example.org") == []
    r = api(web, good)
    assert r.status == 201, r
    events = r.json()["events"]
    assert [e["purpose"] for e in events] == ["open_measurement"] and events[0]["source"] == "api"
    assert events[0]["evidence"]["method"] == "api" and events[0]["evidence"]["form"] == "signup"
    web.assert_healthy()


def test_api_rate_limit_per_client(web_relay):
    web = web_relay("api_rate_limit = 5\n")
    url = web.url("/api/v1/consents/zed@example.org")
    statuses = []
    for i in range(8):
        # A spoofed X-Forwarded-For from an untrusted peer must not give a fresh bucket.
        r = request(url, headers={"Authorization": f"Bearer {API_TOKEN}", "X-Forwarded-For": f"198.51.100.{i}"})
        statuses.append(r.status)
        if r.status == 429:
            assert int(r.headers["retry-after"]) >= 1, r.headers
            assert "error" in r.json()
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3, statuses
    r = request(url)                                        # unauthenticated calls count too
    assert r.status == 429
    web.assert_healthy()                                    # other routes are not limited
    assert request(web.url("/o/whatever")).body == GIF43


def test_rate_limit_follows_x_forwarded_for_only_from_trusted_proxies(web_relay):
    web = web_relay('api_rate_limit = 2\ntrusted_proxies = ["127.0.0.1/32"]\n')
    url = web.url("/api/v1/consents/zed@example.org")
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    # Behind a trusted proxy each forwarded client has its own bucket.
    for client in ["203.0.113.7", "203.0.113.8"]:
        got = [request(url, headers={**auth, "X-Forwarded-For": client}).status for _ in range(3)]
        assert got == [200, 200, 429], (client, got)
    # The proxy's own requests (no header) are a third client.
    assert [request(url, headers=auth).status for _ in range(3)] == [200, 200, 429]
    # The client is the last untrusted hop: a forged first hop cannot pick another bucket.
    r = request(url, headers={**auth, "X-Forwarded-For": "198.51.100.99, 203.0.113.7"})
    assert r.status == 429, r
    web.assert_healthy()


def test_connection_flood_and_abrupt_closes(web_relay):
    web = web_relay()
    port = web.http_port
    errors: list[str] = []

    def hammer(n: int) -> None:
        for i in range(n):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                    if i % 3 == 0:
                        s.sendall(b"GET /o/abc HTTP/1.1\r\nHost: x\r\n")      # close mid-head
                    elif i % 3 == 1:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        s.sendall(b"GET /o/abc HTTP/1.1\r\nHost: x\r\n\r\n")  # then RST
                    else:
                        s.sendall(b"GET /o/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        if status_of(s.recv(4096)) != 200:
                            errors.append("bad gate answer")
            except OSError as e:
                errors.append(str(e))

    threads = [threading.Thread(target=hammer, args=(60,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:5]
    web.assert_healthy()


def test_connection_limit_answers_503_then_recovers(web_relay):
    web = web_relay(f'max_connections = 4\nread_timeout = "{READ_TIMEOUT}s"\n')
    time.sleep(1)                       # let the start-up health probes' connections finish
    idle = []
    for _ in range(4):
        idle.append(socket.create_connection(("127.0.0.1", web.http_port), timeout=10))
        time.sleep(0.1)
    try:
        for s in idle:                  # all four were admitted (nothing was written to them)
            s.settimeout(0.2)
            try:
                assert s.recv(100) == b"x", "an idle connection within max_connections was refused"
            except socket.timeout:
                pass
        got = raw_exchange(web.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", wait=5)
        assert status_of(got) == 503, got[:200]
        # The idle connections are closed at read_timeout, then service resumes by itself.
        for s in idle:
            s.settimeout(READ_TIMEOUT + 8)
            got = s.recv(4096)
            assert got == b"" or status_of(got) == 408, got[:100]
    finally:
        for s in idle:
            s.close()
    time.sleep(0.3)
    web.assert_healthy()


def test_metrics_only_for_allowed_clients(web_relay):
    web = web_relay('trusted_proxies = ["127.0.0.1/32"]\n')
    assert request(web.url("/metrics")).status == 200                     # loopback is allowed by default
    r = request(web.url("/metrics"), headers={"X-Forwarded-For": "203.0.113.5"})
    assert r.status == 403, r                                             # an outside client behind the proxy
    assert "pixelgate_" not in r.text
    assert request(web.url("/metrics"), headers={"X-Forwarded-For": "127.0.0.1"}).status == 200
    web.assert_healthy()


def test_form_posts_are_rate_limited(web_relay):
    web = web_relay("form_rate_limit = 2\n")
    web.consent("grant", "frank@example.org", "open_measurement")
    withdraw = links(web.send_and_read("frank@example.org"))["w"][0]
    page = request(withdraw)
    nonce = hidden_value(page.text, "nonce")
    got = [post_form(withdraw, [("nonce", nonce)]).status for _ in range(3)]
    assert got == [200, 200, 429], got
    r = post_form(withdraw, [("nonce", nonce)])
    assert r.status == 429 and int(r.headers["retry-after"]) >= 1
    assert_security_headers(r)
    assert request(withdraw).status == 200, "GET pages are never limited"
    events = web.history("frank@example.org")
    assert len([e for e in events if e["action"] == "withdraw"]) == 2 * 5, "a limited POST writes nothing"
    web.assert_healthy()


def test_idle_keepalive_connections_are_closed_early(web_relay):
    web = web_relay('keepalive_timeout = "1s"\nread_timeout = "20s"\n')
    with socket.create_connection(("127.0.0.1", web.http_port), timeout=30) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = s.recv(4096)
        assert status_of(first) == 200 and b"keep-alive" in first.lower()
        t0 = time.monotonic()
        s.settimeout(15)
        assert s.recv(4096) == b"", "an idle kept-alive connection is closed without an answer"
        assert time.monotonic() - t0 < 8, "closed at keepalive_timeout, long before read_timeout"
    web.assert_healthy()
