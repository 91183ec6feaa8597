#!/usr/bin/python3
"""anomaly_eval.py -- quality of ribat's learned anomaly detector on the lab captures.

For the captures of a folder (default /work/lab-caps: NAME.pcap + NAME.labels.json,
recorded by ../shared/lab), this script

  1. trains a model on the benign capture:  ribat model train -r benign.pcap -o MODEL
  2. scores every attack capture with it:   ribat -r NAME.pcap --model MODEL --threads 1
                                            --set anomaly.learned.score-log=yes
     (learned-scores.csv: pcap_cnt, score, phase per featurised packet)
  3. labels each packet: malicious when it involves an attacker address (source or
     destination) and its time is inside the scenario's [start, end] window;
  4. reports the ROC AUC of the score over the labelled packets (rank statistic,
     ties counted half), the share of malicious packets above the model's threshold,
     the false-positive rate (benign packets above it), and the EVE learned records
     about attacker flows / other flows.

Run with Debian's python3 (numpy):  /usr/bin/python3 eval/anomaly_eval.py --ribat build/ribat
Options: --caps DIR, --out DIR (kept: models, logs, results.json), --set KEY=VALUE (to ribat).
"""
import argparse
import glob
import ipaddress
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np


def read_pcap(path):
    """per record: (pcap_cnt, time, set of IP address strings) -- Ethernet/VLAN/IPv4/IPv6 only"""
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    else:
        e = ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack_from(e + "I", data, 20)[0]
    off, cnt = 24, 0
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from(e + "IIII", data, off)
        off += 16
        pkt = data[off:off + incl]
        off += incl
        cnt += 1
        t = sec + frac * (1e-9 if nano else 1e-6)
        if linktype != 1 or len(pkt) < 14:
            continue
        et = struct.unpack_from("!H", pkt, 12)[0]
        l3 = 14
        while et in (0x8100, 0x88A8) and len(pkt) >= l3 + 4:
            et = struct.unpack_from("!H", pkt, l3 + 2)[0]
            l3 += 4
        if et == 0x0800 and len(pkt) >= l3 + 20:
            a = {str(ipaddress.IPv4Address(pkt[l3 + 12:l3 + 16])), str(ipaddress.IPv4Address(pkt[l3 + 16:l3 + 20]))}
        elif et == 0x86DD and len(pkt) >= l3 + 40:
            a = {str(ipaddress.IPv6Address(pkt[l3 + 8:l3 + 24])), str(ipaddress.IPv6Address(pkt[l3 + 24:l3 + 40]))}
        else:
            continue
        out[cnt] = (t, a)
    return out


def auc(scores, labels):
    """ROC AUC = P(score of a malicious packet > score of a benign one), ties half"""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=bool)
    npos, nneg = labels.sum(), (~labels).sum()
    if npos == 0 or nneg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2.0 + 1
        i = j + 1
    r = np.empty(len(s))
    r[order] = ranks
    return float((r[labels].sum() - npos * (npos + 1) / 2.0) / (npos * nneg))


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr))
    return p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ribat", default="build/ribat")
    ap.add_argument("--caps", default="/work/lab-caps")
    ap.add_argument("--out")
    ap.add_argument("--set", action="append", default=[])
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="ribat-anomaly-eval-")
    os.makedirs(out, exist_ok=True)
    sets = []
    for s in args.set:
        sets += ["--set", s]

    model = os.path.join(out, "benign.model")
    msg = run([args.ribat, "model", "train", "-q", "-r", os.path.join(args.caps, "benign.pcap"), "-o", model] + sets)
    print(msg.strip())

    results = []
    for lf in sorted(glob.glob(os.path.join(args.caps, "*.labels.json"))):
        lab = json.load(open(lf))
        name = lab["scenario"]
        pcap = lf[:-len(".labels.json")] + ".pcap"
        if not lab.get("malicious") or not os.path.exists(pcap):
            continue
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for old in glob.glob(os.path.join(d, "*")):  # eve.json is appended to
            os.remove(old)
        run([args.ribat, "-q", "-r", pcap, "-l", d, "--model", model, "--threads", "1",
             "--set", "anomaly.learned.score-log=yes"] + sets)
        score = {}
        thr = None
        with open(os.path.join(d, "learned-scores.csv")) as f:
            next(f)
            for line in f:
                c, s, _ph = line.split(",")
                c, s = int(c), float(s)
                score[c] = max(score.get(c, 0.0), s)
        with open(os.path.join(d, "anomaly-scores.csv")) as f:
            next(f)
            for line in f:
                thr = float(line.split(",")[4])
        pk = read_pcap(pcap)
        attackers = set(lab["attacker"])
        ys, ss = [], []
        for c, s in score.items():
            if c not in pk:
                continue
            t, addrs = pk[c]
            ys.append(bool(addrs & attackers) and lab["start"] <= t <= lab["end"])
            ss.append(s)
        ys, ss = np.array(ys), np.array(ss)
        rec_att = rec_other = 0
        with open(os.path.join(d, "eve.json")) as f:
            for line in f:
                if '"learned"' not in line:
                    continue
                r = json.loads(line)
                if r.get("anomaly", {}).get("type") != "learned":
                    continue
                if {r.get("src_ip"), r.get("dest_ip")} & attackers:
                    rec_att += 1
                else:
                    rec_other += 1
        res = {
            "scenario": name, "tool": lab.get("tool"), "packets": int(len(ys)), "malicious": int(ys.sum()),
            "auc": auc(ss, ys), "threshold": thr,
            "detected_share": float((ss[ys] > thr).mean()) if ys.any() and thr else float("nan"),
            "false_positive_rate": float((ss[~ys] > thr).mean()) if (~ys).any() and thr else float("nan"),
            "records_attacker": rec_att, "records_other": rec_other,
        }
        results.append(res)
    json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=1)
    print("| scenario | packets | malicious | ROC AUC | malicious > threshold | benign > threshold "
          "| learned records (attacker / other flows) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print("| %s | %d | %d | %.3f | %.1f%% | %.2f%% | %d / %d |" % (
            r["scenario"], r["packets"], r["malicious"], r["auc"], 100 * r["detected_share"],
            100 * r["false_positive_rate"], r["records_attacker"], r["records_other"]))
    print("(results in %s)" % out)


if __name__ == "__main__":
    main()
