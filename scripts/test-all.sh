#!/usr/bin/env bash
# test-all.sh: the whole test suite, as README "Quick start" and .ci/run run it.
# 1. installs the peers (apt: postfix, swaks, postgresql, ...; pip: pytest into .venv)
# 2. builds (debug for unit and end-to-end tests, release for the corpus check)
# 3. starts a throwaway PostgreSQL cluster for the store conformance suite
# 4. swift test (unit, golden, chunk-split, store conformance on SQLite and PostgreSQL)
# 5. pytest e2e/ (swaks, a private Postfix instance, smtp-sink, LMTP, faults, smuggling, limits)
# 6. the tracker corpus (../shared/corpus, then Tests/corpus-probe), both consent modes, release binary
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
corpus=${PIXELGATE_CORPUS:-$root/../shared/corpus}

step() { printf '\n==== %s ====\n' "$*"; }

step "dependencies"
./scripts/install-deps.sh --test
# --system-site-packages: selenium comes from apt (python3-selenium) beside chromium-driver.
if [ ! -x .venv/bin/python ]; then python3 -m venv --system-site-packages .venv; fi
.venv/bin/pip install -q -r e2e/requirements.txt

step "build (debug)"
swift build --build-tests

step "PostgreSQL test cluster"
export PIXELGATE_TEST_PG_DIR=/tmp/pixelgate-pg-test-$$
cleanup() { ./scripts/pg-test-cluster.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
eval "$(./scripts/pg-test-cluster.sh start)"
export PIXELGATE_TEST_PG PIXELGATE_TEST_PG_REQUIRED=1

step "swift test"
swift test --skip-build

step "end-to-end (pytest)"
PIXELGATE_BIN="$root/.build/debug/pixelgate" .venv/bin/python -m pytest -q -x e2e

step "build (release) for the corpus check"
swift build -c release --product pixelgate

step "tracker corpus"
if [ -f "$corpus/check.py" ]; then
  # The shared corpus, then the probe corpus: shapes the shared one does not have (Tests/corpus-probe/README.md).
  for dir in "$corpus" "$root/Tests/corpus-probe"; do
    for mode in none declared; do
      python3 "$corpus/check.py" --dir "$dir" --consent-mode "$mode" \
        --cmd "$root/.build/release/pixelgate filter --recipient {rcpt} --consent {consent}"
    done
  done
else
  echo "test-all: WARNING: corpus not found at $corpus (set PIXELGATE_CORPUS); corpus check not run" >&2
fi

step "all tests passed"
