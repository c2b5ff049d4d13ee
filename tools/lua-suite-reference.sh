#!/usr/bin/env bash
# Runs the vendored Lua test files with the reference interpreter (Debian's lua5.4, apt
# package lua5.4) and with bkup, side by side: every file lua5.4 passes, bkup must pass.
#   tools/lua-suite-reference.sh [path/to/bkup]
set -uo pipefail
cd "$(dirname "$0")/../Tests/LuaSuite"
bkup=${1:-../../.build/debug/bkup}
for f in *.lua; do
  [ "$f" = all.lua ] && continue
  timeout 300 lua5.4 -e "_U=true" "$f" > /dev/null 2>&1; ref=$?
  timeout 300 "$bkup" -e "_U=true _nobytecode=true" "$f" > /dev/null 2>&1; ours=$?
  printf "%-16s lua5.4 %-3s bkup %-3s %s\n" "$f" "$ref" "$ours" "$([ "$ref" = 0 ] && [ "$ours" != 0 ] && echo FAIL)"
done
