#!/usr/bin/env bash
# Builds bkup (and, with arguments, other products) as it ships, and prints the binary's path:
# release, with the Swift runtime linked statically (dynamically linked, a Swift program spends
# milliseconds of every start in the dynamic loader), not position-independent (no relative
# relocations to apply at each start), exporting only Lua's C API (tools/lua-exports.list: the
# lua_*, luaL_* and luaopen_* functions, about 150, which C modules link against when they load;
# exporting everything would make glibc's dladdr, which the Swift runtime calls at start-up,
# scan every Swift symbol), and without $ORIGIN in
# its library path (the loader would look for every shared library beside it first). install.sh and
# Benchmarks/run.sh build with exactly these flags, in their own folder (.build-release), so
# that they share one build and a plain `swift build -c release` does not undo it.
#
# Only glibc is loaded at start-up: libstdc++, libgcc, Lua, SQLite and zlib are linked from their
# static archives. Debian builds libstdc++.so with BIND_NOW, so loading it resolved 4,300 symbols
# and ran its locale and iostream initialisers before main: 2.8 ms of a 5.8 ms start. The
# archives come first in the linker's search path: a folder holding only them, named first by a
# lua5.4.pc that shadows Debian's (SwiftPM puts a system library's pkg-config flags at the front
# of the link). Lua's C modules load as in lua5.4 (outside --sandbox), resolving Lua's C API
# against this binary; one that links a liblua of its own is refused before it is opened, since a
# second Lua core in the process would corrupt memory (Sources/CLuaBridge/modules.c). A missing
# archive is linked dynamically instead, with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."
static=$PWD/.build-release/static-link
mkdir -p "$static/lib" "$static/pkgconfig"
for archive in libstdc++.a liblua5.4.a libsqlite3.a libz.a; do
  path=$(clang -print-file-name="$archive")
  if [ -f "$path" ]; then
    ln -sf "$path" "$static/lib/$archive"
  else
    rm -f "$static/lib/$archive"
    echo "build-release: $archive not found; linking its shared library (tools/install-deps.sh installs it)" >&2
  fi
done
# Lua is linked as one relocatable object (its archive's members joined by `ld -r`), given to
# the linker once (lua_link below), and `-llua5.4` finds an empty linker script: Swift's static
# runtime links with --exclude-libs ALL, which makes every symbol taken from an archive local,
# and Lua's C API must stay exportable (tools/lua-exports.list). Rebuilt when the archive changes.
lua_archive=$(clang -print-file-name=liblua5.4.a)
lua_link=()
if [ -f "$lua_archive" ]; then
  objects=$static/lua-objects
  if ! cmp -s "$lua_archive" "$objects/liblua5.4.a" || [ ! -f "$objects/lua.o" ]; then
    rm -rf "$objects"
    mkdir -p "$objects/members"
    cp "$lua_archive" "$objects/liblua5.4.a"
    (cd "$objects/members" && ar x ../liblua5.4.a && ld -r -o ../lua.o ./*.o)
  fi
  rm -f "$static/lib/liblua5.4.a"
  echo "/* Lua is linked as one object, $objects/lua.o (tools/build-release.sh) */" > "$static/lib/liblua5.4.a"
  lua_link=(-Xlinker "$objects/lua.o")
fi
cat > "$static/pkgconfig/lua5.4.pc.new" <<PC
Name: Lua
Description: Lua language engine, linked from its static archive
Version: $(pkg-config --modversion lua5.4)
Libs: -L$static/lib -llua5.4
Cflags: $(pkg-config --cflags lua5.4)
PC
# Rewritten only when it changes: SwiftPM rebuilds every module when a system library's flags do.
if cmp -s "$static/pkgconfig/lua5.4.pc.new" "$static/pkgconfig/lua5.4.pc"; then
  rm "$static/pkgconfig/lua5.4.pc.new"
else
  mv "$static/pkgconfig/lua5.4.pc.new" "$static/pkgconfig/lua5.4.pc"
fi
export PKG_CONFIG_PATH="$static/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags=(-c release --scratch-path .build-release --static-swift-stdlib --disable-local-rpath -Xswiftc -Xclang-linker -Xswiftc -no-pie -Xswiftc -Xclang-linker -Xswiftc -static-libgcc -Xlinker --no-export-dynamic -Xlinker "--dynamic-list=$PWD/tools/lua-exports.list" "${lua_link[@]}")
for product in bkup "$@"; do
  swift build "${flags[@]}" --product "$product" >&2
done
echo "$(swift build "${flags[@]}" --show-bin-path)/bkup"
