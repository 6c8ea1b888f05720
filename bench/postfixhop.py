"""bench/postfixhop.py: Postfix's own non-queueing hop, as a reference row for bench/run's throughput.

Contract: `PostfixProxyHop(root, upstream_port)` starts a private Postfix instance (e2e/postfixpeer.py,
as the end-to-end suite does: root, own queue, registered in /etc/postfix/main.cf's
alternate_config_directories until `stop()`) whose smtpd is a before-queue proxy
(`smtpd_proxy_filter`, Postfix's SMTPD_PROXY_README) to `upstream_port`: each message goes from the
client through smtpd to the upstream in real time and is never queued; smtpd answers the client only
after the upstream answered, as pixelgate does. No filtering, no content inspection. Postfix opens
one upstream connection per message (no pooling): that is its design, so it is measured as it is.
- `port`: smtpd's port; `cpu_seconds()`: user + system CPU of master and every child it has, alive
  (/proc) or exited and reaped (master's cutime/cstime); `delivered()`: `proxy-accept:
  END-OF-MESSAGE: 250` lines in the maillog; `stop()`.
It answers "what does a lean, non-queueing C hop reach on this machine", next to pixelgate's rows.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
from postfixpeer import PostfixInstance  # noqa: E402


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


class PostfixProxyHop:
    def __init__(self, root: Path, upstream_port: int) -> None:
        root.mkdir(parents=True, exist_ok=True)
        # master opens its lock file only when every parent is searchable (mkdtemp makes 0700):
        # `root` and its parent are the bench's own temp dirs.
        for d in (root.parent, root):
            os.chmod(d, 0o755)
        self.instance = PostfixInstance(root, relay_port=upstream_port, extra_main={
            "smtpd_proxy_filter": f"127.0.0.1:{upstream_port}",
            "smtpd_proxy_ehlo": "postfix-hop.example.test",
            # No reverse DNS or anvil limits in the way of a loopback benchmark (as pixelgate's
            # max_connections = 256 in its bench config).
            "smtpd_peername_lookup": "no",
            "smtpd_client_connection_count_limit": "0",
            "smtpd_client_connection_rate_limit": "0",
        })
        try:
            self.instance.start()
        except BaseException:
            self.instance.stop()  # unregisters the config dir that start() registered
            raise
        self.port = self.instance.smtp_port

    def _master(self) -> int:
        return int((self.instance.queue_dir / "pid" / "master.pid").read_text().strip())

    def cpu_seconds(self) -> float:
        master = self._master()
        hz = os.sysconf("SC_CLK_TCK")
        f = _stat(master)
        ticks = sum(int(x) for x in f[11:15])  # utime stime cutime cstime: exited children included
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == master:
                continue
            try:
                c = _stat(int(entry))
            except OSError:
                continue
            if int(c[1]) == master:  # ppid
                ticks += int(c[11]) + int(c[12])
        return ticks / hz

    def delivered(self) -> int:
        return self.instance.log().count("proxy-accept: END-OF-MESSAGE: 250")

    def stop(self) -> None:
        self.instance.stop()
