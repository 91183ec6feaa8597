#!/bin/bash
# record_more.sh OUTDIR — two attack captures the shared lab's record.sh does not make, recorded the same way
# (../shared/lab: `netlab.sh up` first; the attacker 10.10.1.66 over benign background traffic, real tools):
#   scan_horizontal  nmap -sS of ports 22, 80 and 443 across 10.10.2.0/24 (one live host, the rest silent)
#   udpflood         hping3 --udp, 20,000 packets at 5,000/s to a closed port of the "internet" host
# Each capture gets OUTDIR/NAME.pcap and NAME.labels.json (attacker, victim, time window).
set -u
out=$1; mkdir -p "$out"; out=$(cd "$out" && pwd)
. "$(dirname "$0")/lab_common.sh"
# tools that cannot bind a source address use the default route's: the attacker's while the attack runs
ip -n lx-cli route replace default via 10.10.1.1 src $ATK
trap 'ip -n lx-cli route replace default via 10.10.1.1' EXIT
lab_record scan_horizontal 10.10.2.0/24 "nmap -sS -p 22,80,443 10.10.2.0/24" 40 \
    in_cli timeout 120 nmap -n -Pn -sS -T4 --max-retries 1 -S $ATK -e eth0 -p 22,80,443 10.10.2.0/24
lab_record udpflood $EXT "hping3 --udp flood" 40 \
    in_cli timeout 20 hping3 -q --udp -p 9999 -i u200 -c 20000 -a $ATK $EXT
