#!/usr/bin/env bash
# Appwrite's published OpenAPI definition (the /backups paths, vendored in Tests/Conformance/spec)
# judges `bkup serve` through schemathesis: all 12 operations, a fixed seed, a bounded number of
# examples, stateful links, the API key. Every 2xx must match its schema, no answer may be a 5xx,
# and the server must be alive at the end. Uses the binary under test (BKUP_UNDER_TEST: test.sh sets
# it to the installed one), else the debug build (swift build first), and the test
# virtualenv (tools/sdk-venv.sh, pinned in Tests/Conformance/requirements.txt).
#
#   tools/spec-referee.sh                  # what ./test.sh runs (100 examples an operation)
#   tools/spec-referee.sh --max-examples 1000 --seed 7
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(tools/sdk-venv.sh)
bkup="${BKUP_UNDER_TEST:-$(swift build --show-bin-path)/bkup}"
[ -x "$bkup" ] || { echo "spec-referee: no $bkup (run swift build first)" >&2; exit 1; }
report=.build/spec-referee
rm -rf "$report"
mkdir -p "$report"
key="referee-$RANDOM$RANDOM"
"$bkup" serve --in-memory --port 0 --project referee --key "$key" >"$report/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$report/serve.log")
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { echo "spec-referee: bkup serve did not start:" >&2; cat "$report/serve.log" >&2; exit 1; }
status=0
"$python" Tests/Conformance/spec_referee.py "$url" referee "$key" --report "$report" "$@" >"$report/schemathesis.log" 2>&1 || status=1
tail -n 1 "$report/schemathesis.log"
if ! kill -0 "$server" 2>/dev/null; then
  echo "spec-referee: bkup serve is gone (its log: $report/serve.log)"
  status=1
fi
[ "$status" -eq 0 ] || echo "spec-referee: FAILED; schemathesis's report: $report/schemathesis.log"
exit "$status"
