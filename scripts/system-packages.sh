#!/usr/bin/env bash
# Install the Debian packages the tests need when their tools are missing.
#
#   scripts/system-packages.sh PACKAGE...    e.g. scripts/system-packages.sh gdal-bin
#
# A package is skipped when the tool it provides is already on PATH (gdal-bin: ogrinfo).
# Installing needs root, or sudo; otherwise the script says what to install and fails.
set -euo pipefail

log() { printf 'system-packages: %s\n' "$*" >&2; }

# The command that shows a package is installed; the package name itself by default.
tool_of() {
    case "$1" in
        gdal-bin) echo ogrinfo ;;
        postgresql-client) echo psql ;;
        *) echo "$1" ;;
    esac
}

installed() {
    # Packages without a command (fonts) are asked of dpkg instead.
    case "$1" in
        fonts-*|python3-*|qgis-*) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" ;;
        *) command -v "$(tool_of "$1")" >/dev/null ;;
    esac
}

missing=()
for package in "$@"; do
    installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
    sudo=()
elif command -v sudo >/dev/null; then
    sudo=(sudo)
else
    log "missing ${missing[*]}, and installing needs root or sudo: apt-get install ${missing[*]}"
    exit 1
fi
log "installing ${missing[*]} from the distribution's packages"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
