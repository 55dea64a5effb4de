#!/usr/bin/env bash
# Installs what building and testing bankid-portal needs, skipping whatever is already there at the
# right version. Safe to run again: a second run takes seconds.
#   scripts/setup.sh           tools to build and run (wasm target, trunk, wasm-bindgen-cli, wasm-opt)
#   scripts/setup.sh --test    also Chromium + ChromeDriver, the e2e npm packages and the API fuzzer
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.22.1
# The API fuzzer of scripts/test.sh, in a virtualenv of its own under target/ (kept between runs).
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV=target/schemathesis-venv
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock exactly.
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$WBG_VERSION" ] || { echo "cannot read the wasm-bindgen version from Cargo.lock" >&2; exit 1; }
grep -q "wasm_bindgen = \"$WBG_VERSION\"" Trunk.toml || { echo "Trunk.toml's wasm_bindgen differs from Cargo.lock ($WBG_VERSION)" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION from crates.io (takes 10-20 minutes once)"
  # trunk 0.22 declares a newer rust-version than this machine's; it builds fine with it.
  cargo install trunk --version "$TRUNK_VERSION" --locked --ignore-rust-version
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WBG_VERSION"; then
  say "installing wasm-bindgen-cli $WBG_VERSION (about 5 minutes once)"
  # Not --locked: its lockfile pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --force
fi

if [ "$want_test" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  say "installing Chromium and ChromeDriver from Debian"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# PostgreSQL server for the replica tests (scripts/pg.sh starts throw-away clusters with it).
if [ "$want_test" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing PostgreSQL from Debian"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

# npm packages: binaryen's wasm-opt (Debian's is too old and breaks the wasm) and, for tests,
# Playwright + axe-core. Browsers are never downloaded: tests use Debian's Chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -x tests/e2e/node_modules/.bin/wasm-opt ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.stamp ]; then
  say "installing npm packages (tests/e2e)"
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.stamp)
fi

if [ "$want_test" = 1 ] && ! "$SCHEMATHESIS_VENV/bin/schemathesis" --version 2>/dev/null | grep -q " $SCHEMATHESIS_VERSION\$"; then
  say "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $SCHEMATHESIS_VENV (about 30 s once)"
  rm -rf "$SCHEMATHESIS_VENV"
  python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
