#!/usr/bin/env bash
# Row 12: bkup monitor over 1,000 projects x 20 databases on one bkup serve, each project with a
# project-wide policy every 2 hours kept 30 days, 10 days on (120 archives a project, 120,000 in
# all): a poll after the first (archives changed since the last poll, by cursor) against a full
# re-read (a fresh monitor each poll), per project: requests and time; and the peak memory of
# `bkup monitor --once` over the whole fleet.
#   Benchmarks/monitor.sh BKUP [PROJECTS]   (Benchmarks/run.sh calls it)
set -euo pipefail
BKUP=$1
N=${2:-1000}
PORT=${PORT:-18902}
KEY=monitor-bench-key
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
projects=()
for i in $(seq -w 1 "$N"); do projects+=(--project "m$i"); done
$BKUP serve --in-memory --port "$PORT" --key "$KEY" --seed 20 "${projects[@]}" >/dev/null &
SERVER=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v1/health/version" && break; sleep 0.05; done
echo "$KEY" > "$DIR/key"; chmod 600 "$DIR/key"
python3 - "$DIR" "$PORT" "$N" <<'PY'
import json, sys
d, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
w = len(str(n))
json.dump({"endpoint": f"http://127.0.0.1:{port}/v1", "keyFile": "key",
           "projects": [{"project": f"m{i:0{w}d}"} for i in range(1, n + 1)]}, open(f"{d}/fleet.json", "w"))
PY
cat > "$DIR/policy.lua" <<'LUA'
backups.policies.create{id = "every-2h", services = {"databases"}, retention = 30, schedule = "0 */2 * * *"}
LUA
cat > "$DIR/poll.lua" <<'LUA'
-- One project: the first poll, then 3 polls after it, then 3 full re-reads (a fresh monitor each).
local monitor = require("backups.monitor")
local m = monitor.new()
m:poll()
local t0, r0 = task.now(), m.requests
for _ = 1, 3 do m:poll() end
local incT, incR = (task.now() - t0) / 3, (m.requests - r0) / 3
local t1, fullR = task.now(), 0
for _ = 1, 3 do
  local f = monitor.new()
  f:poll()
  fullR = fullR + f.requests
end
print(string.format("BENCH %.5f %.2f %.5f %.2f %d", incT, incR, (task.now() - t1) / 3, fullR / 3, m.count))
LUA
start=$(date +%s.%N)
$BKUP --fleet "$DIR/fleet.json" --fleet-concurrency 8 "$DIR/policy.lua" >/dev/null
curl -s -X POST -H "X-Appwrite-Project: m$(printf "%0${#N}d" 1)" -H "X-Appwrite-Key: $KEY" -H 'content-type: application/json' \
  -d '{"advanceDays":10}' "http://127.0.0.1:$PORT/v1/emulator/clock" >/dev/null
echo "set-up: $(echo "$(date +%s.%N) - $start" | bc) s"
$BKUP --fleet "$DIR/fleet.json" --fleet-concurrency 4 "$DIR/poll.lua" > "$DIR/poll.out"
grep -E "^\[[^]]+\] +BENCH " "$DIR/poll.out" | sed "s/^.*BENCH /BENCH /" | awk '{ it += $2; ir += $3; ft += $4; fr += $5; a += $6; n++ }
  END { printf "%d projects, %.0f archives each: a poll after the first %.1f ms and %.2f requests a project; a full re-read %.1f ms and %.2f requests: %.2fx the time\n",
        n, a / n, it / n * 1000, ir / n, ft / n * 1000, fr / n, (ft / n) / (it / n) }'
/usr/bin/time -f "bkup monitor --once over the fleet: %e s, peak memory %M KiB" \
  $BKUP monitor --once --fleet "$DIR/fleet.json" --fleet-concurrency 4 > "$DIR/metrics.txt" 2>"$DIR/monitor.err" || true
tail -n 1 "$DIR/monitor.err"
echo "metrics: $(wc -l < "$DIR/metrics.txt") lines, $(wc -c < "$DIR/metrics.txt") bytes"
