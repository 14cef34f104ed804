#!/usr/bin/env bash
# Installs the Debian packages Gongfu needs when any is missing: liblz4-dev (the log's frames),
# libsqlite3-dev (read models), libssl-dev (SHA-256 for the Merkle tree), libjemalloc-dev (the
# executables' allocator), lz4 (the stock tool the tests compare against), curl (the server
# tests' real HTTP client), chromium and a CJK font (the dashboard's headless-browser test and
# its screenshot), nginx and openssl (the test of the shipped reverse-proxy configuration).
set -euo pipefail
missing=()
[ -f /usr/include/lz4frame.h ] || missing+=(liblz4-dev)
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
[ -f /usr/include/openssl/sha.h ] || missing+=(libssl-dev)
[ -f /usr/include/jemalloc/jemalloc.h ] || missing+=(libjemalloc-dev)
command -v lz4 >/dev/null 2>&1 || missing+=(lz4)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -d /usr/share/fonts/truetype/wqy ] || missing+=(fonts-wqy-zenhei)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
