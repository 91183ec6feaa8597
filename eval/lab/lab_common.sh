#!/bin/bash
# lab_common.sh — sourced by the recording scripts of eval/lab/: the shared lab's location, the attacker's
# address, and lab_record, which records one labelled capture the way ../shared/lab/record.sh does.
# Sourcing it needs `out` (the output folder) set.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab=${SHARED_LAB:-$here/../../../shared/lab}
LAB=${LAB:-/tmp/lxlab}
ATK=10.10.1.66 EXT=198.18.0.10
ip -n lx-cli addr add $ATK/24 dev eth0 2>/dev/null || true
in_cli() { ip netns exec lx-cli "$@"; }

# lab_record NAME VICTIM TOOL BGSECS COMMAND... — captures on the router's client side while COMMAND runs
# over BGSECS seconds of benign background traffic; writes OUT/NAME.pcap and NAME.labels.json.
lab_record() {
    local name=$1 victim=$2 tool=$3 bgsecs=$4; shift 4
    ip netns exec lx-rtr tcpdump -i r-cli -s 0 -U -w "$out/$name.pcap" >/dev/null 2>&1 & local cap=$!
    sleep 1
    LAB=$LAB "$lab/benign.sh" "$bgsecs" 2 >/dev/null 2>&1 & local bgp=$!
    sleep 3; local t0; t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    local t1; t1=$(date +%s.%N)
    wait $bgp; sleep 2; kill $cap; wait $cap 2>/dev/null
    printf '{"scenario": "%s", "malicious": true, "tool": "%s", "attacker": ["%s"], "victim": ["%s"], "start": %s, "end": %s}\n' \
        "$name" "$tool" $ATK "$victim" "$t0" "$t1" > "$out/$name.labels.json"
    echo "$name: $(capinfos -c -M "$out/$name.pcap" | awk -F: '/Number of packets/{print $2}' | tr -d ' ') packets"
}
