#!/usr/bin/env bash
# Prints the figures the project tracks: first-load bundle sizes of the release web app (raw, gzip,
# brotli), and release build times (clean in a fresh target dir, then incremental after touching
# one source file). Budget: first load (html + wasm + js + css) <= 200,000 bytes brotli for every
# bundle, since a citizen may arrive at any page; <= 150,000 for the embed bundle, which loads
# inside a partner bank's page. The page as a running server sends it (with its boot data, the
# precompressed assets): `node scripts/served-size.mjs PORTAL_URL`.
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
  CARGO_TARGET_DIR="$out/target" scripts/build-web.sh "$out/clean-dist" --release >/dev/null 2>&1
  printf 'clean release build of all bundles (fresh target dir): %d s\n' $(( ($(date +%s%N) - s) / 1000000000 ))
fi
scripts/build-web.sh "$out/dist" --release >/dev/null 2>&1
touch src/lib.rs
s=$(date +%s%N)
scripts/build-web.sh "$out/dist" --release >/dev/null 2>&1
printf 'incremental release build of all bundles (after touching src/lib.rs): %d s\n' $(( ($(date +%s%N) - s) / 1000000000 ))

# A page loads its bundle's HTML and what that HTML references (wasm, js, css).
for html in "$out"/dist/*.html; do
  printf '\n%-48s %9s %9s %9s\n' "$(basename "$html") first load" "raw" "gzip" "brotli"
  tr=0; tg=0; tb=0
  files=("$html")
  for ref in $(grep -oE '(href|src)="?/[^" >]+\.(wasm|js|css)' "$html" | sed -E 's/^[^/]*\///' | sort -u); do
    files+=("$out/dist/$ref")
  done
  for f in "${files[@]}"; do
    r=$(wc -c < "$f"); g=$(gzip -9 -c "$f" | wc -c); b=$(brotli -q 11 -c "$f" | wc -c)
    tr=$((tr + r)); tg=$((tg + g)); tb=$((tb + b))
    printf '  %-46s %9d %9d %9d\n' "$(basename "$f")" "$r" "$g" "$b"
  done
  printf '  %-46s %9d %9d %9d\n' "total" "$tr" "$tg" "$tb"
  budget=200000
  [ "$(basename "$html")" = embed.html ] && budget=150000
  printf '  budget: %d of %d bytes brotli (%d%%)\n' "$tb" "$budget" $((tb * 100 / budget))
done
rm -rf "$out"
