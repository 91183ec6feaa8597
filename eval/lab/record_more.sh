#!/bin/bash
# record_more.sh OUTDIR — two attack captures the shared lab's record.sh does not make, recorded the same way
# (../shared/lab: `netlab.sh up` first; the attacker 10.10.1.66 over benign background traffic, real tools):
#   scan_horizontal  nmap -sS of ports 22, 80 and 443 across 10.10.2.0/24 (one live host, the rest silent)
#   udpflood         hping3 --udp, 20,000 packets at 5,000/s to a closed port of the "internet" host
# Each capture gets OUTDIR/NAME.pcap and NAME.labels.json (attacker, victim, time window).
set -u
out=$1; mkdir -p "$out"; out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
lab=${SHARED_LAB:-$here/../../../shared/lab}
LAB=${LAB:-/tmp/lxlab}
ATK=10.10.1.66 EXT=198.18.0.10
ip -n lx-cli addr add $ATK/24 dev eth0 2>/dev/null || true
in_cli() { ip netns exec lx-cli "$@"; }
# tools that cannot bind a source address use the default route's: the attacker's while the attack runs
ip -n lx-cli route replace default via 10.10.1.1 src $ATK
trap 'ip -n lx-cli route replace default via 10.10.1.1' EXIT
record() { # NAME VICTIM TOOL COMMAND...
    local name=$1 victim=$2 tool=$3; shift 3
    ip netns exec lx-rtr tcpdump -i r-cli -s 0 -U -w "$out/$name.pcap" >/dev/null 2>&1 & local cap=$!
    sleep 1
    LAB=$LAB "$lab/benign.sh" 40 2 >/dev/null 2>&1 & local bgp=$!
    sleep 3; local t0; t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    local t1; t1=$(date +%s.%N)
    wait $bgp; sleep 2; kill $cap; wait $cap 2>/dev/null
    printf '{"scenario": "%s", "malicious": true, "tool": "%s", "attacker": ["%s"], "victim": ["%s"], "start": %s, "end": %s}\n' \
        "$name" "$tool" $ATK "$victim" "$t0" "$t1" > "$out/$name.labels.json"
    echo "$name: $(capinfos -c -M "$out/$name.pcap" | awk -F: '/Number of packets/{print $2}' | tr -d ' ') packets"
}
record scan_horizontal 10.10.2.0/24 "nmap -sS -p 22,80,443 10.10.2.0/24" \
    in_cli timeout 120 nmap -n -Pn -sS -T4 --max-retries 1 -S $ATK -e eth0 -p 22,80,443 10.10.2.0/24
record udpflood $EXT "hping3 --udp flood" \
    in_cli timeout 20 hping3 -q --udp -p 9999 -i u200 -c 20000 -a $ATK $EXT
