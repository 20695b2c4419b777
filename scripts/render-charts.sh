#!/usr/bin/env bash
# Renders every SVG chart under reports/ (or the folders given) to a PNG beside it, with
# headless Chromium from the distribution's packages, for looking at the charts as a reviewer
# will. Not part of CI. Usage: scripts/render-charts.sh [DIR…]
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "render-charts: chromium is missing; install it with: sudo apt-get install -y chromium" >&2
        exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=(reports)

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

find "${dirs[@]}" -name '*.svg' -print0 | sort -z | while IFS= read -r -d '' svg; do
    # The window is the chart's own size, read from the root element.
    width=$(grep -o -m1 'width="[0-9]*"' "$svg" | head -1 | tr -dc 0-9)
    height=$(grep -o -m1 'height="[0-9]*"' "$svg" | head -1 | tr -dc 0-9)
    png="${svg%.svg}.png"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$profile" --screenshot="$png" \
        --window-size="${width:-1000},${height:-600}" "file://$(realpath "$svg")" >/dev/null 2>&1
    echo "$png (${width}x${height})"
done
