#!/usr/bin/env bash
# Installs what is missing, lints the Lua (luacheck), installs bkup as it ships into a temporary
# prefix, runs the whole test suite (XCTest; there are no Swift Testing tests, so that empty pass
# is skipped) with the end-to-end tests on that installed binary, and builds BkupKit's
# documentation (DocC, warnings are errors). Ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")"
tools/install-deps.sh
tools/sdk-venv.sh >/dev/null   # the official Python SDK and pyte, for the conformance and REPL tests
# Lint first: .luacheckrc declares the host's globals; stdlib, scripts, benchmarks and types.
luacheck --quiet --formatter plain . || { echo "luacheck found problems (above)"; exit 1; }
echo "luacheck: no warnings"
# The alert rules that ship (monitoring/, README: Monitoring): valid, and their unit tests pass.
promtool check rules monitoring/alerts.yml >/dev/null && promtool test rules monitoring/alerts_test.yml >/dev/null \
  || { promtool test rules monitoring/alerts_test.yml; echo "promtool: the alert rules failed (above)"; exit 1; }
echo "promtool: monitoring/alerts.yml checked, its tests pass"
log=$(mktemp)
shipped=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$shipped"' EXIT

# The shipped binary is the tested binary: ./install.sh builds it (tools/build-release.sh, in
# .build-release; stripped) and installs it into a temporary prefix, and the end-to-end tests run
# that file (BKUP_UNDER_TEST; a plain `swift test` runs the debug build instead).
started=$SECONDS
PATH="$shipped/bin:$PATH" ./install.sh "$shipped" >/dev/null
export BKUP_UNDER_TEST="$shipped/bin/bkup"
echo "shipped build: $BKUP_UNDER_TEST ($("$BKUP_UNDER_TEST" --version | head -n 1)), built and installed in $((SECONDS - started)) s"

set +e
swift test --disable-swift-testing "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# BkupKit's DocC documentation builds without a warning.
if ! tools/docs.sh; then echo "docs: DocC found problems (above)"; status=1; fi

# ---- Stage: Appwrite's published API as a referee --------------------------------------------
# schemathesis drives `bkup serve` (the installed binary) from the vendored spec
# (Tests/Conformance/spec): 12 operations, seed 2026, 100 examples an operation. About 40 s.
tools/spec-referee.sh || status=1

# ---- Stage: the Lua ecosystem as a referee ------------------------------------------------------
# Every Debian Lua 5.4 C module, real calls into the common ones, busted, and luarocks trees, on
# the installed bkup with lua5.4 as the reference (tools/lua-ecosystem-referee.sh). About 10 s.
tools/lua-ecosystem-referee.sh "$BKUP_UNDER_TEST" || status=1

# ---- Stage: coverage-guided fuzzing ---------------------------------------------------------
# libFuzzer on every parser of outside text (tools/fuzz.sh), each target for BKUP_FUZZ_SECONDS
# (default 20; 0 skips the stage), two at a time, in its own build folder (.build-fuzz). A crash
# fails the run. The build's output goes to .build/fuzz-build.log, one line a target to the terminal.
if [ "${BKUP_FUZZ_SECONDS:-20}" != 0 ]; then
  mkdir -p .build
  tools/fuzz.sh --time "${BKUP_FUZZ_SECONDS:-20}" 2>.build/fuzz-build.log || { status=1; tail -n 20 .build/fuzz-build.log; }
fi
summary=$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -n 1 || true)
if [[ $summary =~ Executed\ ([0-9]+)\ tests?,\ with\ ([0-9]+)\ failure ]]; then
  echo "tests: $((BASH_REMATCH[1] - BASH_REMATCH[2])) passed, ${BASH_REMATCH[2]} failed"
fi
exit "$status"
