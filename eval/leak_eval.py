#!/usr/bin/env python3
"""leak_eval.py -- ribat's leak records on the lab captures against the generator's truth.

    eval/leak_eval.py --ribat build/ribat [--caps /work/lab-caps] [--data /tmp/lxlab/pii.csv]
                      [--mixed /work/bench-data/lab-mixed.pcap] [--markdown]

For each exfiltration capture (exfil_http, exfil_tcp, exfil_https) ribat runs with its default configuration;
the counts of the leak records of flows between the capture's labelled attacker and victim (and of the
host-level records, "scope": "host", whose sender is labelled) are summed per type and compared with the number of DISTINCT values per type in the data file the lab sent (the generator's
truth file counts rows; ribat counts distinct identifiers, so the truth is recomputed from the data: phone
numbers are compared by subscriber number, as ribat normalises +212/0 prefixes). benign.pcap and, when
given, the large mixed capture must have no leak record at all. Prints a table; exit status 1 when a
cleartext capture is off by more than 2% on a type or a benign capture has an incident.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

TYPES = {"cin": "cin", "cnss": "cnss", "rib": "rib", "iban": "iban", "tel": "phone", "email": "email"}


def truth_from_csv(path):
    vals = {t: set() for t in TYPES.values()}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            for col, t in TYPES.items():
                v = row[col]
                vals[t].add(v[-9:] if t == "phone" else (v.lower() if t == "email" else v))
    return {t: len(v) for t, v in vals.items()}


def run(ribat, pcap):
    out = tempfile.mkdtemp(prefix="leak-eval-")
    subprocess.run([ribat, "-q", "-r", pcap, "-l", out], check=True)
    recs = []
    with open(os.path.join(out, "eve.json"), encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("event_type") in ("leak", "stats"):
                recs.append(r)
    subprocess.run(["rm", "-rf", out])
    return recs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ribat", required=True)
    ap.add_argument("--caps", default="/work/lab-caps")
    ap.add_argument("--data", default="/tmp/lxlab/pii.csv")
    ap.add_argument("--mixed", default=None)
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    truth = truth_from_csv(a.data)
    rows, bad = [], False
    # the shared lab's three, then the variants of eval/lab/record_leak_variants.sh, which write
    # their own truth (distinct values by type) next to the capture
    for cap in ("exfil_http", "exfil_tcp", "exfil_https", "exfil_json", "exfil_gzip", "exfil_multipart",
                "exfil_ebds", "exfil_dns"):
        pcap = os.path.join(a.caps, cap + ".pcap")
        if not os.path.exists(pcap):
            rows.append((cap, "-", "-", "-", "-", "capture missing"))
            continue
        tpath = os.path.join(a.caps, cap + ".truth.json")
        cap_truth = json.load(open(tpath)) if os.path.exists(tpath) else truth
        labels = json.load(open(os.path.join(a.caps, cap + ".labels.json")))
        ends = set(labels.get("attacker", [])) | set(labels.get("victim", []))
        got = {}
        n = nh = 0
        for r in run(a.ribat, pcap):
            if r["event_type"] != "leak":
                continue
            # a host-level record ("scope": "host") carries the sender's distinct counts over a window of
            # many flows (its dest_ip is only the last receiver): it counts when its sender is labelled;
            # a flow record counts when both ends are. The two never cover the same flow direction.
            host = r["leak"].get("scope") == "host"
            if not (r["src_ip"] in ends if host else {r["src_ip"], r["dest_ip"]} <= ends):
                continue
            n += 1
            nh += host
            for t, c in r["leak"]["counts"].items():
                got[t] = got.get(t, 0) + c
        encrypted = cap.endswith("https")
        for t in (cap_truth.keys() if cap_truth is not truth else TYPES.values()):
            g = got.get(t, 0)
            diff = 100.0 * (g - cap_truth[t]) / cap_truth[t] if cap_truth[t] else 0.0
            if encrypted:
                note = "TLS: not visible (expected 0)"
                bad |= g != 0
            else:
                note = "ok" if abs(diff) <= 2.0 else "OFF BY > 2%"
                bad |= abs(diff) > 2.0
            rows.append((cap, t, cap_truth[t], g, "%+.1f%%" % diff, note + ((" (%d incident, %d host-level)" % (n, nh) if nh else " (%d incident)" % n)
                                                                    if t == "cin" else "")))
        for t, g in got.items():
            if t not in cap_truth:
                rows.append((cap, t, "-", g, "-", "not in the data file's truth"))
    for cap, pcap in (("benign", os.path.join(a.caps, "benign.pcap")), ("lab-mixed", a.mixed)):
        if not pcap or not os.path.exists(pcap):
            continue
        recs = run(a.ribat, pcap)
        inc = [r for r in recs if r["event_type"] == "leak"]
        st = [r for r in recs if r["event_type"] == "stats"]
        ids = st[-1]["stats"]["leak"]["ids"] if st else {}
        seen = ", ".join("%s %d" % (k, v) for k, v in ids.items() if v) or "none"
        rows.append((cap, "incidents", 0, len(inc), "-", "ok" if not inc else "FALSE POSITIVE") )
        rows.append((cap, "ids seen (all flows)", "-", seen, "-", "below every threshold"))
        bad |= bool(inc)
    hdr = ("capture", "type", "truth (distinct)", "ribat", "diff", "note")
    if a.markdown:
        print("| " + " | ".join(hdr) + " |")
        print("|" + "---|" * len(hdr))
        for r in rows:
            print("| " + " | ".join(str(x) for x in r) + " |")
    else:
        w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
        for r in [hdr] + rows:
            print("  ".join(str(x).ljust(w[i]) for i, x in enumerate(r)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
