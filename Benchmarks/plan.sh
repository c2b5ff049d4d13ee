#!/usr/bin/env bash
# Row 11: a 10,000-step plan applied (bkup apply: a read of each record for its precondition,
# then the update) against the same 10,000 updates run directly (task.map), at the same
# concurrency, on one bkup serve, in one run. Two projects seeded alike: one for each way.
#   Benchmarks/plan.sh BKUP   (Benchmarks/run.sh calls it)
set -euo pipefail
BKUP=$1
N=${N:-10000}
C=${C:-64}
PORT=${PORT:-18902}
KEY=plan-bench-key
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
$BKUP serve --in-memory --port $PORT --key $KEY --project direct --project planned --speed 0.000001 >/dev/null &
SERVER=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v1/health/version" && break; sleep 0.05; done
echo "$KEY" > "$DIR/key"; chmod 600 "$DIR/key"
run() { local project=$1; shift; $BKUP --endpoint "http://127.0.0.1:$PORT/v1" --project "$project" --key-file "$DIR/key" "$@"; }
apply() { $BKUP apply --endpoint "http://127.0.0.1:$PORT/v1" --project planned --key-file "$DIR/key" --yes --concurrency $C "$DIR/plan.json"; }
seconds() { local start=$(date +%s.%N); "$@" > "$DIR/out" 2> "$DIR/err" || { cat "$DIR/out" "$DIR/err"; exit 1; }; echo "$(date +%s.%N) - $start" | bc; }
for p in direct planned; do run $p Benchmarks/updates.lua setup $N; done
direct=$(seconds run direct --concurrency $C Benchmarks/updates.lua run $N $C)
plan=$(seconds run planned --plan-out "$DIR/plan.json" --concurrency $C Benchmarks/updates.lua run $N $C)
steps=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["steps"]))' "$DIR/plan.json")
size=$(( $(stat -c %s "$DIR/plan.json") / 1024 ))
apply=$(seconds apply)
tail -1 "$DIR/out"
again=$(seconds apply)
tail -1 "$DIR/out"
python3 - "$N" "$C" "$direct" "$plan" "$apply" "$again" "$steps" "$size" <<'PY'
import sys
n, c = int(sys.argv[1]), int(sys.argv[2]); direct, plan, apply, again = map(float, sys.argv[3:7]); steps, size = sys.argv[7], sys.argv[8]
print("direct: %d updates by task.map c=%d        %6.2f s  %6.0f updates/s   (whole process)" % (n, c, direct, n / direct))
print("plan:   the same as a dry run --plan-out    %6.2f s  %6.0f steps/s     (%s steps, %s KB of JSON)" % (plan, n / plan, steps, size))
print("apply:  bkup apply --yes, c=%d             %6.2f s  %6.0f steps/s     %.2fx the direct run's time" % (c, apply, n / apply, apply / direct))
print("again:  the same plan, all already applied %6.2f s  %6.0f steps/s" % (again, n / again))
PY
