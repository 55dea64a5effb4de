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
SERVER_PIDS=()
cleanup() {
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -f "$RUN_DIR/pg/pg.pid" ]; then scripts/pg.sh stop "$RUN_DIR/pg" || true; fi
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
# The server, and the example that registers a sandbox customer for the signed-in API fuzzing.
step "server build" cargo build -p bankid-server --locked --bins --example session
TARGET_DIR=${CARGO_TARGET_DIR:-target}

# Two portals (each with its sandbox banks and its own SQLite file): the main one, and one that asks
# for a new bank sign-in after 8 s instead of 10 min, so the re-authentication pages can be tested
# in a browser (reauth.spec.js).
# Every e2e test starts bank round trips from 127.0.0.1, so the per-address start limit is lifted
# there (the limit itself has a server test).
start_server() {
  local name=$1 port=$2 sb_port=$3 recent=$4 demo_port=$5
  sed -e "s#127.0.0.1:8080#127.0.0.1:$port#g" \
      -e "s#127.0.0.1:8081#127.0.0.1:$sb_port#g" \
      -e "s#127.0.0.2:8082#127.0.0.2:$demo_port#g" \
      -e "s#sqlite://var/portal.sqlite#sqlite://$E2E_DIR/$name.sqlite#" \
      -e "s#^dist_dir = .*#dist_dir = \"$E2E_DIR/dist\"#" \
      -e "s#^recent_auth_seconds = .*#recent_auth_seconds = $recent\nstarts_per_address = 100000#" \
      config/portal.toml > "$E2E_DIR/$name.toml"
  launch "$name" "$port"
}
# Starts the server with $E2E_DIR/NAME.toml and waits until it answers on PORT.
launch() {
  local name=$1 port=$2
  "$TARGET_DIR/debug/bankid-server" --config "$E2E_DIR/$name.toml" > "$E2E_DIR/$name.log" 2>&1 &
  local pid=$!
  SERVER_PIDS+=("$pid")
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$E2E_DIR/$name.log"; return 1; }
    sleep 0.1
  done
  echo "$name did not start"; cat "$E2E_DIR/$name.log"; return 1
}
PORT=${E2E_PORT:-18080}
REAUTH_PORT=$((PORT + 2))
start_server portal "$PORT" $((PORT + 1)) 600 $((PORT + 4))
start_server portal-reauth "$REAUTH_PORT" $((PORT + 3)) 8 $((PORT + 5))
grep -q '^recent_auth_seconds = 8$' "$E2E_DIR/portal-reauth.toml"
# The demo bank website of the first portal (a second loopback origin that embeds the portal), and
# a third origin its banks do not allow (embed.spec.js serves a page there itself).
DEMO_URL="http://127.0.0.2:$((PORT + 4))"
curl -fsS "$DEMO_URL/" >/dev/null
export PORTAL_URL="http://127.0.0.1:$PORT" REAUTH_PORTAL_URL="http://127.0.0.1:$REAUTH_PORT" E2E_OUT="$E2E_DIR"
export DEMO_URL FOREIGN_PORT=$((PORT + 6))
# Issue 13: each page's first load as the server sends it (the page with its boot data, its style
# sheet, the bundle's JS and wasm, precompressed brotli) within 200,000 bytes; the embed page
# within 150,000.
step "first-load sizes (brotli)" node scripts/served-size.mjs "$PORTAL_URL"
e2e() {
  (cd tests/e2e && npx playwright test) && return 0
  for log in "$E2E_DIR"/*.log; do printf '\n==> %s (last 40 lines)\n' "$log"; tail -n 40 "$log"; done
  return 1
}
step "end-to-end (Playwright + axe)" e2e

# Lighthouse (issue 13) on the second portal (its own database, so the citizen it registers meets
# no one else's test): the entry page, the phone step and the signed-in status page, with its
# mobile and desktop profiles; fails below performance 98, accessibility 100, best practices 100,
# layout shift 0.02, LCP 1.8 s (mobile). Reports go to the run's directory.
lighthouse_check() {
  local cookie
  cookie=$("$TARGET_DIR/debug/examples/session" "$REAUTH_PORTAL_URL") || return 1
  node tests/e2e/lighthouse.mjs "$REAUTH_PORTAL_URL" "$cookie"
}
step "Lighthouse (mobile + desktop)" lighthouse_check

# API fuzzing: schemathesis generates requests from the document the portal serves (valid ones and
# invalid ones) and checks every answer against it: documented status, content type, headers and
# body schema, no 5xx, invalid data refused, valid data accepted, authentication enforced. After
# the end-to-end tests, on the same portal (a customer none of them uses). Signed out, then signed
# in as a registered sandbox customer (the session's cookie given as the `bp_session` scheme's key),
# without sign-out (it would end the session the run depends on). Settings and the answers expected
# beyond the defaults: tests/api-fuzz/schemathesis.toml. Its files (.hypothesis etc.) go to RUN_DIR.
api_fuzz() {
  local st; st="$(pwd)/target/schemathesis-venv/bin/schemathesis"
  local settings; settings="$(pwd)/tests/api-fuzz/schemathesis.toml"
  local args=(run "$PORTAL_URL/api/v1/openapi.json" --url "$PORTAL_URL" --checks all
    --max-examples 40 --workers 1 --no-color)
  local dir="$RUN_DIR/api-fuzz"
  mkdir -p "$dir"
  printf '\n--- signed out\n'
  (cd "$dir" && "$st" --config-file "$settings" "${args[@]}") || return 1
  local cookie
  cookie=$("$TARGET_DIR/debug/examples/session" "$PORTAL_URL") || return 1
  cp "$settings" "$dir/signed-in.toml"
  printf '\n[auth.openapi.bp_session]\napi_key = "${BP_SESSION}"\n' >> "$dir/signed-in.toml"
  printf '\n--- signed in\n'
  (cd "$dir" && BP_SESSION=${cookie#*=} "$st" --config-file "$dir/signed-in.toml" "${args[@]}" \
    --exclude-operation-id signOut)
}
step "API fuzzing (schemathesis)" api_fuzz

# PostgreSQL (issue 12): a throw-away cluster of Debian's PostgreSQL under RUN_DIR, on loopback,
# stopped by PID. The store's tests and the whole API suite run on it (each test environment in a
# database of its own), then two replicas of the portal share one database behind a balancer that
# sends each request to the other replica in turn, and a browser registers, activates and signs in
# through it: a registration started on one replica finishes its bank callback on the other.
PG_PORT=$((PORT + 10))
chmod 711 "$RUN_DIR"
PG_URL=$(scripts/pg.sh start "$RUN_DIR/pg" "$PG_PORT")
step "store + API tests (PostgreSQL)" env BANKID_TEST_POSTGRES_URL="$PG_URL" \
  cargo test -p bankid-server --locked
replicas() {
  local lb=$((PORT + 11)) sb=$((PORT + 12)) r name port sbl demo
  for r in a b; do
    name=replica-$r
    if [ $r = a ]; then port=$((PORT + 13)); sbl=$sb; demo=$((PORT + 15))
    else port=$((PORT + 14)); sbl=$((PORT + 16)); demo=$((PORT + 17)); fi
    # Listens on its own port; its public URL is the balancer's. Both use replica a's sandbox
    # banks (b's own sandbox listens elsewhere and is never called).
    sed -e "s#^listen = \"127.0.0.1:8080\"#listen = \"127.0.0.1:$port\"#" \
        -e "s#127.0.0.1:8080#127.0.0.1:$lb#g" \
        -e "s#^listen = \"127.0.0.1:8081\"#listen = \"127.0.0.1:$sbl\"#" \
        -e "s#127.0.0.1:8081#127.0.0.1:$sb#g" \
        -e "s#127.0.0.2:8082#127.0.0.2:$demo#g" \
        -e "s#sqlite://var/portal.sqlite#$PG_URL#" \
        -e "s#^dist_dir = .*#dist_dir = \"$E2E_DIR/dist\"#" \
        -e "s#^recent_auth_seconds = .*#recent_auth_seconds = 600\nstarts_per_address = 100000#" \
        config/portal.toml > "$E2E_DIR/$name.toml"
    launch "$name" "$port" || return 1
  done
  node tests/e2e/alternate.mjs "$lb" "http://127.0.0.1:$((PORT + 13))" "http://127.0.0.1:$((PORT + 14))" \
    > "$E2E_DIR/alternate.log" 2>&1 &
  SERVER_PIDS+=("$!")
  for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$lb/__alternate" >/dev/null 2>&1 && break; sleep 0.1; done
  (cd tests/e2e && PORTAL_URL="http://127.0.0.1:$lb" npx playwright test register.spec.js account.spec.js) || {
    for log in "$E2E_DIR"/replica-*.log; do printf '\n==> %s (last 40 lines)\n' "$log"; tail -n 40 "$log"; done
    return 1
  }
  # Both replicas served, each started registrations and each finished bank callbacks.
  local stats; stats=$(curl -fsS "http://127.0.0.1:$lb/__alternate")
  echo "replicas: $stats"
  node -e 'const s = JSON.parse(process.argv[1]);
    const bad = s.filter((r) => !(r.requests > 0 && r.starts > 0 && r.callbacks > 0));
    if (bad.length) { console.error("a replica did not take part:", JSON.stringify(bad)); process.exit(1); }' "$stats"
}
step "two replicas on PostgreSQL (Playwright)" replicas

printf '\n==> timings\n'
printf '  %s\n' "${summary[@]}"
printf '  %-34s %4ss\n' "total" $(( $(date +%s) - t0 ))
