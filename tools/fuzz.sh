#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of outside text, with libFuzzer (the Swift toolchain's
# -sanitize=fuzzer): the JSON codec, Appwrite's query JSON, cron expressions, numbers as text,
# fleet files, plan files, and each route's request decoding in the emulator (in process, through
# its real router). The targets are Tests/Fuzz/Targets; each has a committed seed corpus in
# Tests/Fuzz/Corpus/TARGET (and a dictionary in Tests/Fuzz/Dictionaries when tokens help).
#
#   tools/fuzz.sh                       # every target for 20 s, two at a time (what ./test.sh runs)
#   tools/fuzz.sh --time 600 emulator   # one target for ten minutes
#   tools/fuzz.sh --time 3600 --jobs 1  # every target for an hour each, one at a time
#   tools/fuzz.sh --build-only
#
# Builds into .build-fuzz (only bkup's own modules are instrumented; see Package.swift). New
# inputs that reach new code go to .build-fuzz/corpus/TARGET, crashes to .build-fuzz/crashes/.
# A crash fails the run: fix it, then keep its input in Tests/Fuzz/Crashes/TARGET/ (the suite
# replays every file there, FuzzReplayTests). Ends with one line per target: runs, coverage,
# corpus, time.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20
jobs=2
build_only=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
# libFuzzer takes 0 as "for ever": a bounded run needs a positive number of seconds.
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --time takes a positive whole number of seconds, got '$seconds'" >&2; exit 2; }

# libFuzzer's runtime without its main (the driver has its own, which picks the target).
clang="$(dirname "$(command -v swiftc)")/clang"
runtime=$(find "$("$clang" -print-resource-dir)/lib" -name 'libclang_rt.fuzzer_no_main*.a' 2>/dev/null | head -n 1)
if [ -z "$runtime" ]; then
  echo "fuzz.sh: this Swift toolchain has no libFuzzer runtime (libclang_rt.fuzzer_no_main); swift.org's Linux toolchains do" >&2
  exit 1
fi
export BKUP_FUZZ_RUNTIME="$runtime"
# libFuzzer's own crash handler keeps the input; Swift's backtracer would take the signal first.
export SWIFT_BACKTRACE=enable=no
scratch=.build-fuzz
start=$(date +%s)
swift build --scratch-path "$scratch" --product bkup-fuzz >&2
echo "fuzz: built in $(( $(date +%s) - start )) s" >&2
bin="$(swift build --scratch-path "$scratch" --show-bin-path)/bkup-fuzz"
[ "$build_only" -eq 1 ] && exit 0
if [ ${#targets[@]} -eq 0 ]; then
  for dir in Tests/Fuzz/Corpus/*/; do targets+=("$(basename "$dir")"); done
fi

mkdir -p "$scratch/crashes" "$scratch/logs"
run_one() {
  local t=$1
  local log="$scratch/logs/$t.log"
  local inputs=("Tests/Fuzz/Corpus/$t")
  [ -d "Tests/Fuzz/Crashes/$t" ] && inputs+=("Tests/Fuzz/Crashes/$t")
  local dict=()
  [ -f "Tests/Fuzz/Dictionaries/$t.dict" ] && dict=("-dict=Tests/Fuzz/Dictionaries/$t.dict")
  mkdir -p "$scratch/corpus/$t"
  # -timeout: one input that takes this long is a finding too (a request that stalls the server).
  "$bin" "$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$scratch/crashes/$t-" "${dict[@]}" "$scratch/corpus/$t" "${inputs[@]}" >"$log" 2>&1
}

status=0
pids=()
names=()
for t in "${targets[@]}"; do
  [ -d "Tests/Fuzz/Corpus/$t" ] || { echo "fuzz.sh: no target $t (no Tests/Fuzz/Corpus/$t)" >&2; exit 2; }
  run_one "$t" &
  pids+=($!)
  names+=("$t")
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done

for t in "${targets[@]}"; do
  log="$scratch/logs/$t.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
  if grep -qE '^==[0-9]+== ERROR|^SUMMARY: libFuzzer|deadly signal|bkup-fuzz: ' "$log"; then
    echo "fuzz $t: CRASH after ${runs:-?} runs; input in $(ls -t "$scratch"/crashes/"$t"-* 2>/dev/null | head -n 1), log in $log"
    grep -E 'bkup-fuzz: |Fatal error|ERROR: libFuzzer' "$log" | head -n 5 | sed 's/^/  /'
    status=1
  elif [ -z "$runs" ]; then
    echo "fuzz $t: did not run; see $log"
    tail -n 3 "$log" | sed 's/^/  /'
    status=1
  else
    echo "fuzz $t: ${runs:-0} runs (${secs:-0}/s), coverage ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?}, ${seconds} s"
  fi
done
exit "$status"
