#!/usr/bin/python3
"""learned_cli.py -- the learned anomaly detector end to end through ribat's CLI.

Generates two captures (normal traffic; the same kind of traffic with a SYN
flood from 10.0.0.66 in the middle), then checks:
  - ribat model train writes a model; scoring with --model flags the flood in
    EVE anomaly records of type "learned" with flow fields, score > threshold
    and a three-item explanation in words; anomaly-scores.csv is written;
  - with no model, ribat learns during its grace periods and then flags it too;
  - --threads 2 with a model runs (each worker loads a copy);
  - a corrupt, truncated, missing or mismatched model is refused with exit 1 and
    one message naming the file; a capture too short to train is refused.
Usage: learned_cli.py --ribat build/ribat
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "data"))
import pktgen as pg  # noqa: E402

GRACE = ["--set", "anomaly.learned.fm-grace=500", "--set", "anomaly.learned.ad-grace=3000"]
ATTACKER, VICTIM = "10.0.0.66", "10.0.0.1"


def normal(rnd, w, t0, n):
    """web-like traffic between 4 clients and 2 servers"""
    t = t0
    clients = ["10.0.0.%d" % i for i in range(10, 14)]
    servers = [VICTIM, "10.0.0.2"]
    for i in range(n):
        t += rnd.expovariate(100.0)
        c, s = rnd.choice(clients), rnd.choice(servers)
        port = 40000 + rnd.randrange(20)
        if rnd.random() < 0.5:
            seg = pg.tcp(c, s, port, 80, i, 0, "PA", bytes(rnd.randrange(60, 400)))
            pkt = pg.eth(pg.ipv4(c, s, 6, seg))
        else:
            seg = pg.tcp(s, c, 80, port, i, 0, "A", bytes(rnd.choice([1400, 1400, 800])))
            pkt = pg.eth(pg.ipv4(s, c, 6, seg), src="66:77:88:99:aa:bb", dst="00:11:22:33:44:55")
        w.write(t, pkt)
    return t


def flood(rnd, w, t0, n):
    t = t0
    for i in range(n):
        t += 0.0001
        seg = pg.tcp(ATTACKER, VICTIM, 1024 + rnd.randrange(60000), 80, rnd.randrange(1 << 32), 0, "S")
        w.write(t, pg.eth(pg.ipv4(ATTACKER, VICTIM, 6, seg), src="02:00:00:00:00:66"))
    return t


def make(path, attack):
    rnd = random.Random(11)
    w = pg.PcapWriter(path)
    t = normal(rnd, w, 1700000000.0, 4000)
    if attack:
        t = flood(rnd, w, t, 600)
        t = normal(rnd, w, t, 300)
    w.close()


def ribat(args, *cmd, expect=0):
    cmd = list(cmd[:2]) + ["-q"] + list(cmd[2:]) if cmd[0] == "model" else ["-q"] + list(cmd)
    p = subprocess.run([args.ribat] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != expect:
        raise AssertionError("%s exited %d (expected %d): %s" % (" ".join(cmd), p.returncode, expect, p.stderr))
    return p.stderr


def learned_records(d):
    out = []
    with open(os.path.join(d, "eve.json")) as f:
        for line in f:
            r = json.loads(line)
            if r.get("event_type") == "anomaly" and r["anomaly"].get("type") == "learned":
                out.append(r)
    return out


def check_flood_flagged(d):
    recs = learned_records(d)
    assert recs, "no learned anomaly record"
    att = [r for r in recs if ATTACKER in (r["src_ip"], r["dest_ip"])]
    assert att, "no learned record names the attacker: %s" % recs[:2]
    r = att[0]
    for k in ("flow_id", "community_id", "src_ip", "dest_ip", "src_port", "dest_port", "proto", "pcap_cnt"):
        assert k in r, "%s missing in %s" % (k, r)
    a = r["anomaly"]
    assert a["score"] > a["threshold"] > 0, a
    assert a["packets_over_threshold"] >= 1
    ex = a["explanation"]
    assert len(ex) == 3, ex
    for e in ex:
        for k in ("group", "window", "statistic", "contribution", "value", "training_range", "text"):
            assert k in e, (k, e)
        assert e["window"].startswith("\u03bb="), e
        assert 0 <= e["contribution"] <= 1
    assert any(ATTACKER in e["group"] for e in ex), ex
    # one record per channel and alert interval, not one per spoofed-port flow
    assert len(att) <= 4, len(att)
    with open(os.path.join(d, "anomaly-scores.csv")) as f:
        lines = f.read().splitlines()
    assert lines[0] == "time,packets,mean_score,max_score,threshold,records", lines[0]
    assert len(lines) > 2
    assert sum(int(x.split(",")[5]) for x in lines[1:]) >= len(att)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ribat", required=True)
    args = ap.parse_args()
    wd = tempfile.mkdtemp(prefix="ribat-learned-")
    try:
        norm, att = os.path.join(wd, "normal.pcap"), os.path.join(wd, "attack.pcap")
        make(norm, False)
        make(att, True)
        model = os.path.join(wd, "m.model")
        msg = ribat(args, "model", "train", "-r", norm, "-o", model, *GRACE)
        assert "model written" in msg and os.path.getsize(model) > 100, msg

        d1 = os.path.join(wd, "with-model")
        os.mkdir(d1)
        ribat(args, "-r", att, "-l", d1, "--model", model, "--threads", "1")
        check_flood_flagged(d1)
        # sustained excess: a channel's first record stands for min-packets (20) packets over the threshold
        first = [r for r in learned_records(d1) if ATTACKER in (r["src_ip"], r["dest_ip"])][0]
        assert first["anomaly"]["packets_over_threshold"] >= 20, first["anomaly"]
        d1b = os.path.join(wd, "min-packets")
        os.mkdir(d1b)
        ribat(args, "-r", att, "-l", d1b, "--model", model, "--threads", "1",
              "--set", "anomaly.learned.min-packets=1000")  # more than the flood's 600 packets
        assert not learned_records(d1b), learned_records(d1b)[:1]

        d2 = os.path.join(wd, "no-model")
        os.mkdir(d2)
        ribat(args, "-r", att, "-l", d2, "--threads", "1", *GRACE)
        check_flood_flagged(d2)

        d3 = os.path.join(wd, "threads")
        os.mkdir(d3)
        ribat(args, "-r", att, "-l", d3, "--model", model, "--threads", "2", "--model-learn")
        assert os.path.exists(os.path.join(d3, "anomaly-scores.csv"))

        # refusals: one line naming the file and the problem, exit 1
        data = open(model, "rb").read()
        bad = os.path.join(wd, "bad.model")
        for blob, what in ((data[:-1] + bytes([data[-1] ^ 1]), "checksum"), (data[:50], "truncated"),
                           (b"NOTAMODEL" + data[9:], "magic")):
            open(bad, "wb").write(blob)
            err = ribat(args, "-r", att, "-l", d1, "--model", bad, expect=1)
            assert bad in err and what in err and err.count("\n") == 1, err
        err = ribat(args, "-r", att, "-l", d1, "--model", os.path.join(wd, "none.model"), expect=1)
        assert "none.model" in err, err
        short = os.path.join(wd, "short.pcap")
        w = pg.PcapWriter(short)
        normal(random.Random(1), w, 1700000000.0, 100)
        w.close()
        err = ribat(args, "model", "train", "-r", short, "-o", os.path.join(wd, "s.model"), *GRACE, expect=1)
        assert "feature mapping needs 500" in err, err
        print("learned detector CLI: all checks passed")
        return 0
    finally:
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
