#!/usr/bin/python3
"""afterimage_ref.py -- check ribat's 115 AfterImage features against an
independent computation (run with /usr/bin/python3: needs numpy).

ribat updates its statistics incrementally (decayed Welford updates, one
decay per elapsed interval). This script computes the same quantities from
their definitions instead: at the time t of each packet, every past item k of
a stream has the weight a_k = 2^(-lambda (t - t_k)), and

    w = sum a_k            mean = sum a_k x_k / w      var = sum a_k (x_k - mean)^2 / w

(two-pass, over the whole history, with numpy). For the two-sided keys
(channel, socket), with i the packet's direction and j the other:

    magnitude = sqrt(mean_i^2 + mean_j^2)      radius = sqrt(var_i^2 + var_j^2)
    cov = SR / (w_i + w_j)                     pcc = cov / (std_i std_j), clamped to [-1, 1]
    SR = sum over the pair's packets m of 2^(-lambda (t - t_m)) r_m r'_m, where r_m is
         x_m minus its direction's mean just before m, r'_m the other direction's last r

Jitter: per direction of a channel, the time since that direction's previous
packet (0 for its first), as a stream of its own. Packet size: the captured
length. Times are seconds since the first IP packet's second. Ports only for TCP/UDP/SCTP (else 0).

Usage: afterimage_ref.py --ribat build/ribat [--workdir DIR]
Generates a small capture, runs `ribat --dump-features`, compares every
vector to 1e-6 (absolute or relative). Exit status 0 when all match.
"""
import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "data"))
import pktgen as pg  # noqa: E402

LAMBDAS = [5.0, 3.0, 1.0, 0.1, 0.01]


def gen_capture(path):
    """~1500 packets over ~40 s: TCP/UDP/ICMP in both directions, IPv4 and
    IPv6, bursts with equal timestamps, a host behind two MACs, an ARP packet."""
    rnd = random.Random(5)
    w = pg.PcapWriter(path)
    hosts = [("10.0.0.%d" % i, "02:00:00:00:00:%02x" % i) for i in range(1, 6)]
    v6 = [("2001:db8::1", "02:00:00:00:01:01"), ("2001:db8::2", "02:00:00:00:01:02")]
    t = 1700000000.0
    for n in range(1500):
        # time: mostly exponential gaps, sometimes the same timestamp, sometimes a long pause
        r = rnd.random()
        if r < 0.1:
            pass
        elif r < 0.12:
            t += rnd.uniform(3, 8)
        else:
            t += rnd.expovariate(60.0)
        kind = rnd.random()
        if kind < 0.08:
            (a, ma), (b, mb) = rnd.sample(v6, 2)
            payload = bytes(rnd.randrange(0, 600))
            pkt = pg.eth(pg.ipv6(a, b, 17, pg.udp(a, b, 5000 + rnd.randrange(3), 53, payload, v6=True)),
                         etype=0x86DD, src=ma, dst=mb)
        elif kind < 0.1:
            pkt = pg.eth(bytes(28), etype=0x0806, src=hosts[0][1], dst="ff:ff:ff:ff:ff:ff")
        else:
            (a, ma), (b, mb) = rnd.sample(hosts[:4], 2) if rnd.random() < 0.9 else (hosts[4], hosts[0])
            if a == "10.0.0.2" and rnd.random() < 0.3:
                ma = "02:00:00:00:00:99"  # the same IP behind a second MAC
            proto = rnd.random()
            if proto < 0.6:
                sp, dp = (40000 + rnd.randrange(4), 80) if rnd.random() < 0.5 else (80, 40000 + rnd.randrange(4))
                payload = bytes(rnd.choice([0, 0, 40, 512, 1400, rnd.randrange(1400)]))
                l4 = pg.tcp(a, b, sp, dp, rnd.randrange(1 << 32), 0, "A", payload)
                pkt = pg.eth(pg.ipv4(a, b, 6, l4), src=ma, dst=mb)
            elif proto < 0.9:
                payload = bytes(rnd.randrange(10, 300))
                pkt = pg.eth(pg.ipv4(a, b, 17, pg.udp(a, b, 1000 + rnd.randrange(3), 53, payload)), src=ma, dst=mb)
            else:
                pkt = pg.eth(pg.ipv4(a, b, 1, pg.icmp4(8, 0, 1, n, bytes(rnd.randrange(56, 120)))), src=ma, dst=mb)
        w.write(t, pkt)
    w.close()


def read_packets(path):
    """(index 1-based, t, size, mac, src, dst, sp, dp, proto) of each IP packet."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    off = 24
    cnt = 0
    base = None
    while off + 16 <= len(data):
        sec, usec, incl, _orig = struct.unpack_from("<IIII", data, off)
        off += 16
        pkt = data[off:off + incl]
        off += incl
        cnt += 1
        etype = struct.unpack_from("!H", pkt, 12)[0]
        mac = pkt[6:12]
        l3 = pkt[14:]
        if etype == 0x0800:
            ihl = (l3[0] & 15) * 4
            proto = l3[9]
            src, dst = (4, l3[12:16]), (4, l3[16:20])
            l4 = l3[ihl:]
        elif etype == 0x86DD:
            proto = l3[6]
            src, dst = (6, l3[8:24]), (6, l3[24:40])
            l4 = l3[40:]
        else:
            continue
        sp = dp = 0
        if proto in (6, 17, 132):
            sp, dp = struct.unpack_from("!HH", l4, 0)
        if base is None:
            base = sec
        t = float(sec - base) + float(usec) * 1e-6  # seconds since the first IP packet's second
        out.append((cnt, t, float(incl), mac, src, dst, sp, dp, proto))
    return out


class Stream:
    """The history of one stream: times and values."""

    def __init__(self):
        self.t = []
        self.x = []

    def stats(self, now, lam):
        if not self.t:
            return 0.0, 0.0, 0.0
        a = np.exp2(-lam * (now - np.array(self.t)))
        x = np.array(self.x)
        w = a.sum()
        mean = (a * x).sum() / w
        var = (a * (x - mean) ** 2).sum() / w
        return w, mean, max(var, 0.0)


class Pair:
    def __init__(self):
        self.dirs = [Stream(), Stream()]
        self.sr_t = []
        self.sr_p = [[] for _ in LAMBDAS]
        self.last_res = [[None] * len(LAMBDAS), [None] * len(LAMBDAS)]

    def update(self, d, t, x):
        """insert x in direction d at time t; return 7 features per lambda"""
        self.sr_t.append(t)
        for li, lam in enumerate(LAMBDAS):
            _, mean_before, _ = self.dirs[d].stats(t, lam)
            r = x - mean_before
            other = self.last_res[1 - d][li]
            self.sr_p[li].append(r * other if other is not None else 0.0)
            self.last_res[d][li] = r
        self.dirs[d].t.append(t)
        self.dirs[d].x.append(x)
        feats = []
        self.dens = []
        for li, lam in enumerate(LAMBDAS):
            wi, mi, vi = self.dirs[d].stats(t, lam)
            wj, mj, vj = self.dirs[1 - d].stats(t, lam)
            sr = (np.exp2(-lam * (t - np.array(self.sr_t))) * np.array(self.sr_p[li])).sum()
            cov = sr / (wi + wj) if wi + wj > 0 else 0.0
            den = np.sqrt(vi) * np.sqrt(vj)
            pcc = cov / den if den > 1e-12 else 0.0
            pcc = min(1.0, max(-1.0, pcc))
            self.dens += [1, 1, 1, 1, 1, 1, min(1.0, den)]
            feats += [wi, mi, np.sqrt(vi), np.sqrt(mi * mi + mj * mj), np.sqrt(vi * vi + vj * vj), cov, pcc]
        return feats


def one_d(stream, t, x):
    stream.t.append(t)
    stream.x.append(x)
    feats = []
    for lam in LAMBDAS:
        w, m, v = stream.stats(t, lam)
        feats += [w, m, np.sqrt(v)]
    return feats


def reference(pkts):
    mi, h, chan, jit_last, jit, sock = {}, {}, {}, {}, {}, {}
    out, scale = {}, {}
    for (cnt, t, size, mac, src, dst, sp, dp, proto) in pkts:
        f = []
        f += one_d(mi.setdefault((mac, src), Stream()), t, size)
        f += one_d(h.setdefault(src, Stream()), t, size)
        ck = tuple(sorted([src, dst]))
        d = 0 if (src, dst) == ck else 1
        pair = chan.setdefault(ck, Pair())
        f += pair.update(d, t, size)
        sc = [1.0] * 30 + pair.dens + [1.0] * 15
        last = jit_last.get((src, dst))
        v = t - last if last is not None and t > last else 0.0
        jit_last[(src, dst)] = t
        f += one_d(jit.setdefault((src, dst), Stream()), t, v)
        e1, e2 = (src, sp), (dst, dp)
        sk = (tuple(sorted([e1, e2])), proto)
        d = 0 if (e1, e2) == tuple(sorted([e1, e2])) else 1
        pair = sock.setdefault(sk, Pair())
        f += pair.update(d, t, size)
        sc += pair.dens
        assert len(f) == 115 and len(sc) == 115
        out[cnt] = np.array(f)
        scale[cnt] = np.array(sc)
    return out, scale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ribat", required=True)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    wd = args.workdir or tempfile.mkdtemp(prefix="ribat-afterimage-")
    pcap = os.path.join(wd, "afterimage.pcap")
    dump = os.path.join(wd, "features.csv")
    gen_capture(pcap)
    subprocess.run([args.ribat, "-q", "-r", pcap, "-l", wd, "--dump-features", dump,
                    "--set", "anomaly.learned.fm-grace=100", "--set", "anomaly.learned.ad-grace=500"], check=True)
    ref, scale = reference(read_packets(pcap))
    got = {}
    with open(dump) as f:
        for line in f:
            v = line.strip().split(",")
            got[int(v[0])] = np.array([float(x) for x in v[1:]])
    bad = 0
    if set(got) != set(ref):
        print("packets featurised differ: ribat %d, reference %d; only in ribat: %s, only in reference: %s" %
              (len(got), len(ref), sorted(set(got) - set(ref))[:10], sorted(set(ref) - set(got))[:10]))
        bad += 1
    for cnt in sorted(set(got) & set(ref)):
        g, r = got[cnt], ref[cnt]
        # A correlation coefficient divides the covariance by std_i * std_j;
        # when that product is below 1 it amplifies the covariance's rounding
        # noise, so there the error is checked times the product (that is, as
        # an error of the covariance), elsewhere as is.
        err = np.abs(g - r) * scale[cnt]
        ok = (err <= 1e-6) | (err <= 1e-6 * np.abs(r))
        if not ok.all():
            bad += 1
            if bad <= 10:
                idx = np.nonzero(~ok)[0]
                print("packet %d: %d features differ, e.g. #%d ribat %.17g reference %.17g" %
                      (cnt, len(idx), idx[0], g[idx[0]], r[idx[0]]))
    nan = sum(int(np.isnan(v).any()) for v in got.values())
    if nan:
        print("%d vectors contain NaN" % nan)
        bad += 1
    print("afterimage: %d vectors of 115 features compared, %d mismatching" % (len(ref), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
