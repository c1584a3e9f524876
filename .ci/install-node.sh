#!/usr/bin/env bash
# Install what the feed tests need to parse calendars with Mozilla's ical.js: Node.js and npm
# from Debian when missing, then the locked packages of tests/ical. Idempotent; runs as root on a
# fresh Debian machine. node_modules is not committed: package-lock.json pins what npm installs.
set -euo pipefail
cd "$(dirname "$0")/../tests/ical"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y nodejs npm
fi

# `npm ls` fails when node_modules is missing or differs from the lock file.
if ! npm ls --silent >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --loglevel=error
fi

echo "node $(node --version), $(npm ls --depth=0 2>/dev/null | grep ical.js || echo 'ical.js missing')"
