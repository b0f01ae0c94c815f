#!/usr/bin/env bash
# Install axe-core (pinned in tests/a11y/package-lock.json) for the accessibility tests, and
# print the path of axe.min.js. Quick and silent when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/a11y
script="$dir/node_modules/axe-core/axe.min.js"
if [ ! -f "$script" ]; then
    scripts/system-packages.sh npm >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
fi
echo "$PWD/$script"
