#!/usr/bin/env bash
# Row 10: 100 projects x 20 databases, ensure-policies under --fleet at fleet concurrency 8,
# against 100 sequential bkup processes doing the same, on one bkup serve, in one run.
#   Benchmarks/fleet.sh BKUP   (Benchmarks/run.sh calls it)
set -euo pipefail
BKUP=$1
PORT=${PORT:-18901}
KEY=fleet-bench-key
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
projects=()
for i in $(seq -w 1 100); do projects+=(--project "f$i"); done
$BKUP serve --in-memory --port $PORT --key $KEY --seed 20 "${projects[@]}" >/dev/null &
SERVER=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v1/health/version" && break; sleep 0.05; done
echo "$KEY" > "$DIR/key"; chmod 600 "$DIR/key"
python3 - "$DIR" "$PORT" <<'PY'
import json, sys
d, port = sys.argv[1], sys.argv[2]
json.dump({"endpoint": f"http://127.0.0.1:{port}/v1", "keyFile": "key",
           "projects": [{"project": f"f{i:03d}"} for i in range(1, 101)]}, open(f"{d}/fleet.json", "w"))
PY
reset() { for i in $(seq -w 1 100); do curl -s -X POST -H "X-Appwrite-Project: f$i" -H "X-Appwrite-Key: $KEY" "http://127.0.0.1:$PORT/v1/emulator/reset" >/dev/null; \
  curl -s -X POST -H "X-Appwrite-Project: f$i" -H "X-Appwrite-Key: $KEY" -H 'content-type: application/json' -d '{"databases":20}' "http://127.0.0.1:$PORT/v1/emulator/seed" >/dev/null; done; }
ENSURE=(scripts/ensure-policies.lua --schedule "0 2 * * *" --retention 30)
reset
start=$(date +%s.%N)
$BKUP --fleet "$DIR/fleet.json" --fleet-concurrency 8 "${ENSURE[@]}" > "$DIR/fleet.out"
fleet=$(echo "$(date +%s.%N) - $start" | bc)
tail -n +1 "$DIR/fleet.out" | grep -E "^fleet:" || true
reset
start=$(date +%s.%N)
for i in $(seq -w 1 100); do
  $BKUP --endpoint "http://127.0.0.1:$PORT/v1" --project "f$i" --key-file "$DIR/key" "${ENSURE[@]}" >/dev/null
done
sequential=$(echo "$(date +%s.%N) - $start" | bc)
printf "100 projects x 20 databases: --fleet (8 at once) %.2f s; 100 sequential processes %.2f s: %.1fx\n" "$fleet" "$sequential" "$(echo "$sequential / $fleet" | bc -l)"
