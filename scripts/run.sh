#!/usr/bin/env bash
# Runs bankid-portal: the portal at http://127.0.0.1:8080 with the sandbox banks at
# http://127.0.0.1:8081, the demo bank website (the portal embedded in a bank's page) at
# http://127.0.0.2:8082 and the SQLite database var/portal.sqlite. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh

echo "==> building the web app (scripts/build-web.sh, trunk --release)" >&2
scripts/build-web.sh dist --release >&2
echo "==> building the server" >&2
cargo build -p bankid-server >&2
mkdir -p var

cat <<'MSG'

  bankid-portal is starting at   http://127.0.0.1:8080
  sandbox banks                  http://127.0.0.1:8081
  demo bank website (embedded)   http://127.0.0.2:8082/sber/

  Register: pick a bank (e.g. Sberbank), type the phone +7 916 123-45-67,
  accept the consent, then sign in at the sandbox bank as
      login: ivanov     password: sandbox
  The bank's one-time SMS code is shown on its page. Other test customers
  (rejections, Ukrainian banks) are listed in README.md.

MSG
exec target/debug/bankid-server --config config/portal.toml
