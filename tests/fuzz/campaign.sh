#!/usr/bin/env bash
# A fuzzing campaign: each harness of build-fuzz/ for a given time, one after
# the other on one core, recording executions per second, coverage, corpus
# size and findings. Not for CI (the issue asks for one hour per harness):
#
#   scripts/build.sh fuzz && tests/fuzz/mkcorpus.sh && tests/fuzz/campaign.sh 1        # 1 hour each
#   tests/fuzz/campaign.sh 0.1 fuzz_http fuzz_dns                                      # 6 min, two harnesses
#
# Usage: tests/fuzz/campaign.sh HOURS_PER_HARNESS [harness...]
# Output: build-fuzz/campaign/<harness>.log (libFuzzer's own), a summary table
# on stdout and in build-fuzz/campaign/summary.tsv (runs, exec/s, edges and
# features covered at the end, corpus files, findings). The corpus grows in
# build-fuzz/corpus/<harness>/ (kept between runs); crashes, leaks and
# timeouts are written to build-fuzz/campaign/findings/ (CAMPAIGN_SUMMARY=FILE
# writes the summary elsewhere, for a second campaign at once). Exit status 1 when
# any harness had a finding.
set -uo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] || { echo "usage: $0 HOURS_PER_HARNESS [harness...]" >&2; exit 2; }
secs=$(awk -v h="$1" 'BEGIN { printf "%d", h * 3600 }')
shift
out=build-fuzz/campaign
mkdir -p "$out/findings"
# the campaign runs copies of the harnesses, so that a rebuild meanwhile
# (scripts/test.sh) neither breaks it nor mixes two versions in one run
mkdir -p "$out/bin"
if [ $# -gt 0 ]; then
  bins=(); for h in "$@"; do cp "build-fuzz/$h" "$out/bin/" && bins+=("$out/bin/$h"); done
else
  bins=()
  for b in build-fuzz/fuzz_*; do
    [ -x "$b" ] && [ -f "$b" ] && cp "$b" "$out/bin/" && bins+=("$out/bin/$(basename "$b")")
  done
fi
git log -1 --format='campaign on commit %h (%s)' 2>/dev/null || true
# two campaigns can run side by side (one per core) with their own summaries
summary=${CAMPAIGN_SUMMARY:-$out/summary.tsv}
printf 'harness\tseconds\truns\texec_per_s\tcov_edges\tfeatures\tcorpus_files\tfindings\n' >"$summary"
fail=0
for bin in "${bins[@]}"; do
  [ -x "$bin" ] && [ -f "$bin" ] || continue
  name=$(basename "$bin")
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  seeds=()
  [ -d "tests/fuzz/corpus/$name" ] && seeds+=("tests/fuzz/corpus/$name")
  [ -d "build-fuzz/seeds/$name" ] && seeds+=("build-fuzz/seeds/$name")
  before=$(ls "$out/findings" | grep -c "^$name-" || true)
  echo "== $name: ${secs}s ($(date -u +%H:%M:%S) UTC)"
  # -fork=1 keeps going after a finding (each crash is one finding, the campaign goes on)
  "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -fork=1 \
      -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -artifact_prefix="$out/findings/$name-" "$corpus" "${seeds[@]}" >"$out/$name.log" 2>&1
  after=$(ls "$out/findings" | grep -c "^$name-" || true)
  found=$((after - before))
  last=$(grep -E '^#[0-9]+' "$out/$name.log" | tail -1)
  runs=$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#')
  cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | awk '{print $2}')
  ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | awk '{print $2}')
  files=$(ls "$corpus" | wc -l)
  eps=$(awk -v r="${runs:-0}" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? r / s : 0) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$secs" "${runs:-0}" "$eps" "${cov:-?}" "${ft:-?}" \
         "$files" "$found" >>"$summary"
  [ "$found" -eq 0 ] || fail=1
done
column -t -s $'\t' "$summary"
exit $fail
