#!/usr/bin/env bash
# Builds BkupKit's DocC documentation (Sources/BkupKit/BkupKit.docc and the public API's
# comments) with the toolchain's docc, failing on any warning. The symbol graph includes the
# modules BkupKit re-exports (LuaRuntime, BackupsClient, BackupsModels, BkupJSON): `import
# BkupKit` brings their types, so an embedder finds them documented in the same place.
# Output: .build/docs/BkupKit.doccarchive
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --target BkupKit >/dev/null
bin=$(swift build --show-bin-path)
graphs=.build/docs/symbol-graphs
rm -rf "$graphs" && mkdir -p "$graphs"
# What `swift package dump-symbol-graph` passes, plus the re-exported modules (it has no flag for
# them): the built Swift modules, and the module maps of the C targets and of the packages' C code.
flags=(-I "$bin/Modules" -Xcc "-fmodule-map-file=$PWD/Sources/CLua/module.modulemap")
for flag in $(pkg-config --cflags-only-I lua5.4); do flags+=(-Xcc "$flag"); done
for map in "$bin"/*.build/module.modulemap; do
  case $map in *-tool.build/*) continue ;; esac
  flags+=(-Xcc "-fmodule-map-file=$map")
done
while IFS= read -r map; do flags+=(-Xcc "-fmodule-map-file=$PWD/$map"); done < <(find .build/checkouts -path '*/include/module.modulemap' 2>/dev/null)
swift symbolgraph-extract -module-name BkupKit -target "$(uname -m)-unknown-linux-gnu" -minimum-access-level public \
  -experimental-allowed-reexported-modules=LuaRuntime,BackupsClient,BackupsModels,BkupJSON -output-dir "$graphs" "${flags[@]}"
docc convert Sources/BkupKit/BkupKit.docc --additional-symbol-graph-dir "$graphs" --fallback-display-name BkupKit \
  --fallback-bundle-identifier dev.bkup.BkupKit --warnings-as-errors --output-path .build/docs/BkupKit.doccarchive
echo "docs: .build/docs/BkupKit.doccarchive (no warnings)"
