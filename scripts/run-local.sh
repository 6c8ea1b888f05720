#!/usr/bin/env bash
# run-local.sh: quick start. Installs the build dependencies, builds pixelgate, and runs the relay on
# embedded defaults: SMTP on 127.0.0.1:10025, every outgoing message written to ./outbox, state
# (SQLite consent store, token key) in ./state. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --build
swift build --product pixelgate
mkdir -p outbox state
cat <<MSG
pixelgate: listening on 127.0.0.1:10025, writing relayed mail to ./outbox
In another terminal, send it a message:
  swaks --server 127.0.0.1:10025 --from sender@example.com --to rcpt@example.org \\
        --header 'Content-Type: text/html' --header 'Tracking-Purposes: open_measurement' \\
        --body '<html><body>Hi<img src="https://t.example.net/wf/open?upn=abc123def456ghi789" width="1" height="1"></body></html>'
then look at ./outbox (the pixel is gone: rcpt@example.org never consented).
MSG
exec .build/debug/pixelgate serve --upstream file:./outbox --state-dir ./state "$@"
