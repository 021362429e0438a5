#!/bin/sh
# Vendor the front end's one third-party script (htmx) into the package, so no page
# ever loads anything from another host. Run from anywhere; needs npm (registry access).
# Usage: scripts/vendor.sh [htmx version spec, default 2]
set -eu

VERSION="${1:-2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/backease/front/static/front/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
TARBALL="$(npm pack --silent "htmx.org@$VERSION")"
tar -xzf "$TARBALL"

mkdir -p "$DEST"
cp package/dist/htmx.min.js "$DEST/htmx.min.js"
cp package/LICENSE "$DEST/htmx.LICENSE"
PACKED="$(node -p "require('./package/package.json').version")"
printf 'htmx.org %s (BSD Zero Clause License, see htmx.LICENSE)\nfrom the npm package htmx.org@%s, file dist/htmx.min.js\n' \
    "$PACKED" "$PACKED" > "$DEST/README.txt"
echo "vendored htmx $PACKED into $DEST"
