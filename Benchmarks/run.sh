#!/usr/bin/env bash
# Runs every benchmark against its named baseline, in one run, and prints the figures.
# Needs: wrk, hyperfine (apt) and python3 (the official SDK goes into a venv, as for the
# conformance tests). Not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
BKUP=$(tools/build-release.sh bkup-bench)
BENCH=$(dirname "$BKUP")/bkup-bench
PYTHON=$(tools/sdk-venv.sh)  # the official Python SDK, pinned as in the conformance tests
PORT=${PORT:-18900}
KEY=bench-key
URL=http://127.0.0.1:$PORT/v1
H=(-H "X-Appwrite-Project: bkup-local" -H "X-Appwrite-Key: $KEY")
KEYFILE=$(mktemp); echo "$KEY" > "$KEYFILE"
DATA=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA" "$KEYFILE"' EXIT
serve() {  # serve ARGS...: (re)starts bkup serve on $PORT
  if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; fi
  $BKUP serve --port $PORT --key $KEY "$@" >/dev/null &
  SERVER=$!
  for _ in $(seq 100); do curl -s -o /dev/null "$URL/emulator/clock" "${H[@]}" && return; sleep 0.05; done
}
policy() { curl -s "${H[@]}" -H 'content-type: application/json' -X POST $URL/backups/policies \
  -d '{"policyId":"bench-policy","services":["databases"],"retention":7,"schedule":"0 2 * * *"}' >/dev/null; }
rate() { awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} /Non-2xx/ {bad=$NF} END {printf "%8.0f req/s  p99 %s%s\n", r, p, bad ? "  NON-2xx: " bad : ""}'; }
stats() { curl -s "${H[@]}" $URL/emulator/stats; }
cat > "$DATA/patch.lua" <<LUA
wrk.method = "PATCH"
wrk.body = '{"retention":9}'
wrk.headers["content-type"] = "application/json"
LUA

echo "== 1. Lua->Swift call vs Lua->C call (10M calls each)"
$BENCH calls

echo; echo "== 1b. async registered function vs sync registered function (Lua->Swift)"
$BENCH async

echo; echo "== 2. start-up, size and memory: bkup -e 'print(1)' vs lua5.4 -e 'print(1)'"
$BENCH startup
strip -o "$DATA/bkup-stripped" "$BKUP"  # as install.sh installs it
hyperfine -N --warmup 20 --runs 500 "$BKUP -e print(1)" "$DATA/bkup-stripped -e print(1)" "lua5.4 -e print(1)" 2>/dev/null | grep -E "Time|±|faster|bkup|lua5.4" || true
printf "binary size: bkup %s MB (%s MB stripped), lua5.4 %s KB + liblua5.4 %s KB\n" \
  $(( $(stat -c %s "$BKUP") / 1048576 )) $(( $(stat -c %s "$DATA/bkup-stripped") / 1048576 )) \
  $(( $(stat -c %s "$(readlink -f "$(command -v lua5.4)")") / 1024 )) $(( $(stat -c %s "$(readlink -f /usr/lib/x86_64-linux-gnu/liblua5.4.so.0)") / 1024 ))
for cmd in "$BKUP" lua5.4; do
  /usr/bin/time -f "max RSS of $(basename $cmd) -e 'print(1)': %M KB" $cmd -e 'print(1)' >/dev/null
done

echo; echo "== 3. 10,000 GETs of one policy: BackupsClient vs wrk, same server, same request"
serve --in-memory; policy
$BENCH client $URL bkup-local $KEY 10000 1
$BENCH client $URL bkup-local $KEY 10000 32
for c in 1 32; do
  printf "wrk            c=%-3d " $c
  wrk -t$([ $c = 1 ] && echo 1 || echo 2) -c$c -d5s "${H[@]}" $URL/backups/policies/bench-policy | awk '/Requests\/sec/ {printf "%8.0f req/s\n", $2}'
done

echo; echo "== 4. the emulator under wrk -c32 (wrk shares the 2 cores): GET and PATCH of one policy, in memory and on disk"
for mode in "--in-memory" "--data $DATA/full.sqlite --durability full" "--data $DATA/process.sqlite --durability process"; do
  serve $mode; policy
  printf "%-46s GET   " "$mode"; wrk -t2 -c32 -d5s --latency "${H[@]}" $URL/backups/policies/bench-policy | rate
  printf "%-46s PATCH " "$mode"; wrk -t2 -c32 -d5s --latency -s "$DATA/patch.lua" "${H[@]}" $URL/backups/policies/bench-policy | rate
  stats | python3 -c 'import sys,json; s=json.load(sys.stdin); print("%46s writes per commit: %.1f" % ("", s["committedWrites"] / max(1, s["commits"])))'
done
enc() { python3 -c 'import sys,urllib.parse; print("&".join("queries%5B%5D="+urllib.parse.quote(q, safe="") for q in sys.argv[1:]))' "$@"; }
LISTQ=$(enc '{"method":"equal","attribute":"status","values":["completed"]}' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}')
for n in 100000 1000000; do
  serve --in-memory
  curl -s "${H[@]}" -H 'content-type: application/json' -X POST $URL/emulator/seed -d "{\"archives\":$n}" >/dev/null
  printf "filtered, ordered list over %7d archives c=32 " $n; wrk -t2 -c32 -d5s --latency "${H[@]}" "$URL/backups/archives?$LISTQ" | rate
  $BENCH latency $URL bkup-local $KEY 300 "  the same, one at a time=$(printf '%s\n%s\n%s' '{"method":"equal","attribute":"status","values":["completed"]}' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}')"
done
echo "cursor page 1 vs page 4,000 (25 per page, orderDesc \$createdAt, 100,000 archives):"
serve --in-memory
curl -s "${H[@]}" -H 'content-type: application/json' -X POST $URL/emulator/seed -d '{"archives":100000}' >/dev/null
DEEP=$(curl -s "${H[@]}" "$URL/backups/archives?$(enc '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[1]}' '{"method":"offset","values":[99975]}')" | python3 -c 'import sys,json; print(json.load(sys.stdin)["archives"][0]["$id"])')
$BENCH latency $URL bkup-local $KEY 500 \
  "first page=$(printf '%s\n%s' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}')" \
  "page 4000 (cursor)=$(printf '%s\n%s\n%s' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}' "{\"method\":\"cursorAfter\",\"values\":[\"$DEEP\"]}")" \
  "page 4000 (offset)=$(printf '%s\n%s\n%s' '{"method":"orderDesc","attribute":"$createdAt"}' '{"method":"limit","values":[25]}' '{"method":"offset","values":[99975]}')"

echo; echo "== 5. policies.update in bulk: bkup task.map vs wrk PATCH vs the official Python SDK (loop, 32 threads)"
RUN=($BKUP --endpoint $URL --project bkup-local --key-file "$KEYFILE")
for latency in 0 50; do
  echo "-- bkup serve --in-memory --latency $latency"
  serve --in-memory --latency $latency
  "${RUN[@]}" Benchmarks/updates.lua setup 10000
  for c in 1 32 256; do
    [ $latency = 0 ] || [ $c != 1 ] || continue  # 10,000 one at a time at 50 ms is 500 s
    "${RUN[@]}" Benchmarks/updates.lua run 10000 $c
  done
  printf "wrk PATCH      c=32  "
  wrk -t2 -c32 -d5s -s "$DATA/patch.lua" "${H[@]}" $URL/backups/policies/bench-00001 | awk '/Requests\/sec/ {printf "%8.0f updates/s\n", $2}'
  if [ $latency = 0 ]; then n_loop=10000; else n_loop=200; fi
  "$PYTHON" Benchmarks/python_updates.py $URL bkup-local $KEY $n_loop loop
  "$PYTHON" Benchmarks/python_updates.py $URL bkup-local $KEY $([ $latency = 0 ] && echo 10000 || echo 2000) pool
done

echo; echo "== 6. the operator's library: backups.rotate over 1,000 databases at c=1 vs c=16; waitAll vs one wait per archive"
serve --in-memory --speed 0.000001
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

echo; echo "== 9. the client at scale: 10,000 updates against a service answering after 50 ms, at concurrency 16, 256, 1,024"
echo "   (ideal rate = concurrency / 50 ms; max RSS of the bkup process)"
serve --in-memory --latency 50
"${RUN[@]}" Benchmarks/updates.lua setup 10000
for c in 16 256 1024; do
  out=$( { /usr/bin/time -f "RSS %M" "${RUN[@]}" Benchmarks/updates.lua run 10000 $c; } 2>&1 )
  echo "$out" | python3 -c '
import sys, re
text = sys.stdin.read(); c = int(sys.argv[1])
rate = float(re.search(r"c=\s*\d+\s+(\d+) updates/s", text).group(1)); rss = int(re.search(r"RSS (\d+)", text).group(1))
ideal = min(c, 10000) / 0.050
print("c=%-5d %6.0f updates/s  ideal %6.0f  %5.1f%% of ideal  max RSS %5.1f MB" % (c, rate, ideal, 100 * rate / ideal, rss / 1024))' $c
done

echo; echo "== 10. a fleet: 100 projects x 20 databases, ensure-policies under --fleet (8 at once) vs 100 sequential bkup processes"
Benchmarks/fleet.sh "$BKUP"

echo; echo "== 11. a reviewed change: bkup apply of a 10,000-step plan vs the same 10,000 updates run directly (c=64)"
Benchmarks/plan.sh "$BKUP"

echo; echo "== 12. bkup monitor: 1,000 projects x 20 databases, a poll after the first vs a full re-read"
Benchmarks/monitor.sh "$BKUP"
