#!/usr/bin/env bash
# Registration throughput, side by side (issue 12 §3): the release portal (no in-process sandbox)
# and the Node reference RP (../shared/perf-reference) against the same sandbox bank in another
# process in its non-interactive mode (`sandbox-bank --auto-approve`: a code for a fresh person
# at once), driven by crates/server/examples/loadgen.rs. Prints one table (flows/s, flow and
# callback p50/p90/p99, RP CPU ms per flow over the measured window, RSS peak, failures by kind,
# the ratios portal / reference) and checks accounts written = successful flows.
#
#   scripts/bench.sh [--quick] [--levels 8,32,64,300/s,status@5000/s] [--db sqlite|postgres]
#
# Levels (the default above): N, registrations N in flight; RATE/s, registrations started at a
# paced rate; status@RATE/s, the status page's read (GET /api/v1/registrations/{id} with the
# browser's cookie) at a paced rate, open-loop, round-robin over a pool of 200 citizens registered
# first (not measured), portal only (the reference has no status page), in a table of its own:
# reads/s, read p50/p90/p99/max, CPU per 1,000 reads, RSS peak (issue 12: p99 < 5 ms at 5,000/s).
# --quick: 3 s warm-ups and 5 s windows instead of 8 s and 15 s. --db: the portal's store; sqlite
# (the default): one portal on a SQLite file; postgres: a throw-away cluster (scripts/pg.sh) and
# two portal replicas sharing it, a flow's requests alternating between them; the portal's RP CPU
# then includes the database server's processes and is summed over the replicas, its RSS peak is
# the replicas' summed (the database server's memory is reported on its own). Everything it writes
# is in one temporary directory it removes; it stops what it started by PID. The reference's npm
# packages are cached in target/perf-reference (the first run compiles better-sqlite3, ~1–2 min).
# Not run by scripts/test.sh: a benchmark, not a test. Both RPs log warnings only (the reference
# logs nothing per request either).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/env.sh

LEVELS="8,32,64,300/s,status@5000/s"
WARMUP=8
WINDOW=15
DB=sqlite
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) WARMUP=3; WINDOW=5 ;;
    --levels) LEVELS="${2:?--levels needs a value, e.g. 8,32,300/s,status@5000/s}"; shift ;;
    --levels=*) LEVELS="${1#--levels=}" ;;
    --db) DB="${2:?--db needs a value: sqlite or postgres}"; shift ;;
    --db=*) DB="${1#--db=}" ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case "$DB" in
  sqlite|postgres) ;;
  *) echo "bench.sh: --db takes sqlite or postgres, not $DB" >&2; exit 2 ;;
esac

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
REF_SRC=${PERF_REFERENCE:-$ROOT/../shared/perf-reference}
[ -f "$REF_SRC/reference-rp.mjs" ] || { echo "bench.sh: no reference RP at $REF_SRC (set PERF_REFERENCE)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "bench.sh: needs node and npm" >&2; exit 1; }

echo "==> building release binaries (bankid-server, sandbox-bank, loadgen)" >&2
cargo build --release -p bankid-server -p sandbox-bank \
  --bin bankid-server --bin sandbox-bank --example loadgen >&2

# The reference RP: a copy with its npm packages, reinstalled only when its lock file changes.
REF=$TARGET/perf-reference
stamp=$(cat "$REF_SRC/package.json" "$REF_SRC/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -d "$REF/node_modules/openid-client" ] || [ "$(cat "$REF/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "==> npm ci of the reference RP in $REF" >&2
  rm -rf "$REF"
  mkdir -p "$REF"
  cp "$REF_SRC"/package.json "$REF_SRC"/package-lock.json "$REF"/
  (cd "$REF" && npm ci --no-audit --no-fund >&2)
  echo "$stamp" > "$REF/.stamp"
fi
cp "$REF_SRC"/reference-rp.mjs "$REF_SRC"/README.md "$REF"/

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bankid-bench.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  # The cluster after its clients. pg.sh stops it by the PID it recorded (a start cut short
  # before recording it: the postmaster's own PID file), checking it is still this cluster's.
  if [ -d "$TMP/pg" ]; then
    if [ ! -f "$TMP/pg/pg.pid" ] && [ -f "$TMP/pg/data/postmaster.pid" ]; then
      head -n 1 "$TMP/pg/data/postmaster.pid" > "$TMP/pg/pg.pid" 2>/dev/null || true
    fi
    if [ -f "$TMP/pg/pg.pid" ]; then scripts/pg.sh stop "$TMP/pg" >&2 || true; fi
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r BANK_PORT PORTAL_PORT REF_PORT PORTAL_B_PORT PG_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
for s in ss: s.close()')
BANK=http://127.0.0.1:$BANK_PORT
PORTAL=http://127.0.0.1:$PORTAL_PORT
PORTAL_B=http://127.0.0.1:$PORTAL_B_PORT
REFERENCE=http://127.0.0.1:$REF_PORT
SECRET=bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')

wait_for() { # URL NAME PID LOG
  for _ in $(seq 1 200); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "bench.sh: $2 exited:" >&2; tail -20 "$4" >&2; exit 1; fi
    sleep 0.1
  done
  echo "bench.sh: $2 did not answer at $1" >&2; tail -20 "$4" >&2; exit 1
}

echo "==> sandbox bank (non-interactive) at $BANK" >&2
RUST_LOG=warn "$TARGET/release/sandbox-bank" --listen "127.0.0.1:$BANK_PORT" --public-url "$BANK" \
  --client-id bench --client-secret "$SECRET" --client-name "bench" \
  --redirect-uri "$PORTAL/auth/callback" --redirect-uri "$REFERENCE/callback" \
  --auto-approve >"$TMP/bank.log" 2>&1 &
BANK_PID=$!; PIDS+=("$BANK_PID")
wait_for "$BANK/sber/.well-known/openid-configuration" "sandbox bank" "$BANK_PID" "$TMP/bank.log"

DB_URL=sqlite://$TMP/portal.sqlite
PORTAL_DB=$TMP/portal.sqlite
if [ "$DB" = postgres ]; then
  # The cluster's user (postgres, when this runs as root) must traverse $TMP to reach $TMP/pg.
  chmod 711 "$TMP"
  echo "==> PostgreSQL (throw-away cluster) on 127.0.0.1:$PG_PORT" >&2
  DB_URL=$(scripts/pg.sh start "$TMP/pg" "$PG_PORT")
  PORTAL_DB=$DB_URL
  PG_PID=$(cat "$TMP/pg/pg.pid")
fi

# The portal without [sandbox]: one bank, the separate sandbox process; plain authorization
# requests like the reference's (no PAR); every simulated citizen comes from 127.0.0.1. With
# PostgreSQL a second replica has the same configuration but its port: the same public URL
# (replica a's, where the bank sends the browser back; loadgen re-targets it) and database.
cat >"$TMP/portal.toml" <<TOML
[server]
listen = "127.0.0.1:$PORTAL_PORT"
public_url = "$PORTAL"
database_url = "$DB_URL"
dist_dir = "$TMP/no-dist"
pepper = "benchmark-pepper-0123456789abcdef"
data_keys = ["b1:YmVuY2htYXJrLWRhdGEta2V5LTAwMDAwMDAwMDAwMDA="]
starts_per_address = 4000000000

[[bank]]
id = "sber"
issuer = "$BANK/sber"
client_id = "bench"
client_secret = "$SECRET"
name = { ru = "Сбербанк", uk = "Сбербанк", en = "Sberbank" }
country = "RU"
logo = "/logos/sber.svg"
color = "#21A038"
id_token_algs = ["ES256"]
client_auth = "client_secret_basic"
par = "never"
TOML
LOGS=(bank portal reference)
if [ "$DB" = sqlite ]; then
  echo "==> portal (release) at $PORTAL" >&2
  RUST_LOG=warn "$TARGET/release/bankid-server" --config "$TMP/portal.toml" >"$TMP/portal.log" 2>&1 &
  PORTAL_PID=$!; PIDS+=("$PORTAL_PID")
else
  sed "s|^listen = .*|listen = \"127.0.0.1:$PORTAL_B_PORT\"|" "$TMP/portal.toml" >"$TMP/portal-b.toml"
  mv "$TMP/portal.toml" "$TMP/portal-a.toml"
  echo "==> portal replica a (release) at $PORTAL on PostgreSQL" >&2
  RUST_LOG=warn "$TARGET/release/bankid-server" --config "$TMP/portal-a.toml" >"$TMP/portal-a.log" 2>&1 &
  PORTAL_PID=$!; PIDS+=("$PORTAL_PID")
  # Replica b once a has migrated (both would take the migration lock in turn anyway).
  wait_for "$PORTAL/api/v1/health" "portal replica a" "$PORTAL_PID" "$TMP/portal-a.log"
  echo "==> portal replica b (release) at $PORTAL_B on PostgreSQL" >&2
  RUST_LOG=warn "$TARGET/release/bankid-server" --config "$TMP/portal-b.toml" >"$TMP/portal-b.log" 2>&1 &
  PORTAL_B_PID=$!; PIDS+=("$PORTAL_B_PID")
  LOGS=(bank portal-a portal-b reference)
fi

echo "==> reference RP (Node) at $REFERENCE" >&2
node "$REF/reference-rp.mjs" --port "$REF_PORT" --issuer "$BANK/sber" --client-id bench \
  --client-secret "$SECRET" --db "$TMP/reference.db" >"$TMP/reference.log" 2>&1 &
REF_PID=$!; PIDS+=("$REF_PID")
LOADGEN_PORTAL=(--portal "$PORTAL" --portal-pid "$PORTAL_PID" --portal-db "$PORTAL_DB")
if [ "$DB" = sqlite ]; then
  wait_for "$PORTAL/api/v1/health" "portal" "$PORTAL_PID" "$TMP/portal.log"
else
  wait_for "$PORTAL_B/api/v1/health" "portal replica b" "$PORTAL_B_PID" "$TMP/portal-b.log"
  LOADGEN_PORTAL=(--portal "$PORTAL,$PORTAL_B" --portal-pid "$PORTAL_PID,$PORTAL_B_PID"
    --portal-db "$PORTAL_DB" --db-pid "$PG_PID")
fi
wait_for "$REFERENCE/healthz" "reference RP" "$REF_PID" "$TMP/reference.log"

if [ "$DB" = sqlite ]; then
  echo "==> load (levels $LEVELS; ${WARMUP} s warm-up, ${WINDOW} s window each)" >&2
else
  echo "==> load (levels $LEVELS; ${WARMUP} s warm-up, ${WINDOW} s window each; portal: 2 replicas on PostgreSQL)" >&2
fi
status=0
"$TARGET/release/examples/loadgen" \
  "${LOADGEN_PORTAL[@]}" \
  --reference "$REFERENCE" --reference-pid "$REF_PID" --reference-dir "$REF" --reference-db "$TMP/reference.db" \
  --bank-pid "$BANK_PID" --bank sber --levels "$LEVELS" --warmup "$WARMUP" --window "$WINDOW" \
  --clk-tck "$(getconf CLK_TCK)" || status=$?
if [ "$status" -ne 0 ]; then
  echo "bench.sh: the load driver reported a problem (exit $status); last log lines:" >&2
  for f in "${LOGS[@]}"; do echo "--- $f" >&2; tail -5 "$TMP/$f.log" >&2; done
fi
exit "$status"
