#!/usr/bin/env bash
# The Lua ecosystem as a referee of bkup (default: the bkup on the PATH; ./test.sh passes the
# installed one), with lua5.4 as the reference, from Debian's packages (tools/install-deps.sh):
#  - every Debian Lua 5.4 C module (/usr/lib/x86_64-linux-gnu/lua/5.4) that `require` loads in
#    lua5.4 loads in bkup, and Tests/LuaEcosystem/cmodules.lua (real calls into lfs, cjson,
#    lpeg, re, socket, mime, lxp, lyaml, luasystem, term, luasec) prints the same and exits the same;
#  - busted (lua-busted) run by bkup on each spec folder of Tests/LuaEcosystem/busted exits as
#    it does run by lua5.4;
#  - Penlight's own tests (Tests/LuaEcosystem/penlight, against Debian's lua-penlight): each file
#    exits under bkup as under lua5.4;
#  - luarocks (Debian's, no rocks server) installs a pure-Lua rock and a C rock from the local
#    sources in Tests/LuaEcosystem/rocks into a project tree (--tree), and bkup requires both
#    through the LUA_PATH and LUA_CPATH that `luarocks path` prints.
# The C rock builds with clang (Swift's toolchain has it; Debian's luarocks defaults to gcc).
# Prints one line a check; exits 1 if any differs.
set -uo pipefail
cd "$(dirname "$0")/.."
bkup=${1:-bkup}
here=$PWD/Tests/LuaEcosystem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
pass() { echo "lua ecosystem: ok: $*"; }
fail() { echo "lua ecosystem: FAILED: $*"; status=1; }
# Both interpreters see the same environment, and nothing of the caller's LUA_PATH.
unset LUA_PATH LUA_CPATH LUA_PATH_5_4 LUA_CPATH_5_4 LUA_INIT LUA_INIT_5_4
export HOME=$work/home
mkdir -p "$HOME"

# ---- C modules ------------------------------------------------------------------------------
cdir=/usr/lib/x86_64-linux-gnu/lua/5.4
modules=$(cd "$cdir" && find . -name '*.so' | sed 's|^\./||; s|\.so$||; s|/|.|g' | sort)
loaded=0
for m in $modules; do
  if lua5.4 -e "require '$m'" 2>/dev/null; then
    if err=$("$bkup" -e "require '$m'" 2>&1); then loaded=$((loaded + 1)); else fail "require '$m' loads in lua5.4, not in bkup: $err"; fi
  fi
done
pass "$loaded Debian C modules load in bkup as in lua5.4 ($(echo $modules | tr '\n' ' '))"
(cd "$work" && lua5.4 "$here/cmodules.lua" >lua.out 2>&1; echo $? >lua.status)
(cd "$work" && "$bkup" "$here/cmodules.lua" >bkup.out 2>&1; echo $? >bkup.status)
if cmp -s "$work/lua.out" "$work/bkup.out" && cmp -s "$work/lua.status" "$work/bkup.status"; then
  pass "cmodules.lua: $(wc -l <"$work/bkup.out") lines, exit $(cat "$work/bkup.status"), as lua5.4"
else
  fail "cmodules.lua differs from lua5.4 (exit $(cat "$work/lua.status") vs $(cat "$work/bkup.status")):"
  diff "$work/lua.out" "$work/bkup.out" | head -n 20
fi

# ---- busted ---------------------------------------------------------------------------------
for folder in "$here"/busted/*/; do
  name=$(basename "$folder")
  (cd "$folder" && lua5.4 /usr/bin/busted -o TAP >"$work/busted-lua.out" 2>&1); expected=$?
  (cd "$folder" && "$bkup" /usr/bin/busted -o TAP >"$work/busted-bkup.out" 2>&1); got=$?
  if [ "$expected" = "$got" ] && cmp -s <(grep -E '^(not )?ok' "$work/busted-lua.out") <(grep -E '^(not )?ok' "$work/busted-bkup.out"); then
    pass "busted $name: exit $got and the same TAP results as lua5.4 ($(grep -cE '^(not )?ok' "$work/busted-bkup.out") tests)"
  else
    fail "busted $name: exit $got, lua5.4 $expected"
    diff "$work/busted-lua.out" "$work/busted-bkup.out" | head -n 20
  fi
done

# ---- Penlight's own tests ----------------------------------------------------------------------
same=0
total=0
for test in "$here"/penlight/tests/test-*.lua; do
  name=tests/$(basename "$test")
  (cd "$here/penlight" && timeout 120 lua5.4 "$name" >/dev/null 2>&1); expected=$?
  (cd "$here/penlight" && timeout 120 "$bkup" "$name" >"$work/pl.out" 2>&1); got=$?
  total=$((total + 1))
  if [ "$expected" = "$got" ]; then same=$((same + 1)); else fail "Penlight $name: exit $got, lua5.4 $expected"; tail -n 5 "$work/pl.out"; fi
done
[ "$same" = "$total" ] && pass "Penlight 1.13.1's tests: each of the $total files exits as under lua5.4"

# ---- luarocks -------------------------------------------------------------------------------
tree=$work/tree
cp -r "$here/rocks" "$work/rocks"   # luarocks make builds in the source folder
for rock in greet adder; do
  if ! (cd "$work/rocks/$rock" && luarocks --lua-version 5.4 --tree "$tree" make "$rock-1.0-1.rockspec" CC=clang LD=clang >"$work/rock.log" 2>&1); then
    fail "luarocks make $rock:"; tail -n 5 "$work/rock.log"
  fi
done
eval "$(luarocks --lua-version 5.4 --tree "$tree" path)"
check='local greet, adder = require("greet"), require("adder")
print(greet.hello("bkup"), adder.add(40, 2), package.searchpath("adder", package.cpath))'
want="hello, bkup	42	$tree/lib/lua/5.4/adder.so"
got=$("$bkup" -e "$check" 2>&1)
if [ "$got" = "$want" ] && [ "$(lua5.4 -e "$check" 2>&1)" = "$want" ]; then
  pass "luarocks --tree: a pure-Lua rock and a C rock, required through LUA_PATH and LUA_CPATH"
else
  fail "luarocks --tree: bkup printed '$got', want '$want'"
fi
exit $status
