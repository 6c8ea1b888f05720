"""pytest fixtures for the pixelgate end-to-end suite: real peers only (smtp-sink, swaks, a private
Postfix, openssl), in the style of chasquid's test/ and Postfix's own tests.

Contract:
- Every test gets its own directory under one run directory in /tmp, every component mode 755
  (Postfix needs that); it is removed at the end of a passing run unless PIXELGATE_E2E_KEEP=1.
- `sink` is a started smtp-sink; `make_sink(extra)` starts one with fault options.
- `pixelgate(config_text=None, upstream=None, lmtp=False, args=(), env=None, listen_host=...,
  state_dir=None)` (a shared state_dir lets a restarted relay keep its journal)
  starts the daemon (upstream defaults to the `sink` fixture; "" means the config's hosts) and returns a `relayproc.Pixelgate`. At teardown each
  one is stopped with SIGTERM and must exit within 30 s.
- `fake_upstream(**behaviour)` starts a `fakeupstream.FakeUpstream`.
- `postfix_instance(relay_port, lmtp_port=None)` starts a private Postfix instance.
- `tls_files` is a fresh self-signed (cert, key); `credentials` a crypt credentials file.
A missing peer or binary fails the test with the command that installs or builds it.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from fakeupstream import FakeUpstream
from peers import SmtpSink, make_credentials_file, make_dir, make_self_signed_cert, require_binary
from postfixpeer import PostfixInstance
from relayproc import Pixelgate

RELAY_HOSTNAME = "pixelgate.e2e.test"
AUTH_USER, AUTH_PASSWORD = "mailer", "s3cret-Pa55"


@pytest.fixture(scope="session")
def run_root():
    base = Path(tempfile.mkdtemp(prefix="pixelgate-e2e-", dir="/tmp"))
    os.chmod(base, 0o755)
    failed_before = getattr(pytest, "_pixelgate_failures", 0)
    yield base
    if os.environ.get("PIXELGATE_E2E_KEEP") != "1" and getattr(pytest, "_pixelgate_failures", 0) == failed_before:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"\npixelgate e2e files kept in {base}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        pytest._pixelgate_failures = getattr(pytest, "_pixelgate_failures", 0) + 1
        pg_list = getattr(item, "_pixelgate_procs", [])
        for pg in pg_list:
            report.sections.append((f"pixelgate stderr ({pg.stderr_path})", pg.stderr_text()[-6000:]))


@pytest.fixture
def workdir(run_root, request) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:100]
    return make_dir(run_root / name, 0o755)


@pytest.fixture
def make_sink(workdir):
    sinks: list[SmtpSink] = []

    def start(extra: list[str] | None = None, name: str | None = None) -> SmtpSink:
        s = SmtpSink(workdir / (name or f"sink{len(sinks)}"), extra=extra).start()
        sinks.append(s)
        return s
    yield start
    for s in sinks:
        s.stop()


@pytest.fixture
def sink(make_sink) -> SmtpSink:
    return make_sink(name="sink")


def with_general(config_text: str | None) -> str:
    """The test's TOML, with [general] hostname set to a name Postfix will not take for itself."""
    text = config_text or ""
    if not re.search(r"^\s*\[general\]", text, re.M):
        text = f'[general]\nhostname = "{RELAY_HOSTNAME}"\n\n' + text
    return text


@pytest.fixture
def pixelgate(workdir, request):
    procs: list[Pixelgate] = []
    request.node._pixelgate_procs = procs

    def start(config_text: str | None = None, upstream: str | None = None, lmtp: bool = False,
              args: list[str] | tuple = (), env: dict[str, str] | None = None,
              listen_host: str = "127.0.0.1", state_dir: Path | None = None) -> Pixelgate:
        if upstream is None:
            upstream = request.getfixturevalue("sink").address
        pg = Pixelgate(workdir / f"pixelgate{len(procs)}", upstream, with_general(config_text),
                       lmtp=lmtp, args=list(args), env=env, listen_host=listen_host,
                       state_dir=state_dir)
        procs.append(pg)
        return pg.start()
    yield start
    errors = []
    for pg in procs:
        if pg.proc is not None and pg.proc.returncode is None:
            try:
                pg.stop()
            except AssertionError as e:
                errors.append(str(e))
    if errors:
        pytest.fail("; ".join(errors), pytrace=False)


@pytest.fixture
def fake_upstream():
    servers: list[FakeUpstream] = []

    def start(**behaviour) -> FakeUpstream:
        f = FakeUpstream(**behaviour)
        servers.append(f)
        return f
    yield start
    for f in servers:
        f.stop()


@pytest.fixture
def postfix_instance(workdir):
    instances: list[PostfixInstance] = []

    def start(relay_port: int, lmtp_port: int | None = None, **kw) -> PostfixInstance:
        pf = PostfixInstance(workdir / f"postfix{len(instances)}", relay_port, lmtp_port, **kw)
        instances.append(pf)
        return pf.start()
    yield start
    for pf in instances:
        pf.stop()


@pytest.fixture
def tls_files(workdir) -> tuple[Path, Path]:
    d = make_dir(workdir / "tls", 0o755)
    return make_self_signed_cert(d)


@pytest.fixture
def credentials(workdir) -> Path:
    return make_credentials_file(workdir / "credentials", {AUTH_USER: AUTH_PASSWORD})


@pytest.fixture(scope="session")
def swaks() -> str:
    return require_binary("swaks")
