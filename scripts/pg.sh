#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests and the benchmark: Debian's PostgreSQL (installed
# when missing), listening on 127.0.0.1 only with trust authentication, everything under DIR
# (cluster in DIR/data, socket in DIR, log DIR/pg.log, postmaster PID in DIR/pg.pid). A real
# database: fsync stays on.
#   scripts/pg.sh start DIR PORT   starts it and prints postgres://postgres@127.0.0.1:PORT/portal
#   scripts/pg.sh stop DIR         fast shutdown by PID (KILL after 20 s); DIR is left to the caller
set -euo pipefail

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { echo "pg.sh: $*" >&2; exit 1; }
usage() { sed -n '6,7p' "$0" >&2; exit 2; }

# The newest /usr/lib/postgresql/*/bin with a server, else the one on PATH; empty when none.
find_bin() {
  local d best="" v bestv=0
  for d in /usr/lib/postgresql/*/bin; do
    if [ ! -x "$d/initdb" ] || [ ! -x "$d/pg_ctl" ]; then continue; fi
    v=$(basename "$(dirname "$d")"); v=${v%%.*}
    [[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt "$bestv" ] && { best=$d; bestv=$v; }
  done
  if [ -z "$best" ] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    best=$(dirname "$(command -v initdb)")
  fi
  echo "$best"
}

# Alive, and still the postmaster of DIR/data (it runs with the data directory as its cwd).
is_ours() {
  kill -0 "$1" 2>/dev/null && [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$2/data" ]
}

start() {
  local dir=$1 port=$2 bin
  if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then die "bad port: $port"; fi
  if [ -f "$dir/pg.pid" ] && [ -d "$dir/data" ] && is_ours "$(cat "$dir/pg.pid")" "$(cd "$dir" && pwd -P)"; then
    die "a cluster is already running in $dir (PID $(cat "$dir/pg.pid")); stop it first"
  fi
  if (: <>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is taken"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  [[ $dir != *"'"* ]] || die "DIR must not contain a quote: $dir"
  # The socket path has a length limit (107 bytes on Linux).
  [ ${#dir} -le 90 ] || die "DIR is too long for a socket path: $dir"

  bin=$(find_bin)
  if [ -z "$bin" ]; then
    say "installing PostgreSQL from Debian"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(find_bin)
    [ -n "$bin" ] || die "PostgreSQL installed, but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
  fi

  # initdb refuses to run as root: the cluster then belongs to the postgres user.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user to own the cluster"
    chown postgres:postgres "$dir"
    as=(runuser -u postgres --)
  fi
  chmod 700 "$dir"
  run() { ${as[@]+"${as[@]}"} "$@"; }
  run test -w "$dir" || die "the cluster's user cannot write $dir (are its parents searchable?)"

  local out
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    out=$(run "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C 2>&1) \
      || { echo "$out" >&2; die "initdb failed"; }
    echo "include_if_exists = 'pg_sh.conf'" >> "$dir/data/postgresql.conf"
  fi
  # Rewritten on every start; the main file includes it last, so these win.
  cat > "$dir/data/pg_sh.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
logging_collector = off
CONF
  chmod 644 "$dir/data/pg_sh.conf"

  out=$(run "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 start 2>&1) \
    || { echo "$out" >&2; tail -n 20 "$dir/pg.log" >&2 || true; die "the cluster did not start"; }
  head -n 1 "$dir/data/postmaster.pid" > "$dir/pg.pid"

  local has
  has=$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XqAt \
    -c "SELECT 1 FROM pg_database WHERE datname = 'portal'")
  [ "$has" = 1 ] || "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres portal
  echo "postgres://postgres@127.0.0.1:$port/portal"
}

stop() {
  local dir=$1 pid
  [ -d "$dir" ] || die "no directory $dir"
  dir=$(cd "$dir" && pwd -P)
  [ -f "$dir/pg.pid" ] || die "no $dir/pg.pid: no cluster started there"
  pid=$(cat "$dir/pg.pid")
  [[ $pid =~ ^[0-9]+$ ]] || die "bad PID in $dir/pg.pid: $pid"
  if is_ours "$pid" "$dir"; then
    # SIGINT: fast shutdown (open transactions rolled back, clean checkpoint).
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do is_ours "$pid" "$dir" || break; sleep 0.1; done
    if is_ours "$pid" "$dir"; then
      say "PostgreSQL $pid did not stop in 20 s: killing it"
      local shm children
      shm=$(sed -n '7p' "$dir/data/postmaster.pid" 2>/dev/null | awk '{ print $2 }')
      # Its children (backends, checkpointer…) each lead a process group of their own: by PID too.
      children=$(ps -o pid= --ppid "$pid" || true)
      # shellcheck disable=SC2086 # one PID a word
      kill -KILL "$pid" $children 2>/dev/null || true
      for _ in $(seq 1 50); do is_ours "$pid" "$dir" || break; sleep 0.1; done
      # The small System V segment a killed postmaster leaves behind.
      [ -z "$shm" ] || ipcrm -m "$shm" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/pg.pid"
}

case "${1:-}" in
  start) [ $# = 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# = 2 ] || usage; stop "$2" ;;
  *) usage ;;
esac
