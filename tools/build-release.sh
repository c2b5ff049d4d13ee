#!/usr/bin/env bash
# Builds bkup (and, with arguments, other products) as it ships, and prints the binary's path:
# release, with the Swift runtime linked statically (dynamically linked, a Swift program spends
# milliseconds of every start in the dynamic loader), not position-independent (no relative
# relocations to apply at each start), without exporting its symbols (glibc's dladdr, which
# the Swift runtime calls at start-up, scans every exported symbol), and without $ORIGIN in
# its library path (the loader would look for every shared library beside it first). install.sh and
# Benchmarks/run.sh build with exactly these flags, in their own folder (.build-release), so
# that they share one build and a plain `swift build -c release` does not undo it.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --scratch-path .build-release --static-swift-stdlib --disable-local-rpath -Xswiftc -Xclang-linker -Xswiftc -no-pie -Xlinker --no-export-dynamic)
for product in bkup "$@"; do
  swift build "${flags[@]}" --product "$product" >&2
done
echo "$(swift build "${flags[@]}" --show-bin-path)/bkup"
