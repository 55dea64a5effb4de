#!/usr/bin/env bash
# Runs every test of bankid-portal: formatting and lints (host and wasm32), unit and integration
# tests (real SQLite files, real HTTP on 127.0.0.1, the real sandbox banks), component tests in
# headless Chromium, and end-to-end tests with Playwright + axe against the built app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
. scripts/env.sh

export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# A clean clone builds once: incremental state would only cost disk and time.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

# Everything a run writes outside target/ (SQLite files of the tests, Chromium profiles, the e2e
# server's files) goes under one directory that is removed when the run ends, whatever its outcome:
# a killed Chromium leaves its ~80 MB profile behind, and runs must not fill the disk.
RUN_DIR=$(mktemp -d /tmp/bankid-test.XXXXXX)
mkdir -p "$RUN_DIR/tmp"
export TMPDIR="$RUN_DIR/tmp"
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
summary=()
t0=$(date +%s)
step() {
  local name=$1; shift
  printf '\n\033[1m==> %s\033[0m\n' "$name"
  local s; s=$(date +%s)
  "$@"
  summary+=("$(printf '%-34s %4ss' "$name" $(( $(date +%s) - s )))")
}

step "rustfmt" cargo fmt --all --check
step "clippy (host)" cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (wasm32)" cargo clippy -p bankid-portal-web -p bankid-api --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
step "unit + integration tests" cargo test --workspace --locked
step "component tests (Chromium)" cargo test -p bankid-portal-web --target wasm32-unknown-unknown --locked

# End to end: the release web app served by the real server with the sandbox banks.
E2E_DIR="$RUN_DIR/e2e"
mkdir -p "$E2E_DIR"
step "web app build (release)" scripts/build-web.sh "$E2E_DIR/dist" --release
step "server build" cargo build -p bankid-server --locked

PORT=${E2E_PORT:-18080}
SB_PORT=${E2E_SANDBOX_PORT:-18081}
sed -e "s#127.0.0.1:8080#127.0.0.1:$PORT#g" \
    -e "s#127.0.0.1:8081#127.0.0.1:$SB_PORT#g" \
    -e "s#sqlite://var/portal.sqlite#sqlite://$E2E_DIR/portal.sqlite#" \
    -e "s#^dist_dir = .*#dist_dir = \"$E2E_DIR/dist\"#" \
    config/portal.toml > "$E2E_DIR/portal.toml"
target/debug/bankid-server --config "$E2E_DIR/portal.toml" > "$E2E_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$E2E_DIR/server.log"; exit 1; }
  sleep 0.1
done
export PORTAL_URL="http://127.0.0.1:$PORT" E2E_OUT="$E2E_DIR"
e2e() {
  (cd tests/e2e && npx playwright test) && return 0
  printf '\n==> server log (last 60 lines)\n'; tail -n 60 "$E2E_DIR/server.log"
  return 1
}
step "end-to-end (Playwright + axe)" e2e

printf '\n==> timings\n'
printf '  %s\n' "${summary[@]}"
printf '  %-34s %4ss\n' "total" $(( $(date +%s) - t0 ))
