#!/bin/bash
# record_arp.sh OUTDIR — an ARP-spoofing capture recorded in the shared lab (../shared/lab: `netlab.sh up`
# first), with a real attack tool: dsniff's arpspoof (Debian package dsniff; not a ribat dependency) claims
# the clients' gateway 10.10.1.1 for the client side's own MAC address, broadcasting forged ARP replies every
# 2 s for 20 s, over benign background traffic. The clients' ARP cache is flushed first, so that the
# gateway's genuine binding is in the capture before the forged one.
# Writes OUTDIR/arp_spoof.pcap and arp_spoof.labels.json: "attacker" is the forging MAC address (ARP has
# no IP sender of its own: eval/behaviour_eval.py matches an arp_spoof record by its evidence.new_mac),
# "victim" the address taken over.
set -u
out=$1; mkdir -p "$out"; out=$(cd "$out" && pwd)
. "$(dirname "$0")/lab_common.sh"
GW=10.10.1.1
command -v arpspoof >/dev/null || { echo "arpspoof not found: apt-get install dsniff" >&2; exit 2; }
mac=$(ip -n lx-cli -br link show eth0 | awk '{print $3}')
ip netns exec lx-rtr tcpdump -i r-cli -s 0 -U -w "$out/arp_spoof.pcap" >/dev/null 2>&1 & cap=$!
sleep 1
ip -n lx-cli neigh flush all
LAB=$LAB "$lab/benign.sh" 40 2 >/dev/null 2>&1 & bgp=$!
sleep 8; t0=$(date +%s.%N)
ip netns exec lx-cli timeout 20 arpspoof -i eth0 $GW >/dev/null 2>&1
t1=$(date +%s.%N)
wait $bgp; sleep 2; kill $cap; wait $cap 2>/dev/null
ip -n lx-cli neigh flush all  # the clients forget the forged binding (they learnt it too)
printf '{"scenario": "arp_spoof", "malicious": true, "tool": "arpspoof -i eth0 %s", "attacker": ["%s"], "victim": ["%s"], "start": %s, "end": %s}\n' \
    $GW "$mac" $GW "$t0" "$t1" > "$out/arp_spoof.labels.json"
echo "arp_spoof: $(capinfos -c -M "$out/arp_spoof.pcap" | awk -F: '/Number of packets/{print $2}' | tr -d ' ') packets"
