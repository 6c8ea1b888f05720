#!/usr/bin/env bash
# bench/relay.sh BIN: relay throughput, smtp-source -> smtp-sink directly and through pixelgate,
# in the same run, 20 sessions, 1 KB and 50 KB messages. Prints msg/s for each and the ratio.
set -euo pipefail
bin=$1
tmp=$(mktemp -d /tmp/pixelgate-bench.XXXXXX); chmod 755 "$tmp"
sinkport=$((20000 + RANDOM % 10000)); pgport=$((sinkport + 1))
smtp-sink -u nobody -c 127.0.0.1:$sinkport 256 >/dev/null 2>&1 & sink=$!
"$bin" serve --listen 127.0.0.1:$pgport --upstream 127.0.0.1:$sinkport --state-dir "$tmp/state" 2>"$tmp/pixelgate.log" & pg=$!
trap 'kill $sink $pg 2>/dev/null || true; rm -rf "$tmp"' EXIT
sleep 1
rate() { # port size count -> msg/s
  local start end
  start=$(date +%s.%N)
  smtp-source -s 20 -m "$3" -l "$2" -f a@example.com -t b@example.org 127.0.0.1:"$1"
  end=$(date +%s.%N)
  python3 -c "print(f'{$3/($end-$start):.0f}')"
}
for size in 1024 51200; do
  n=2000; [ $size -gt 10000 ] && n=1000
  d=$(rate $sinkport $size $n); p=$(rate $pgport $size $n)
  echo "relay: size=$size direct=${d} msg/s via_pixelgate=${p} msg/s ratio=$(python3 -c "print(f'{$p/$d:.2f}')")"
done
