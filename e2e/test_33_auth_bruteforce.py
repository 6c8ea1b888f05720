"""AUTH brute force is slowed down and logged (issue 6, abuse scans).

What must hold, for a client outside allow_networks that has done STARTTLS:
- failure N of a session is answered only after min(auth_failure_delay * 2^(N-1),
  auth_failure_delay_max) (measured with a generous lower bound, never an upper speed goal);
- failure number `max_auth_failures` gets 421 4.7.0 and the connection is closed;
- each failure is logged `event=auth status=failed` with the client IP, the attempt number and
  the delay; the password never appears in the log;
- the counter is per session: a new session starts at the base delay, and the right password
  still works (the delay slows guessing; it does not lock the account out);
- a bad pair of keys (max below base) is a config error naming the key.
"""
from __future__ import annotations

import subprocess
import time

from conftest import AUTH_PASSWORD, AUTH_USER
from rawsmtp import ConnectionClosed, RawSMTP
from relayproc import binary_path

OUTSIDE = "127.0.0.2"
WRONG = "not-the-password-7"


def config(cert, key, credentials, limits: str = "") -> str:
    return (f'[server]\nallow_networks = ["127.0.0.1/32"]\n'
            f'[limits]\n{limits}'
            f'[tls]\ncert = "{cert}"\nkey = "{key}"\n'
            f'[auth]\ncredentials_file = "{credentials}"\n')


def tls_client(port: int) -> RawSMTP:
    c = RawSMTP("127.0.0.1", port, source=OUTSIDE, timeout=60)
    c.ehlo()
    assert c.starttls().code == 220
    c.ehlo()
    return c


def timed_auth(c: RawSMTP, password: str):
    t0 = time.monotonic()
    r = c.auth_plain(AUTH_USER, password)
    return r, time.monotonic() - t0


def test_delay_grows_then_session_closed(pixelgate, sink, tls_files, credentials):
    limits = 'auth_failure_delay = "500ms"\nauth_failure_delay_max = "1s"\nmax_auth_failures = 3\n'
    pg = pixelgate(config(*tls_files, credentials, limits))
    c = tls_client(pg.port)
    r1, t1 = timed_auth(c, WRONG)
    assert (r1.code, r1.enhanced) == (535, "5.7.8"), str(r1)
    assert t1 >= 0.45, f"first failure answered after {t1:.3f} s, configured delay 0.5 s"
    r2, t2 = timed_auth(c, WRONG + "x")
    assert (r2.code, r2.enhanced) == (535, "5.7.8"), str(r2)
    assert t2 >= 0.95, f"second failure answered after {t2:.3f} s, delay doubles to 1 s"
    r3, t3 = timed_auth(c, WRONG + "y")
    assert (r3.code, r3.enhanced) == (421, "4.7.0"), f"third failure must close the session: {r3}"
    assert t3 >= 0.95, f"third failure answered after {t3:.3f} s; the delay is capped at 1 s, not skipped"
    try:
        extra = c.cmd("NOOP", timeout=5)
        raise AssertionError(f"session must be closed after 421, got {extra}")
    except (ConnectionClosed, OSError):
        pass

    fails = pg.events("auth", status="failed")
    assert [f.get("attempt") for f in fails] == ["1", "2", "3"], fails
    assert all(f.get("client") == OUTSIDE for f in fails), fails
    assert [f.get("delay") for f in fails] == ["0.500", "1.000", "1.000"], fails
    assert fails[-1].get("action") == "close" and fails[0].get("action") == "retry", fails
    assert WRONG not in pg.stderr_text(), "a tried password must never be logged"

    # A new session starts again at the base delay and the right password works at once.
    c2 = tls_client(pg.port)
    r, t = timed_auth(c2, WRONG)
    assert r.code == 535 and t >= 0.45, (str(r), t)
    r = c2.auth_plain(AUTH_USER, AUTH_PASSWORD)
    assert r.code == 235, f"the right password still works after a failure: {r}"
    c2.quit()
    sink.assert_empty(settle=0.2)


def test_default_delay_is_applied(pixelgate, tls_files, credentials):
    pg = pixelgate(config(*tls_files, credentials))      # defaults: 1 s, doubling, 3 failures
    c = tls_client(pg.port)
    r, t = timed_auth(c, WRONG)
    assert r.code == 535, str(r)
    assert t >= 0.9, f"default auth_failure_delay is 1 s; answered after {t:.3f} s"
    [fail] = pg.events("auth", status="failed")
    assert fail["delay"] == "1.000" and fail["client"] == OUTSIDE, fail
    c.quit()


def test_login_mechanism_counts_too(pixelgate, tls_files, credentials):
    limits = 'auth_failure_delay = "100ms"\nauth_failure_delay_max = "200ms"\nmax_auth_failures = 2\n'
    pg = pixelgate(config(*tls_files, credentials, limits))
    c = tls_client(pg.port)
    r = c.auth_login(AUTH_USER, WRONG)
    assert r.code == 535, str(r)
    r = c.auth_login(AUTH_USER, WRONG)
    assert (r.code, r.enhanced) == (421, "4.7.0"), str(r)
    fails = pg.events("auth", status="failed")
    assert [(f["mechanism"], f["attempt"]) for f in fails] == [("LOGIN", "1"), ("LOGIN", "2")], fails


def test_bad_delay_keys_are_config_errors(workdir):
    cfg = workdir / "bad.toml"
    cfg.write_text('[limits]\nauth_failure_delay = "5s"\nauth_failure_delay_max = "1s"\n')
    cp = subprocess.run([str(binary_path()), "check-config", "--config", str(cfg)],
                        capture_output=True, text=True, timeout=60)
    assert cp.returncode != 0, cp.stdout
    assert "auth_failure_delay_max" in cp.stderr + cp.stdout, cp.stderr
