#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer: use after free, overflows and leaks of
# C memory at the Swift/C/Lua boundary (the trampoline, userdata boxes, the allocator).
# Builds into .build-asan so that the normal build is untouched. Not part of CI: the
# instrumented build and run take several times as long as ./test.sh.
#
#   tools/asan.sh                 # everything
#   tools/asan.sh --filter Fuzz   # extra arguments go to swift test
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
# Leak checking is off: the Swift runtime and NIO keep process-lifetime allocations that
# LeakSanitizer reports at exit; this run is about memory errors.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
# Tests that judge memory by the process's RSS skip that check: the quarantine keeps freed
# memory resident on purpose.
export BKUP_SANITIZER=address
swift test --sanitize=address --scratch-path .build-asan --disable-swift-testing "$@"
