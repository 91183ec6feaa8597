#!/usr/bin/env python3
"""behaviour_eval.py -- how the behavioural detectors do on the lab's labelled captures.

    python3 eval/behaviour_eval.py --ribat build/ribat [--caps /work/lab-caps] [--benign-extra CAP ...]
                                   [--threads N] [--json OUT] [--set KEY=VALUE ...]

For each CAPS/<scenario>.pcap with its <scenario>.labels.json (written by ../shared/lab/record.sh), runs
ribat and reads the EVE anomaly records of type "behaviour". A detection is correct when a detector
expected for the scenario fired with the attacker as the record's subject (src_ip, or the evidence's
attacker/scanner/source/client) inside the labelled window (with 120 s of slack after it, for detections
made at flow end). Every other behavioural record is a false alert. False alerts per hour are counted on
the benign captures: benign.pcap and every --benign-extra capture (durations from their packet times).
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
from datetime import datetime

EXPECTED = {
    "scan_syn": {"port_scan"}, "scan_version": {"port_scan"}, "synflood": {"syn_flood"},
    "brute_ssh": {"brute_force"}, "brute_http": {"brute_force"}, "sqli": set(), "slowloris": set(),
    "dns_tunnel": {"dns_tunnel"}, "beacon": {"beaconing"}, "arp_spoof": {"arp_spoof"},
    "scan_horizontal": {"port_scan"}, "udpflood": {"udp_flood"},
    "exfil_http": {"bulk_transfer"}, "exfil_tcp": {"bulk_transfer"}, "exfil_https": {"bulk_transfer"},
    "benign": set(),
}


def expected_for(sc):
    """scenarios added to the lab later: exfiltration over DNS is a DNS tunnel, other exfiltration is bulk"""
    if "dns" in sc:
        return {"dns_tunnel"}
    if sc.startswith("exfil"):
        return {"bulk_transfer"}
    return set()


def pcap_span(path):
    """First and last packet time of a classic pcap (reads record headers only)."""
    first = last = None
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return 0.0, 0.0
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        else:
            endian = ">"
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            sec, frac, incl, _ = struct.unpack(endian + "IIII", rh)
            t = sec + frac / (1e9 if nano else 1e6)
            if first is None:
                first = t
            last = t
            f.seek(incl, 1)
    return first or 0.0, last or 0.0


def ts_epoch(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def subject(r):
    ev = r["anomaly"].get("evidence", {})
    if r["anomaly"].get("detector") == "arp_spoof":
        # ARP has no IP sender: the forging MAC address (eval/lab/record_arp.sh labels it so)
        return ev.get("new_mac") or ev.get("mac")
    for k in ("attacker", "scanner", "source", "client"):
        if k in ev:
            return ev[k]
    return r.get("src_ip")


def run(ribat, pcap, threads, sets=()):
    out = tempfile.mkdtemp(prefix="bh-eval-")
    cmd = [ribat, "-q", "-r", pcap, "-l", out, "--threads", str(threads)]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True)
    recs = []
    with open(os.path.join(out, "eve.json")) as f:
        for line in f:
            r = json.loads(line)
            if r.get("event_type") == "anomaly" and r.get("anomaly", {}).get("type") == "behaviour":
                recs.append(r)
    subprocess.run(["rm", "-rf", out])
    return recs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ribat", default="build/ribat")
    ap.add_argument("--caps", default="/work/lab-caps")
    ap.add_argument("--benign-extra", nargs="*", default=[])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json")
    ap.add_argument("--set", action="append", default=[], help="a ribat --set KEY=VALUE, repeatable")
    a = ap.parse_args()
    rows, total_fp, benign_secs, benign_fp = [], 0, 0.0, 0
    for name in sorted(os.listdir(a.caps)):
        if not name.endswith(".labels.json"):
            continue
        sc = name[:-len(".labels.json")]
        pcap = os.path.join(a.caps, sc + ".pcap")
        if not os.path.exists(pcap):
            continue
        lab = json.load(open(os.path.join(a.caps, name)))
        recs = run(a.ribat, pcap, a.threads, a.set)
        want = EXPECTED.get(sc, expected_for(sc))
        attackers = set(lab.get("attacker", []))
        hits, fps = [], []
        for r in recs:
            det = r["anomaly"]["detector"]
            t = ts_epoch(r["timestamp"])
            ok = (det in want and subject(r) in attackers and lab["start"] - 5 <= t <= lab["end"] + 120)
            (hits if ok else fps).append(r)
        detected = sorted({r["anomaly"]["detector"] for r in hits})
        row = {"scenario": sc, "expected": sorted(want), "detected": detected, "records": len(recs),
               "false": len(fps), "false_detail": sorted({(r["anomaly"]["detector"], subject(r)) for r in fps})}
        rows.append(row)
        total_fp += len(fps)
        if sc == "benign":
            t0, t1 = pcap_span(pcap)
            benign_secs += t1 - t0
            benign_fp += len(fps)
    for extra in a.benign_extra:
        recs = run(a.ribat, extra, a.threads, a.set)
        t0, t1 = pcap_span(extra)
        benign_secs += t1 - t0
        benign_fp += len(recs)
        rows.append({"scenario": os.path.basename(extra), "expected": [], "detected": [], "records": len(recs),
                     "false": len(recs), "false_detail": sorted({(r["anomaly"]["detector"], subject(r)) for r in recs}),
                     "seconds": round(t1 - t0, 1)})
    print("%-22s %-16s %-16s %7s %6s" % ("scenario", "expected", "detected", "records", "false"))
    for r in rows:
        print("%-22s %-16s %-16s %7d %6d" % (r["scenario"], ",".join(r["expected"]) or "-",
                                              ",".join(r["detected"]) or "-", r["records"], r["false"]))
        for d in r["false_detail"][:5]:
            print("    false: %s %s" % d)
    per_hour = benign_fp / (benign_secs / 3600.0) if benign_secs > 0 else float("nan")
    print("benign traffic: %.1f s, %d behavioural alerts: %.2f false alerts per hour" % (benign_secs, benign_fp, per_hour))
    missed = [r["scenario"] for r in rows if r["expected"] and not r["detected"]]
    print("scenarios missed: %s" % (", ".join(missed) or "none"))
    if a.json:
        json.dump({"rows": rows, "benign_seconds": benign_secs, "benign_false": benign_fp,
                   "false_per_hour": per_hour}, open(a.json, "w"), indent=1, default=list)


if __name__ == "__main__":
    sys.exit(main())
