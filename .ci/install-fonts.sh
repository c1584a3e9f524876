#!/usr/bin/env bash
# Install the fonts the pictures (lanes.svg/png, map.svg) name: Noto CJK for Chinese labels,
# DejaVu for Latin, so cairosvg's PNGs and the browser screenshots draw real glyphs.
# Idempotent; runs as root on a fresh Debian machine. cairosvg needs libcairo2 too.
set -euo pipefail

missing=()
for package in fonts-noto-cjk fonts-dejavu-core libcairo2; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

fc-list :lang=zh family | head -n 3
