#!/usr/bin/env bash
# Install Debian's chromium when no chromium is on this machine (used by the report.html render test).
# Never fails the caller: when chromium cannot be installed it says so, and that test skips with the reason.
set -uo pipefail

find_chromium() {
    command -v chromium || command -v chromium-browser
}

if find_chromium >/dev/null; then
    echo "chromium present: $(find_chromium)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "warning: chromium missing and not root; the report render test will skip" >&2
    exit 0
fi

echo "installing Debian's chromium"
if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-noto-cjk >/dev/null; then
    echo "chromium installed: $(find_chromium)"
else
    echo "warning: installing chromium failed; the report render test will skip" >&2
fi
exit 0
