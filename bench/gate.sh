#!/usr/bin/env bash
# bench/gate.sh BIN: the gate (GET /o/{token}) under wrk, against nginx answering `return 302` as the
# reference, in the same run (issue 5 "Benchmark"). BIN is a release build of pixelgate.
# It starts `pixelgate serve` with a SQLite store in a temp dir, grants open_measurement to a
# consenting and to a to-be-withdrawn recipient, sends each a message with a declared pixel through
# `--upstream file:DIR`, takes the gate URL from the written message, withdraws the second one, then
# runs `wrk -t2 -c50 -d${DURATION:-10}s --latency` against nginx, the consenting URL (302) and the
# withdrawn URL (GIF). Prints a Markdown table: target, requests/s, p99 ms, ratio to nginx. Goal: >= 0.5.
# Needs: wrk, nginx, python3 (apt: wrk nginx). Everything it starts is stopped and the temp dir removed.
set -euo pipefail
bin=${1:?usage: bench/gate.sh PATH/TO/release/pixelgate}
duration=${DURATION:-10}
for tool in wrk nginx python3; do
  command -v "$tool" >/dev/null || { echo "gate.sh: $tool is missing (apt-get install -y wrk nginx)" >&2; exit 2; }
done
tmp=$(mktemp -d /tmp/pixelgate-gatebench.XXXXXX); chmod 755 "$tmp"
pg=""; ngx=""
cleanup() {
  [ -n "$pg" ] && kill "$pg" 2>/dev/null && wait "$pg" 2>/dev/null || true
  [ -n "$ngx" ] && kill "$ngx" 2>/dev/null && wait "$ngx" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
smtp=$(freeport); http=$(freeport); ngport=$(freeport)
mkdir -p "$tmp/state" "$tmp/out" "$tmp/nginx"
cat > "$tmp/pixelgate.toml" <<TOML
[general]
hostname = "bench.pixelgate.test"
[http]
public_url = "http://127.0.0.1:$http"
[log]
level = "notice"
TOML
cli() { "$bin" "$@" --config "$tmp/pixelgate.toml" --state-dir "$tmp/state" >/dev/null; }
"$bin" serve --config "$tmp/pixelgate.toml" --state-dir "$tmp/state" --listen 127.0.0.1:$smtp \
  --http 127.0.0.1:$http --upstream "file:$tmp/out" 2>"$tmp/pixelgate.log" & pg=$!

cat > "$tmp/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body; proxy_temp_path $tmp/nginx/proxy; fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi; scgi_temp_path $tmp/nginx/scgi;
  server { listen 127.0.0.1:$ngport; location / { return 302 http://example.com/; } }
}
NGINX
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" & ngx=$!

python3 - "$smtp" "$http" "$ngport" <<'PY'
import socket, sys, time, urllib.request
deadline = time.time() + 60
for port in sys.argv[1:]:
    while True:
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=1).close(); break
        except OSError:
            if time.time() > deadline: sys.exit(f"gate.sh: nothing listens on {port}")
            time.sleep(0.1)
PY
cli consent grant yes@example.org open_measurement
cli consent grant no@example.org open_measurement

# Send one message to each recipient and print its gate URL.
gate_url() {
  python3 - "$smtp" "$1" "$tmp/out" <<'PY'
import re, smtplib, sys, time
from email import message_from_bytes, policy
from pathlib import Path
port, rcpt, out = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
before = set(out.glob("*.eml"))
msg = ("From: news@shop.example\r\nTo: %s\r\nSubject: bench\r\nMIME-Version: 1.0\r\n"
       "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello</p>"
       '<img src="https://t.news-mailer.example/open?u=42" data-tracking-purpose="open_measurement" width="1" height="1">'
       "</body></html>\r\n" % rcpt).encode()
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.sendmail("news@shop.example", [rcpt], msg)
deadline = time.time() + 20
while True:
    new = [p for p in out.glob("*.eml") if p not in before and not p.name.startswith(".")]
    if new: break
    if time.time() > deadline: sys.exit("gate.sh: no message written")
    time.sleep(0.05)
m = message_from_bytes(new[0].read_bytes(), policy=policy.default)
text = "".join(p.get_content() for p in m.walk() if p.get_content_maintype() == "text")
urls = re.findall(r'http://127\.0\.0\.1:\d+/o/[A-Za-z0-9_\-]+', text)
if not urls: sys.exit("gate.sh: no gate URL in the written message")
print(urls[0])
PY
}
yes_url=$(gate_url yes@example.org)
no_url=$(gate_url no@example.org)
cli consent withdraw no@example.org
check() { python3 -c '
import http.client, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1]); c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
c.request("GET", u.path); r = c.getresponse(); b = r.read()
print(r.status, r.getheader("Content-Type") or "", len(b))' "$1"; }
[ "$(check "$yes_url" | cut -d" " -f1)" = 302 ] || { echo "gate.sh: consenting gate is not a 302" >&2; exit 1; }
[ "$(check "$no_url")" = "200 image/gif 43" ] || { echo "gate.sh: withdrawn gate is not the 43-byte GIF" >&2; exit 1; }
[ "$(check "http://127.0.0.1:$ngport/" | cut -d" " -f1)" = 302 ] || { echo "gate.sh: nginx is not answering 302" >&2; exit 1; }

# CPU time (utime + stime, clock ticks) of process $1 so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# wrk URL [PID] -> "rps p99_ms non2xx3xx errors cpu_us_per_request" (the last "-" without PID): the
# CPU figure moves far less with the machine's load than requests/s does.
run_wrk() {
  wrk -t2 -c50 -d1s "$1" >/dev/null 2>&1 || true        # warm-up
  local t0=0; [ -n "${2:-}" ] && t0=$(cpu_ticks "$2")
  wrk -t2 -c50 -d"${duration}s" --latency "$1" > "$tmp/wrk.out" 2>&1
  local ticks=-1; [ -n "${2:-}" ] && ticks=$(( $(cpu_ticks "$2") - t0 ))
  python3 - "$tmp/wrk.out" "$ticks" "$(getconf CLK_TCK)" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
ticks, hz = int(sys.argv[2]), int(sys.argv[3])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
v, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M).groups()
p99 = float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
errors = sum(map(int, err.groups())) if err else 0
total = int(re.search(r"(\d+) requests in", t).group(1))
cpu = f"{ticks / hz * 1e6 / total:.1f}" if ticks >= 0 and total else "-"
print(f"{rps:.0f} {p99:.2f} {non.group(1) if non else 0} {errors} {cpu}")
PY
}
read -r n_rps n_p99 n_bad n_err n_cpu <<<"$(run_wrk "http://127.0.0.1:$ngport/")"
read -r y_rps y_p99 y_bad y_err y_cpu <<<"$(run_wrk "$yes_url" "$pg")"
read -r w_rps w_p99 w_bad w_err w_cpu <<<"$(run_wrk "$no_url" "$pg")"
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
echo "gate benchmark: wrk -t2 -c50 -d${duration}s --latency, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| target | requests/s | p99 ms | ratio to nginx | non-2xx/3xx | socket errors | CPU µs/request |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| nginx \`return 302\` | $n_rps | $n_p99 | 1.00 | $n_bad | $n_err | — |"
echo "| pixelgate /o/ consenting (302) | $y_rps | $y_p99 | $(ratio "$y_rps" "$n_rps") | $y_bad | $y_err | $y_cpu |"
echo "| pixelgate /o/ withdrawn (GIF) | $w_rps | $w_p99 | $(ratio "$w_rps" "$n_rps") | $w_bad | $w_err | $w_cpu |"
if ! kill -0 "$pg" 2>/dev/null; then echo "gate.sh: pixelgate died during the run; log:" >&2; tail -20 "$tmp/pixelgate.log" >&2; exit 1; fi
