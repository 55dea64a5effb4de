#!/usr/bin/env bash
# Builds the web app into one directory: each bundle (crates/api/src/routes.rs) with Trunk, so
# each page loads only its bundle's wasm. index.html is the register bundle; the HTML of the
# account, manage and security bundles is index.html with their binary, written next to it (git
# ignores them); the embed bundle has its own committed embed.html. Each page loads one style
# sheet: style/build/*.css, the layers it needs in order, written here (git ignores them). Hashed
# asset names never collide. Last, scripts/finish-dist.mjs gives the logos and marks hashed names
# and compresses every asset once (brotli 11, gzip 9), for the server to send as they are.
#   scripts/build-web.sh DIST [trunk build flags, e.g. --release]
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:?usage: scripts/build-web.sh DIST [trunk flags]}
shift
stage=$(mktemp -d /tmp/bankid-web.XXXXXX)
trap 'rm -rf "$stage"' EXIT
# One style sheet per page, its layers in order (settings → base → objects → components →
# utilities). The register, account and security pages share one; the manage pages add theirs.
mkdir -p style/build
layers() { for l in "$@"; do cat "style/$l.css"; printf '\n'; done; }
layers settings base objects components account utilities > style/build/portal.css
layers settings base objects components account manage utilities > style/build/portal-manage.css
layers settings base components embed utilities > style/build/embed.css
trunk build "$@" --dist "$dist" index.html
for page in account manage security; do
  sed "s/data-bin=\"bankid-portal-web\"/data-bin=\"bankid-portal-$page\"/" index.html > "$page.html"
  grep -q "data-bin=\"bankid-portal-$page\"" "$page.html"
  if [ "$page" = manage ]; then
    sed -i 's#style/build/portal.css#style/build/portal-manage.css#' "$page.html"
    grep -q 'style/build/portal-manage.css' "$page.html"
  fi
  trunk build "$@" --dist "$stage/$page" "$page.html"
  # Trunk always names its output index.html.
  mv "$stage/$page/index.html" "$dist/$page.html"
  cp -R "$stage/$page/." "$dist/"
done
# The embed bundle: its own page.
trunk build "$@" --dist "$stage/embed" embed.html
mv "$stage/embed/index.html" "$dist/embed.html"
cp -R "$stage/embed/." "$dist/"
node scripts/finish-dist.mjs "$dist"
