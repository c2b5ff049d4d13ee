#!/usr/bin/env bash
# Installs what bkup needs from Debian's packages, if it is missing: Lua 5.4 and libedit
# (development files), SQLite, zlib, pkg-config, luacheck, and for the tests lua5.4 with Debian's Lua
# modules, busted and luarocks, Prometheus and Chromium (bkup monitor's tests). Swift itself must
# already be on the PATH.
set -euo pipefail
need=()
pkg-config --exists lua5.4 2>/dev/null || need+=(liblua5.4-dev)
pkg-config --exists libedit 2>/dev/null || need+=(libedit-dev)
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
# zlib's static archive: the release build links it in (tools/build-release.sh).
[ -f "$(clang -print-file-name=libz.a 2>/dev/null)" ] || need+=(zlib1g-dev)
command -v luacheck >/dev/null || need+=(lua-check)
command -v openssl >/dev/null || need+=(openssl)   # the tests make TLS certificates
command -v readelf >/dev/null || need+=(binutils)  # the tests check the installed binary is the release build
command -v promtool >/dev/null || need+=(prometheus)  # bkup monitor's tests: promtool and a real Prometheus server
command -v chromium >/dev/null || need+=(chromium)    # bkup monitor's tests: the status page in a headless browser
# The Lua ecosystem as a referee (tools/lua-ecosystem-referee.sh, Tests/EndToEndTests/LuaEcosystemTests):
# lua5.4 as the reference, Debian's Lua 5.4 C modules, busted, Penlight, luarocks; hyperfine for Benchmarks.
command -v lua5.4 >/dev/null || need+=(lua5.4)
command -v busted >/dev/null || need+=(lua-busted)
[ -e /usr/share/lua/5.4/pl/path.lua ] || need+=(lua-penlight)
command -v luarocks >/dev/null || need+=(luarocks)
command -v hyperfine >/dev/null || need+=(hyperfine)
for pair in lfs.so:lua-filesystem cjson.so:lua-cjson lpeg.so:lua-lpeg socket/core.so:lua-socket lxp.so:lua-expat \
            yaml.so:lua-yaml ssl.so:lua-sec system/core.so:lua-system term/core.so:lua-term; do
  [ -e "/usr/lib/x86_64-linux-gnu/lua/5.4/${pair%%:*}" ] || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v swift >/dev/null; then
  echo "bkup needs Swift 6 (https://swift.org/install) on the PATH" >&2
  exit 1
fi
