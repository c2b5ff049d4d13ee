#!/usr/bin/env bash
# Builds BkupKit's DocC documentation (Sources/BkupKit/BkupKit.docc and the public API's
# comments) with the toolchain's docc, failing on any warning.
# Output: .build/docs/BkupKit.doccarchive
set -euo pipefail
cd "$(dirname "$0")/.."
swift package dump-symbol-graph --minimum-access-level public >/dev/null
source=$(swift build --show-bin-path)/../symbolgraph
graphs=.build/docs/symbol-graphs
rm -rf "$graphs" && mkdir -p "$graphs"
cp "$source"/BkupKit.symbols.json "$source"/BkupKit@*.symbols.json "$graphs"/ 2>/dev/null || cp "$source"/BkupKit.symbols.json "$graphs"/
docc convert Sources/BkupKit/BkupKit.docc --additional-symbol-graph-dir "$graphs" --fallback-display-name BkupKit \
  --fallback-bundle-identifier dev.bkup.BkupKit --warnings-as-errors --output-path .build/docs/BkupKit.doccarchive
echo "docs: .build/docs/BkupKit.doccarchive (no warnings)"
