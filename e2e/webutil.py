"""Helpers for the consent-web end-to-end tests (issue 5): a relay with its HTTP side and a dry-run
upstream, HTTP over http.client and over raw sockets, link extraction from written messages,
form parsing, the consent CLI, and a /metrics parser.

Contract:
- `web_relay` (a pytest fixture; import it into the test module) starts `pixelgate serve --upstream
  file:DIR --http 127.0.0.1:PORT` with `[http] public_url` pointing at that port, so links in
  written mail reach this very process; it is stopped (SIGTERM, must exit) at teardown.
- `WebRelay.send()` submits one message over SMTP (smtplib) with a declared `open_measurement`
  pixel; `wait_messages(n)` waits for the n-th `.eml` in the outbox (deadline, clear failure).
- `links(raw)` decodes every text part of a written message (QP/base64 via the email package) and
  returns the gate (/o/), withdrawal (/w/) and preferences (/p/) URLs found, in order.
- `request()` never follows redirects; `raw_exchange()` sends exact bytes and returns whatever
  comes back before the server closes or the deadline passes (never hangs).
- `parse_metrics()` reads Prometheus text 0.0.4 into {(name, frozenset(labels)): float}.
"""
from __future__ import annotations

import html
import http.client
import json
import re
import smtplib
import socket
import subprocess
import time
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import with_general
from peers import make_dir, wait_until
from relayproc import Pixelgate, binary_path

# The original tracker URL of the test messages; only general signals classify it (declared purpose).
PIXEL = "https://t.news-mailer.example/wf/open?upn=Qk9Fx7Lm2Zp8Rt4Vw6Yb1Nc3"
GIF43 = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
POLICY_URL = "https://shop.example/privacy"
API_TOKEN = "e2e-api-token-0123456789abcdef"
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
CONSENTABLE = ["open_measurement", "frequency_adaptation", "personalization", "cross_channel", "fraud_detection"]


def message(rcpt: str, *, subject: str = "November news", declare: str = "attribute", html_charset: str = "utf-8",
            purpose: str = "open_measurement") -> bytes:
    """A multipart newsletter with one content image and one pixel declared `open_measurement`
    (`declare` = "attribute" for data-tracking-purpose, "header" for Tracking-Purposes:)."""
    header = f"Tracking-Purposes: {purpose}\r\n" if declare == "header" else ""
    attr = f' data-tracking-purpose="{purpose}"' if declare == "attribute" else ""
    return (
        "From: news@shop.example\r\n"
        f"To: {rcpt}\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{time.monotonic_ns()}@shop.example>\r\n"
        f"{header}"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Hello, our November news.\r\n"
        "--b1\r\n"
        f"Content-Type: text/html; charset={html_charset}\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "<html><body><p>Hello, our November news.</p>=\r\n"
        '<img src=3D"https://cdn.shop.example/logo.png" width=3D"120" height=3D"40" alt=3D"Shop">=\r\n'
        f'<img src=3D"{PIXEL.replace("=", "=3D")}"{attr.replace("=", "=3D")} width=3D"1" height=3D"1" alt=3D"">=\r\n'
        "</body></html>\r\n"
        "--b1--\r\n"
    ).encode()


def text_parts(raw: bytes) -> dict[str, str]:
    """content type -> decoded text of every text part (transfer encodings undone)."""
    m = message_from_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), policy=policy.default)
    out: dict[str, str] = {}
    for p in m.walk():
        if p.get_content_maintype() == "text":
            out[p.get_content_type()] = out.get(p.get_content_type(), "") + p.get_content()
    return out


URL_RE = re.compile(r"""https?://[^\s"'<>]+""")


def links(raw: bytes) -> dict[str, list[str]]:
    """The /o/, /w/ and /p/ URLs of a written message, from every decoded text part (HTML entities undone)."""
    found: dict[str, list[str]] = {"o": [], "w": [], "p": []}
    for text in text_parts(raw).values():
        for u in URL_RE.findall(text):
            u = html.unescape(u).rstrip(".,;)")
            parts = urlsplit(u).path.split("/")
            if len(parts) == 3 and parts[1] in found and u not in found[parts[1]]:
                found[parts[1]].append(u)
    return found


# --------------------------------------------------------------------------------------- HTTP --
class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.header_list = headers
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.headers.get('content-type')} {self.body[:200]!r}>"


def request(url: str, method: str = "GET", body: bytes | str | None = None,
            headers: dict[str, str] | None = None, timeout: float = 15) -> Response:
    """One HTTP/1.1 request (new connection, no redirect following)."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, u.path + (f"?{u.query}" if u.query else ""), body=body, headers=headers or {})
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def post_form(url: str, fields: list[tuple[str, str]], headers: dict[str, str] | None = None) -> Response:
    from urllib.parse import urlencode
    h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return request(url, "POST", urlencode(fields), h)


def raw_exchange(port: int, data: bytes, *, wait: float = 10, half_close: bool = False,
                 host: str = "127.0.0.1") -> bytes:
    """Sends `data` and reads until the server closes or `wait` seconds pass (returns what came)."""
    with socket.create_connection((host, port), timeout=wait) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if half_close:
            s.shutdown(socket.SHUT_WR)
        out = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out


def status_of(raw: bytes) -> int | None:
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", raw)
    return int(m.group(1)) if m else None


def hidden_value(page: str, name: str) -> str:
    """The value of `<input ... name="NAME" ... value="...">` (attribute order free)."""
    for tag in re.findall(r"<input\b[^>]*>", page, re.I):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            m = re.search(r'\bvalue="([^"]*)"', tag)
            if m:
                return html.unescape(m.group(1))
    raise AssertionError(f"no <input name={name!r} value=...> in page:\n{page[:3000]}")


def assert_security_headers(r: Response) -> None:
    for k, v in SECURITY_HEADERS.items():
        assert r.headers.get(k) == v, f"{k}: {r.headers.get(k)!r} on {r!r}"


# ---------------------------------------------------------------------------------- metrics --
METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict[tuple[str, frozenset], float]:
    out: dict[tuple[str, frozenset], float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        assert m, f"not a Prometheus sample line: {line!r}"
        labels = frozenset((k, v.encode().decode("unicode_escape")) for k, v in LABEL_PAIR.findall(m.group(3) or ""))
        v = m.group(4)
        out[(m.group(1), labels)] = float("inf") if v == "+Inf" else float(v)
    return out


def metric(samples: dict, name: str, **labels: str) -> float:
    """A sample's value, 0 when the series is absent."""
    return samples.get((name, frozenset(labels.items())), 0.0)


# ------------------------------------------------------------------------------------ relay --
def cli(state: Path, config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    argv = [str(binary_path()), *args, "--state-dir", str(state), "--config", str(config)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


class WebRelay:
    """pixelgate serve with the dry-run upstream and its HTTP side on a free port."""

    def __init__(self, root: Path, extra_config: str = "", env: dict[str, str] | None = None, upstream: str | None = None):
        self.outbox = make_dir(Path(root) / "outbox", 0o755)
        self.pg = Pixelgate(Path(root) / "pixelgate", upstream or f"file:{self.outbox}", env=env)
        self.base = f"http://127.0.0.1:{self.pg.http_port}"
        self.pg.write_config(with_general(
            f'[http]\npublic_url = "{self.base}"\npolicy_url = "{POLICY_URL}"\n'
            f'actors = ["Shop Example SAS", "Mailer Analytics Ltd"]\napi_tokens = ["{API_TOKEN}"]\n' + extra_config))
        self.state = self.pg.state_dir
        self.config = self.pg.config_path

    def start(self) -> "WebRelay":
        self.pg.start()
        wait_until(lambda: self._healthy(), 30, f"GET {self.base}/healthz answering 200")
        return self

    def _healthy(self) -> bool:
        try:
            return request(self.base + "/healthz", timeout=2).status == 200
        except OSError:
            return False

    @property
    def http_port(self) -> int:
        return self.pg.http_port

    def url(self, path: str) -> str:
        return self.base + path

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return cli(self.state, self.config, *args)

    def consent(self, *args: str) -> subprocess.CompletedProcess:
        r = self.cli("consent", *args)
        assert r.returncode == 0, f"pixelgate consent {args}: {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r

    def history(self, addr: str) -> list[dict]:
        return json.loads(self.consent("history", addr, "--json").stdout)

    def preferences_url(self, addr: str) -> str:
        r = self.cli("links", addr)
        assert r.returncode == 0, r.stderr
        m = re.search(r"^preferences: (\S+)$", r.stdout, re.M)
        assert m, r.stdout
        return m.group(1)

    def send(self, rcpt: str | list[str], **kw) -> None:
        """One SMTP transaction; raises smtplib's exception when the relay refuses it."""
        rcpts = [rcpt] if isinstance(rcpt, str) else rcpt
        with smtplib.SMTP("127.0.0.1", self.pg.port, timeout=30) as s:
            s.ehlo("client.example")
            assert s.sendmail("news@shop.example", rcpts, message(", ".join(rcpts), **kw)) == {}

    def written(self) -> list[Path]:
        return sorted(p for p in self.outbox.glob("*.eml") if not p.name.startswith("."))

    def wait_messages(self, n: int, timeout: float = 20) -> list[bytes]:
        files = wait_until(lambda: (lambda f: f if len(f) >= n else None)(self.written()), timeout,
                           f"{n} message(s) written to {self.outbox}")
        return [f.read_bytes() for f in files]

    def send_and_read(self, rcpt: str, **kw) -> bytes:
        before = len(self.written())
        self.send(rcpt, **kw)
        return self.wait_messages(before + 1)[before]

    def metrics(self) -> dict[tuple[str, frozenset], float]:
        r = request(self.base + "/metrics")
        assert r.status == 200, r
        assert r.headers["content-type"].startswith("text/plain; version=0.0.4"), r.headers
        return parse_metrics(r.text)

    def assert_healthy(self) -> None:
        assert self.pg.alive(), f"pixelgate exited:\n{self.pg.stderr_text()[-3000:]}"
        r = request(self.base + "/healthz", timeout=10)
        assert r.status == 200 and r.body == b"ok\n", r


@pytest.fixture
def web_relay(workdir, request):
    """Factory: `web_relay(extra_config="", env=None, upstream=None)` -> a started WebRelay (upstream
    defaults to its own `file:` outbox); stopped at teardown."""
    relays: list[WebRelay] = []
    procs = getattr(request.node, "_pixelgate_procs", [])
    request.node._pixelgate_procs = procs

    def start(extra_config: str = "", env: dict[str, str] | None = None, upstream: str | None = None) -> WebRelay:
        w = WebRelay(make_dir(workdir / f"web{len(relays)}", 0o755), extra_config, env, upstream)
        relays.append(w)
        procs.append(w.pg)
        return w.start()
    yield start
    for w in relays:
        if w.pg.alive():
            assert w.pg.stop() == 0, "pixelgate did not exit 0 on SIGTERM"
