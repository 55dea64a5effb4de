#!/usr/bin/env bash
# Builds the web app into one directory: each bundle (crates/api/src/routes.rs) with Trunk, so
# each page loads only its bundle's wasm. index.html is the register bundle; the HTML of the
# account, manage and security bundles is index.html with their binary, written next to it (git
# ignores them); the embed bundle has its own committed embed.html (fewer style sheets). Hashed
# asset names never collide.
#   scripts/build-web.sh DIST [trunk build flags, e.g. --release]
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:?usage: scripts/build-web.sh DIST [trunk flags]}
shift
stage=$(mktemp -d /tmp/bankid-web.XXXXXX)
trap 'rm -rf "$stage"' EXIT
trunk build "$@" --dist "$dist" index.html
for page in account manage security; do
  sed "s/data-bin=\"bankid-portal-web\"/data-bin=\"bankid-portal-$page\"/" index.html > "$page.html"
  grep -q "data-bin=\"bankid-portal-$page\"" "$page.html"
  trunk build "$@" --dist "$stage/$page" "$page.html"
  # Trunk always names its output index.html.
  mv "$stage/$page/index.html" "$dist/$page.html"
  cp -R "$stage/$page/." "$dist/"
done
# The embed bundle: its own page.
trunk build "$@" --dist "$stage/embed" embed.html
mv "$stage/embed/index.html" "$dist/embed.html"
cp -R "$stage/embed/." "$dist/"
