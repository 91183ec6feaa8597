#!/usr/bin/env bash
# mkcaptures.sh OUTDIR — build the benchmark captures (never inside the repo; /work/bench-data is the usual place).
#
#   OUTDIR/compat-merged.pcap  every pcap of the compat tests (deduplicated), merged into one Ethernet pcap.
#                              Files of other link types cannot share a pcap file with Ethernet ones and are
#                              left out; damaged files contribute their sound leading packets. What was left
#                              out or trimmed is printed and written to OUTDIR/compat-merged.report.txt.
#   OUTDIR/lab-mixed.pcap      benign lab traffic from /work/shared/lab/mkbench.sh (namespaced lab network,
#                              recorded live, then copied COPIES times onto distinct address ranges).
#
# Environment (defaults in brackets):
#   LAB_SECS [120] LAB_COPIES [7]   recording length and copies: ~1 GB, ~4-5 minutes on the 2-core machine
#                                   (the lab produces ~1.2 MB/s of benign traffic per copy)
#   MERGE [time]                    compat merge: "time" = chronological (mergecap default, timestamps never go
#                                   back), "append" = plain concatenation (mergecap -a)
#   ONLY [both]                     "compat" or "lab" to build just one of them
#   COMPAT_TESTS [/work/shared/compat/tests]   LAB_DIR [/work/shared/lab]
# Needs root for the lab part and the packages from scripts/setup-lab.sh.
set -euo pipefail

die() { echo "mkcaptures: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
LAB_SECS=${LAB_SECS:-120} LAB_COPIES=${LAB_COPIES:-7} MERGE=${MERGE:-time} ONLY=${ONLY:-both}
COMPAT_TESTS=${COMPAT_TESTS:-/work/shared/compat/tests} LAB_DIR=${LAB_DIR:-/work/shared/lab}

out=$(realpath -m "$1")
case "$out/" in "$repo"/*) die "OUTDIR $out is inside the repository; captures must not be committed (use /work/bench-data)";; esac
mkdir -p "$out"
for t in mergecap editcap capinfos /usr/bin/python3; do
    command -v "$t" >/dev/null || die "$t not found: run scripts/setup-lab.sh"
done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

build_compat() {
    [ -d "$COMPAT_TESTS" ] || die "compat tests folder $COMPAT_TESTS not found"
    local report="$out/compat-merged.report.txt" files=() n_in=0 n_out=0 n_cut=0 i=0
    /usr/bin/python3 "$repo/tools/pcapscan.py" --compat-list "$COMPAT_TESTS" > "$work/list.tsv"
    : > "$report"
    while IFS=$'\t' read -r links pkts status path; do
        i=$((i + 1))
        if [ "$links" != 1 ]; then
            echo "left out (linktype $links): $path" >> "$report"; n_out=$((n_out + 1)); continue
        fi
        case $status in
            ok) files+=("$path") ;;
            cut@*)
                if [ "$pkts" -eq 0 ]; then echo "left out (no sound packet): $path" >> "$report"; n_out=$((n_out + 1)); continue; fi
                head -c "${status#cut@}" "$path" > "$work/trim$i.pcap"; files+=("$work/trim$i.pcap")
                echo "trimmed to its first $pkts sound packets (damaged tail): $path" >> "$report"; n_cut=$((n_cut + 1)) ;;
            *) echo "left out (unreadable): $path" >> "$report"; n_out=$((n_out + 1)); continue ;;
        esac
        n_in=$((n_in + 1))
    done < "$work/list.tsv"
    [ ${#files[@]} -gt 0 ] || die "no Ethernet pcap found under $COMPAT_TESTS"
    local flag=""; [ "$MERGE" = append ] && flag="-a"
    mergecap $flag -F pcap -w "$work/compat-merged.pcap" "${files[@]}" || die "mergecap failed"
    mv "$work/compat-merged.pcap" "$out/compat-merged.pcap"
    { echo "merged $n_in pcaps ($n_cut trimmed), left out $n_out; merge mode: $MERGE"; } | tee -a "$report"
    grep -v '^merged ' "$report" | sed 's/^/  /' || true
    capinfos -c -s -u "$out/compat-merged.pcap"
}

build_lab() {
    [ -x "$LAB_DIR/mkbench.sh" ] || die "$LAB_DIR/mkbench.sh not found"
    [ "$(id -u)" -eq 0 ] || die "the lab needs root (network namespaces)"
    command -v tcprewrite >/dev/null || die "tcprewrite not found: run scripts/setup-lab.sh"
    echo "mkcaptures: recording $LAB_SECS s of lab traffic, $LAB_COPIES copies (mkbench brings the lab up and down)"
    local t0=$SECONDS
    # mkbench.sh runs netlab.sh up / down itself; make sure the lab is down if it fails half way
    if ! "$LAB_DIR/mkbench.sh" "$work/lab-mixed.pcap" "$LAB_SECS" "$LAB_COPIES"; then
        "$LAB_DIR/netlab.sh" down || true
        die "mkbench.sh failed"
    fi
    mv "$work/lab-mixed.pcap" "$out/lab-mixed.pcap"
    echo "mkcaptures: lab capture built in $((SECONDS - t0)) s: $(du -h "$out/lab-mixed.pcap" | cut -f1)"
}

case $ONLY in
    both) build_compat; build_lab ;;
    compat) build_compat ;;
    lab) build_lab ;;
    *) die "ONLY must be both, compat or lab" ;;
esac
ls -l "$out"/*.pcap
