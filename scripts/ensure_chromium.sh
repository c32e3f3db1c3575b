#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it when missing (needs root, as on the dev and CI machines).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ]; then
  echo "安装 chromium（浏览器测试需要）…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif command -v sudo >/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -x /usr/bin/chromium ] || { echo "缺少 /usr/bin/chromium，请执行 apt-get install chromium" >&2; exit 1; }
