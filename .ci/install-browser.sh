#!/usr/bin/env bash
# Install what the widget's browser tests need: Debian's Chromium and Playwright for Python.
# Idempotent; runs as root on a fresh Debian machine. Never `playwright install`: it downloads
# a browser build of its own, which this network refuses. The tests launch /usr/bin/chromium.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y chromium
fi

if ! python3 -c "import playwright.sync_api" >/dev/null 2>&1; then
    python3 -m pip install --quiet playwright
fi

chromium --version 2>/dev/null || true
python3 -c "import importlib.metadata as m; print('playwright', m.version('playwright'))"
