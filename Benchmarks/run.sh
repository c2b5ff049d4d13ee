#!/usr/bin/env bash
# Runs every benchmark against its named baseline, in one run, and prints the figures.
# Needs: wrk, hyperfine (apt), python3 with `pip install appwrite`. Not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# As shipped: release, with the Swift runtime linked statically (a dynamically linked Swift
# program spends ~3.5 ms of its start-up in the dynamic loader here), and not position-
# independent (125,000 relative relocations otherwise dirty pages at every start).
swift build -c release --static-swift-stdlib --product bkup -Xswiftc -Xclang-linker -Xswiftc -no-pie | grep -E "error|warning: unre" || true
swift build -c release --static-swift-stdlib --product bkup-bench -Xswiftc -Xclang-linker -Xswiftc -no-pie | grep -E "error" || true
BKUP=.build/release/bkup
BENCH=.build/release/bkup-bench
PORT=${PORT:-18900}
KEY=bench-key
URL=http://127.0.0.1:$PORT/v1
H=(-H "X-Appwrite-Project: bkup-local" -H "X-Appwrite-Key: $KEY")
KEYFILE=$(mktemp); echo "$KEY" > "$KEYFILE"
DATA=$(mktemp -d)

echo "== 1. Lua->Swift call vs Lua->C call (10M calls each)"
$BENCH calls

echo; echo "== 2. start-up: bkup -e 'print(1)' vs lua5.4 -e 'print(1)'"
$BENCH startup
hyperfine -N --warmup 10 --runs 200 "$BKUP -e print(1)" "lua5.4 -e print(1)" 2>/dev/null | grep -E "Time|±|faster|bkup|lua5.4" || true

$BKUP serve --data "$DATA/bench.sqlite" --port $PORT --key $KEY >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA" "$KEYFILE"' EXIT
sleep 1
curl -s "${H[@]}" -H 'content-type: application/json' -X POST $URL/backups/policies \
  -d '{"policyId":"bench-policy","services":["databases"],"retention":7,"schedule":"0 2 * * *"}' >/dev/null

echo; echo "== 3. 10,000 GETs of one policy: BackupsClient vs wrk, same server, same request"
$BENCH client $URL bkup-local $KEY 10000 1
$BENCH client $URL bkup-local $KEY 10000 32
for c in 1 32; do
  printf "wrk            c=%-3d " $c
  wrk -t$([ $c = 1 ] && echo 1 || echo 2) -c$c -d5s "${H[@]}" $URL/backups/policies/bench-policy | awk '/Requests\/sec/ {printf "%8.0f req/s\n", $2}'
done

echo; echo "== 4. emulator under wrk: GET one policy; filtered, ordered list over 100,000 archives"
curl -s "${H[@]}" -H 'content-type: application/json' -X POST $URL/emulator/seed -d '{"archives":100000}' >/dev/null
enc() { python3 -c 'import sys,urllib.parse; print("&".join("queries%5B%5D="+urllib.parse.quote(q, safe="") for q in sys.argv[1:]))' "$@"; }
LISTQ=$(enc '{"method":"equal","attribute":"status","values":["completed"]}' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}')
wrk -t2 -c32 -d5s --latency "${H[@]}" $URL/backups/policies/bench-policy | awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} END {printf "GET policy            c=32 %8.0f req/s  p99 %s\n", r, p}'
wrk -t2 -c32 -d5s --latency "${H[@]}" "$URL/backups/archives?$LISTQ" | awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} END {printf "filtered ordered list c=32 %8.0f req/s  p99 %s\n", r, p}'
echo "cursor page 1 vs page 4,000 (25 per page, orderDesc \$createdAt, 100,000 archives):"
DEEP=$(curl -s "${H[@]}" "$URL/backups/archives?$(enc '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[1]}' '{"method":"offset","values":[99975]}')" | python3 -c 'import sys,json; print(json.load(sys.stdin)["archives"][0]["$id"])')
$BENCH latency $URL bkup-local $KEY 500 \
  "first page=$(printf '%s\n%s' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}')" \
  "page 4000 (cursor)=$(printf '%s\n%s\n%s' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}' "{\"method\":\"cursorAfter\",\"values\":[\"$DEEP\"]}")" \
  "page 4000 (offset)=$(printf '%s\n%s\n%s' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}' '{"method":"offset","values":[99975]}')"

echo; echo "== 5. 10,000 policies.update: bkup task.map vs wrk PATCH vs the Python SDK"
cat > "$DATA/patch.lua" <<LUA
wrk.method = "PATCH"
wrk.body = '{"retention":9}'
wrk.headers["content-type"] = "application/json"
LUA
printf "file-backed server (fsync per write), wrk PATCH c=32: "
wrk -t2 -c32 -d5s -s "$DATA/patch.lua" "${H[@]}" $URL/backups/policies/bench-policy | awk '/Requests\/sec/ {printf "%8.0f updates/s\n", $2}'
echo "in-memory server, so that the clients' own costs show:"
kill $SERVER; wait $SERVER 2>/dev/null || true
$BKUP serve --in-memory --port $PORT --key $KEY >/dev/null &
SERVER=$!
sleep 1
RUN=($BKUP --endpoint $URL --project bkup-local --key-file "$KEYFILE")
"${RUN[@]}" Benchmarks/updates.lua setup 10000
for c in 1 8 32; do "${RUN[@]}" Benchmarks/updates.lua run 10000 $c; done
printf "wrk PATCH      c=32  "
wrk -t2 -c32 -d5s -s "$DATA/patch.lua" "${H[@]}" $URL/backups/policies/bench-00001 | awk '/Requests\/sec/ {printf "%8.0f updates/s\n", $2}'
python3 Benchmarks/python_updates.py $URL bkup-local $KEY 10000 loop
python3 Benchmarks/python_updates.py $URL bkup-local $KEY 10000 pool

echo; echo "== 6. the operator's library: backups.rotate over 1,000 databases at c=1 vs c=16; waitAll vs one wait per archive"
kill $SERVER; wait $SERVER 2>/dev/null || true
$BKUP serve --in-memory --port $PORT --key $KEY --speed 0.000001 >/dev/null &
SERVER=$!
sleep 1
reset() { curl -s "${H[@]}" -X POST $URL/emulator/reset >/dev/null; curl -s "${H[@]}" -H 'content-type: application/json' -X POST $URL/emulator/seed -d '{"databases":1000}' >/dev/null; }
requests() { curl -s "${H[@]}" $URL/emulator/stats | python3 -c 'import sys,json; print(json.load(sys.stdin)["requests"])'; }
for c in 1 16; do reset; "${RUN[@]}" Benchmarks/library.lua rotate 1000 $c; done
for mode in waitall wait; do
  reset; before=$(requests)
  "${RUN[@]}" Benchmarks/library.lua $mode 1000
  echo "         requests in all, the 1,000 creates included: $(( $(requests) - before ))"
done

echo; echo "== 7. limits: what each costs CPU-bound Lua (fib(27) and 200,000 tostring), best of 15, CPU time"
$BENCH limits


echo; echo "== 8. exactly once through a faulty proxy: 20 seeds vs the same drill without faults"
python3 Tests/FaultDrill/drill.py $BKUP 1 --clean | python3 -c 'import sys,json; r=json.loads(sys.stdin.readline()); print("fault-free drill: %.2f s, %.3f requests per operation" % (r["seconds"], r["requests_per_operation"]))'
python3 Tests/FaultDrill/drill.py $BKUP $(seq 1 20) | python3 -c '
import sys, json
runs = [json.loads(l) for l in sys.stdin if l.startswith("{")]
faults = sum(sum(r["faults"].values()) for r in runs)
drops = sum(r["faults"]["drop"] for r in runs)
print("%d seeds, %d faults injected (%d answers dropped after the service acted)" % (len(runs), faults, drops))
print("false failures %d, lost %d, duplicated %d, errors %d" % (sum(r["false_failures"] for r in runs), sum(len(r["lost"]) for r in runs),
      sum(len(r["duplicated"]) for r in runs), sum(len(r["errors"]) for r in runs)))
print("requests per operation: mean %.3f, max %.3f; seconds: mean %.2f, max %.2f" % (
      sum(r["requests_per_operation"] for r in runs) / len(runs), max(r["requests_per_operation"] for r in runs),
      sum(r["seconds"] for r in runs) / len(runs), max(r["seconds"] for r in runs)))'
python3 Tests/FaultDrill/drill.py $BKUP --crash
