"""A private Postfix instance for the end-to-end suite, run as root, as MACHINE.md describes.

Contract:
- `PostfixInstance(root, relay_port=..., lmtp_port=None)` writes DIR/main.cf and DIR/master.cf under
  `root` (all parents mode 755): its own queue_directory, data_directory owned by postfix,
  meta_directory = /etc/postfix, maillog_file inside `root` with maillog_file_prefixes allowing it,
  master.cf from /etc/postfix/master.cf.proto with chroot off and the `smtp inet` service on a free
  port, relayhost = [127.0.0.1]:relay_port and smtp_send_xforward_command = yes; with `lmtp_port`,
  default_transport = lmtp:inet:[127.0.0.1]:lmtp_port.
- DIR is appended to `alternate_config_directories` in /etc/postfix/main.cf (created when absent),
  idempotently, and removed again by `stop()`. That file is shared by every suite run on the
  machine, so each read-modify-write holds an exclusive flock on REGISTRY_LOCK.
- `start()`/`stop()` run `postfix -c DIR start|stop`; `submit()` injects over SMTP to the instance's
  smtpd port (so its smtp client sends XFORWARD with IDENT: Postfix omits NAME/ADDR/IDENT for
  mail submitted locally with sendmail, checked with Postfix 3.7); `sendmail()` uses `sendmail -C DIR`;
  `wait_queue_empty()` polls `postqueue -c DIR -p`; `log()` reads the maillog.
- The instance's myhostname differs from the relay's hostname, so Postfix never takes the relay
  for itself ("mail loops back to myself").
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import smtplib
import time
from pathlib import Path

from peers import free_port, make_dir, require_binary, run, wait_for_port

ETC_MAIN_CF = Path("/etc/postfix/main.cf")
REGISTRY_LOCK = Path("/run/lock/pixelgate-e2e-postfix.lock")
MASTER_PROTO = Path("/etc/postfix/master.cf.proto")
QUEUE_ID = r"[0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{12,}"


@contextlib.contextmanager
def registry_lock():
    """Exclusive lock around edits of /etc/postfix/main.cf (released when the fd closes)."""
    REGISTRY_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(REGISTRY_LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


class PostfixInstance:
    def __init__(self, root: Path, relay_port: int, lmtp_port: int | None = None,
                 extra_main: dict[str, str] | None = None):
        self.postfix = require_binary("/usr/sbin/postfix")
        self.sendmail_bin = require_binary("/usr/sbin/sendmail")
        self.postqueue = require_binary("/usr/sbin/postqueue")
        self.postconf = require_binary("/usr/sbin/postconf")
        require_binary("/usr/sbin/postsuper")
        self.root = make_dir(Path(root), 0o755)
        self.config_dir = make_dir(self.root / "etc", 0o755)
        self.queue_dir = make_dir(self.root / "queue", 0o755)
        self.data_dir = make_dir(self.root / "data", 0o700)
        shutil.chown(self.data_dir, "postfix", "postfix")
        self.maillog = self.root / "postfix.log"
        self.smtp_port = free_port()
        self.relay_port = relay_port
        self.lmtp_port = lmtp_port
        self.extra_main = dict(extra_main or {})
        self.running = False
        self._write_main_cf()
        self._write_master_cf()

    # ------------------------------------------------------------------------------ config --
    def _write_main_cf(self) -> None:
        settings = {
            "compatibility_level": "3.6",
            "queue_directory": str(self.queue_dir),
            "data_directory": str(self.data_dir),
            "meta_directory": "/etc/postfix",
            "maillog_file": str(self.maillog),
            "maillog_file_prefixes": f"/var, /dev/stdout, /tmp, {self.root}",
            "myhostname": "postfix-e2e.example.test",
            "mydomain": "example.test",
            "myorigin": "$myhostname",
            "mydestination": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "relayhost": f"[127.0.0.1]:{self.relay_port}",
            "smtp_send_xforward_command": "yes",
            "lmtp_send_xforward_command": "yes",
            "smtp_tls_security_level": "none",
            "smtputf8_enable": "yes",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "biff": "no",
            "delay_warning_time": "0",
            "queue_run_delay": "5s",
            "minimal_backoff_time": "5s",
            "maximal_backoff_time": "10s",
            "smtp_connect_timeout": "10s",
            "default_destination_concurrency_limit": "5",
            "shlib_directory": "/usr/lib/postfix",
            "daemon_directory": "/usr/lib/postfix/sbin",
            "command_directory": "/usr/sbin",
        }
        if self.lmtp_port:
            settings["default_transport"] = f"lmtp:inet:[127.0.0.1]:{self.lmtp_port}"
        settings.update(self.extra_main)
        text = "".join(f"{k} = {v}\n" for k, v in settings.items())
        (self.config_dir / "main.cf").write_text(text)

    def _write_master_cf(self) -> None:
        out = []
        for line in MASTER_PROTO.read_text().splitlines():
            fields = line.split()
            if line.startswith(("#", " ", "\t")) or len(fields) < 8:
                out.append(line)
                continue
            fields[4] = "n"          # no chroot: the private queue has no chroot jail files
            if fields[0] == "smtp" and fields[1] == "inet":
                fields[0] = f"127.0.0.1:{self.smtp_port}"
            out.append("  ".join(fields[:8]) + (" " + " ".join(fields[8:]) if fields[8:] else ""))
        (self.config_dir / "master.cf").write_text("\n".join(out) + "\n")

    def _alternate_dirs(self) -> list[str]:
        cp = run([self.postconf, "-c", "/etc/postfix", "-h", "alternate_config_directories"], check=False)
        value = cp.stdout.decode().strip()
        return [d for d in re.split(r"[\s,]+", value) if d]

    def _register(self) -> None:
        with registry_lock():
            if not ETC_MAIN_CF.exists():
                ETC_MAIN_CF.touch()
            dirs = self._alternate_dirs()
            if str(self.config_dir) not in dirs:
                dirs.append(str(self.config_dir))
                run([self.postconf, "-c", "/etc/postfix", "-e",
                     f"alternate_config_directories = {' '.join(dirs)}"])

    def _unregister(self) -> None:
        with registry_lock():
            dirs = [d for d in self._alternate_dirs() if d != str(self.config_dir)]
            run([self.postconf, "-c", "/etc/postfix", "-e",
                 f"alternate_config_directories = {' '.join(dirs)}"], check=False)

    # --------------------------------------------------------------------------- lifecycle --
    def start(self) -> "PostfixInstance":
        self._register()
        cp = run([self.postfix, "-c", str(self.config_dir), "start"], check=False, timeout=60)
        if cp.returncode != 0:
            raise AssertionError(f"postfix -c {self.config_dir} start failed ({cp.returncode}):\n"
                                 f"{cp.stdout.decode()}{cp.stderr.decode()}\nmaillog:\n{self.log()}")
        self.running = True
        wait_for_port("127.0.0.1", self.smtp_port, 30)
        return self

    def stop(self) -> None:
        if self.running:
            run([self.postfix, "-c", str(self.config_dir), "stop"], check=False, timeout=60)
            self.running = False
            # master exits asynchronously; wait for its pid file to go so the next test starts clean.
            pid = self.queue_dir / "pid" / "master.pid"
            deadline = time.monotonic() + 15
            while pid.exists() and time.monotonic() < deadline:
                try:
                    os.kill(int(pid.read_text().strip()), 0)
                except (ValueError, ProcessLookupError, OSError):
                    break
                time.sleep(0.1)
        self._unregister()

    def flush(self) -> None:
        run([self.postqueue, "-c", str(self.config_dir), "-f"], check=False)

    # ------------------------------------------------------------------------------ traffic --
    def sendmail(self, sender: str, recipients: list[str], message: bytes) -> None:
        run([self.sendmail_bin, "-C", str(self.config_dir), "-i", "-f", sender, "--", *recipients],
            input=message, timeout=30)

    def submit(self, sender: str, recipients: list[str], messages: list[bytes]) -> None:
        """Submits messages over one SMTP session to the instance's own smtpd."""
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=60) as s:
            s.ehlo("app.example.test")
            for m in messages:
                refused = s.sendmail(sender, recipients, m)
                assert refused == {}, refused

    def queue_listing(self) -> str:
        return run([self.postqueue, "-c", str(self.config_dir), "-p"], check=False).stdout.decode()

    def wait_queue_empty(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        listing = ""
        while time.monotonic() < deadline:
            listing = self.queue_listing()
            if "Mail queue is empty" in listing:
                return
            time.sleep(0.5)
        raise AssertionError(f"Postfix queue not empty after {timeout} s:\n{listing}\n"
                             f"maillog tail:\n{self.log()[-4000:]}")

    def log(self) -> str:
        return self.maillog.read_text(errors="replace") if self.maillog.exists() else ""

    def delivered_queue_ids(self, submitted_over_smtp: bool = True) -> set[str]:
        """Queue ids of messages the smtp/lmtp client delivered (status=sent); by default only
        those that came in through the instance's smtpd (local ones, e.g. bounces, carry no
        XFORWARD IDENT)."""
        ids, smtpd = set(), set()
        for line in self.log().splitlines():
            m = re.search(rf"postfix(?:-[\w.-]+)?/(?:smtp|lmtp)\[\d+\]: ({QUEUE_ID}): to=<[^>]*>.*status=sent", line)
            if m:
                ids.add(m.group(1))
            m = re.search(rf"postfix(?:-[\w.-]+)?/smtpd\[\d+\]: ({QUEUE_ID}): client=", line)
            if m:
                smtpd.add(m.group(1))
        return ids & smtpd if submitted_over_smtp else ids
