#!/usr/bin/env bash
# Vendor axe-core (accessibility checks for the browser tests) from the npm registry.
set -euo pipefail
version="${1:-4}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "axe-core@${version}" >/dev/null
tar xzf axe-core-*.tgz
cp package/axe.min.js "$here/tests/browser/vendor/axe.min.js"
cp package/LICENSE "$here/tests/browser/vendor/axe-LICENSE.txt"
echo "vendored axe-core $(node -p "require('./package/package.json').version")"
