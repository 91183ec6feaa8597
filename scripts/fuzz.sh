#!/usr/bin/env bash
# Run every libFuzzer harness of build-fuzz/ for a bounded time.
# Usage: scripts/fuzz.sh [SECONDS per harness, default 60]
# Seed corpora: tests/fuzz/corpus/<harness>/ (committed, small) plus the
# captures of tests/data. A crash leaves its input in build-fuzz/findings/.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
mkdir -p build-fuzz/findings
fail=0
shopt -s nullglob
for bin in build-fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  seeds=()
  [ -d "tests/fuzz/corpus/$name" ] && seeds+=("tests/fuzz/corpus/$name")
  echo "-- $name (${secs}s)"
  if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
        -artifact_prefix=build-fuzz/findings/"$name"- "$corpus" "${seeds[@]}" >build-fuzz/"$name".log 2>&1; then
    echo "FINDING in $name: see build-fuzz/$name.log and build-fuzz/findings/"
    tail -40 build-fuzz/"$name".log
    fail=1
  else
    grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units" build-fuzz/"$name".log | tail -1
  fi
done
exit $fail
