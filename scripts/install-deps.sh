#!/usr/bin/env bash
# install-deps.sh: installs what building and testing pixelgate needs on Debian 12, idempotently.
#   --build   only the build dependencies (OpenSSL, libpq, SQLite, libcrypt headers, swaks)
#   --test    also the real peers the tests start (Postfix, PostgreSQL, python venv)
# Runs apt-get update once, and only when something is missing.
set -euo pipefail
mode=${1:---test}
pkgs=(libssl-dev libpq-dev libsqlite3-dev libcrypt-dev pkg-config openssl swaks ca-certificates)
if [ "$mode" = "--test" ]; then
  pkgs+=(postfix postgresql python3-venv python3-pip chromium chromium-driver python3-selenium wrk nginx)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}"
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
# Postfix refuses to run some commands without a main.cf.
if [ "$mode" = "--test" ] && [ ! -f /etc/postfix/main.cf ]; then
  cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf 2>/dev/null || touch /etc/postfix/main.cf
fi
