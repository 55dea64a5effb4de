#!/usr/bin/env bash
# Prints the figures the project tracks: first-load bundle sizes of the release web app (raw, gzip,
# brotli), and release build times (clean in a fresh target dir, then incremental after touching
# one source file). Budget: first load <= 250 KB brotli (wasm + js + css).
#   scripts/measure.sh            sizes + incremental build time
#   scripts/measure.sh --clean    also the clean build time (several minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
command -v brotli >/dev/null || { SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo; $SUDO apt-get install -y -qq brotli >/dev/null; }

out=$(mktemp -d /tmp/bankid-measure.XXXXXX)
if [ "${1:-}" = "--clean" ]; then
  s=$(date +%s%N)
  CARGO_TARGET_DIR="$out/target" trunk build --release --dist "$out/clean-dist" >/dev/null 2>&1
  printf 'clean release build (trunk, fresh target dir): %d s\n' $(( ($(date +%s%N) - s) / 1000000000 ))
fi
trunk build --release --dist "$out/dist" >/dev/null 2>&1
touch src/lib.rs
s=$(date +%s%N)
trunk build --release --dist "$out/dist" >/dev/null 2>&1
printf 'incremental release build (after touching src/lib.rs): %d s\n' $(( ($(date +%s%N) - s) / 1000000000 ))

printf '\n%-44s %9s %9s %9s\n' "file" "raw" "gzip" "brotli"
tr=0; tg=0; tb=0
for f in "$out"/dist/*.wasm "$out"/dist/*.js "$out"/dist/*.css "$out"/dist/index.html; do
  r=$(wc -c < "$f"); g=$(gzip -9 -c "$f" | wc -c); b=$(brotli -q 11 -c "$f" | wc -c)
  tr=$((tr + r)); tg=$((tg + g)); tb=$((tb + b))
  printf '%-44s %9d %9d %9d\n' "$(basename "$f")" "$r" "$g" "$b"
done
printf '%-44s %9d %9d %9d\n' "first load total" "$tr" "$tg" "$tb"
printf 'budget: %d of 256000 bytes brotli (%d%%)\n' "$tb" $((tb * 100 / 256000))
rm -rf "$out"
