#!/usr/bin/env bash
# Install Debian's chromium when no chromium is on this machine (report.html render test).
# Does nothing when one is found; exits non-zero only when an install was tried and failed.
set -euo pipefail

for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then
        echo "chromium present: $(command -v "$candidate")"
        exit 0
    fi
done

if [ "$(id -u)" -ne 0 ]; then
    echo "chromium missing and not root: install Debian's chromium package to run the report render test" >&2
    exit 1
fi

echo "installing Debian's chromium"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
command -v chromium
