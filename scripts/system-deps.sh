#!/usr/bin/env bash
# Debian packages the product needs outside Python: WeasyPrint's libraries and a CJK font
# (without libharfbuzz-subset0 CJK PDFs embed whole fonts and render ~20x slower), plus
# what only the test suite needs (Chromium for browser tests, gettext for compilemessages).
# Installs the missing ones when run as root; otherwise says what to install.
set -euo pipefail

runtime=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei)
test_only=(chromium gettext)

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system-deps: not a Debian-based system; install the equivalents of:" \
        "${runtime[*]} (and for tests: ${test_only[*]})" >&2
    exit 0
fi

missing=()
for pkg in "${runtime[@]}" "${test_only[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "system-deps: install them with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    echo "system-deps: chromium and gettext are only needed to run the tests;" \
        "without the others PDFs fail or render slowly. Continuing." >&2
fi
