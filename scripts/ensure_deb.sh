#!/usr/bin/env bash
# Install a Debian package when its program is missing (needs root or sudo, as on the dev and CI
# machines). Usage: ensure_deb.sh PACKAGE PROGRAM PURPOSE
set -euo pipefail
package=$1 program=$2 purpose=$3
if [ -x "$program" ]; then exit 0; fi
echo "安装 $package（$purpose需要）…"
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
elif command -v sudo >/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
fi
[ -x "$program" ] || { echo "缺少 $program，请执行 apt-get install $package" >&2; exit 1; }
