#!/usr/bin/env python3
"""mkcorpus.py -- seed corpora for the libFuzzer harnesses from real inputs.

    python3 tests/fuzz/mkcorpus.py [--shared ../shared] [--out build-fuzz/seeds]

Sources: the conformance captures and configurations of SHARED/compat/tests,
the ET Open rules of SHARED/rules, and the captures of tests/data. Each seed is
written in the input format of its harness (see the comment at the top of each
tests/fuzz/fuzz_*.c):

  fuzz_pcap, fuzz_engine   small capture files whole; big ones cut to their first 24 packets
  fuzz_decode              one packet per seed, byte 0 = index of its link type in the harness table
  fuzz_http, fuzz_tls,     TCP payloads of port 80/8080, 443 and 22 conversations,
  fuzz_ssh, fuzz_smb       (smb: ports 139 and 445)
                           re-chunked into the harness's record format
  fuzz_http2               the port 80/8080/8000/3000/443 ones with the HTTP/2 preface or an h2c upgrade
  fuzz_smtp                (ports 25, 587, 2525) re-chunked into the harness's record format
  fuzz_dns                 UDP payloads of port 53, joined with the harness's separator
  fuzz_dcerpc              TCP payloads of port 135 conversations, in the harness's record format
  fuzz_krb5                TCP payloads of port 88 conversations, and UDP port 88 datagrams
  fuzz_rules               each test.rules; the ET Open file in slices of 60 rules
  fuzz_config              each YAML file (byte 0 = 2: also apply the settings)

The seeds are generated (not committed): a corpus is capped at MAX_SEEDS files
and each seed at 64 KiB so that a 30-second CI run still gets through them.
Only classic pcap and pcapng with Ethernet, raw IP, SLL and null link types
are taken apart; everything else still seeds fuzz_pcap/fuzz_engine whole.
"""
import argparse
import hashlib
import os
import struct
import sys

MAX_SEEDS = 400
MAX_SEED = 64 * 1024
# tests/fuzz/fuzz_decode.c: linktypes[] (ethernet, raw, null, loop, sll, sll2, ipv4, ipv6, ppp, 147)
DECODE_LT = {1: 0, 101: 1, 12: 1, 0: 2, 108: 3, 113: 4, 276: 5, 228: 6, 229: 7, 9: 8}


def read_packets(path, limit=None):
    """(linktype, bytes) of each packet of a classic pcap or pcapng file; [] when unreadable."""
    try:
        with open(path, "rb") as f:
            data = f.read(8 << 20)
    except OSError:
        return []
    out = []
    if len(data) < 24:
        return out
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xd4, 0x4d) else ">"
        lt = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
        off = 24
        while off + 16 <= len(data) and (limit is None or len(out) < limit):
            incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            if incl > 262144 or off + 16 + incl > len(data):
                break
            out.append((lt, data[off + 16:off + 16 + incl]))
            off += 16 + incl
    elif magic == b"\x0a\x0d\x0d\x0a":
        e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        lts = []
        off = 0
        while off + 12 <= len(data) and (limit is None or len(out) < limit):
            btype, blen = struct.unpack(e + "II", data[off:off + 8])
            if blen < 12 or off + blen > len(data):
                break
            body = data[off + 8:off + blen - 4]
            if btype == 0x0A0D0D0A:
                lts = []
            elif btype == 1 and len(body) >= 2:
                lts.append(struct.unpack(e + "H", body[:2])[0])
            elif btype == 6 and len(body) >= 20:
                iface, _, _, cap = struct.unpack(e + "IIII", body[:16])
                if iface < len(lts):
                    out.append((lts[iface], body[20:20 + cap]))
            off += blen
    return out


def ip_payload(lt, pkt):
    """(proto, src, sport, dst, dport, payload) for IPv4/IPv6 TCP/UDP, else None."""
    if lt == 1:
        off, et = 12, None
        while off + 2 <= len(pkt):
            et = struct.unpack("!H", pkt[off:off + 2])[0]
            if et in (0x8100, 0x88A8):
                off += 4
                continue
            off += 2
            break
        ip = pkt[off:]
    elif lt in (101, 12, 228, 229):
        ip = pkt
    elif lt == 113:
        ip = pkt[16:]
    elif lt in (0, 108):
        ip = pkt[4:]
    else:
        return None
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        if struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
            return None  # fragment
        proto, src, dst, l4 = ip[9], ip[12:16], ip[16:20], ip[ihl:max(ihl, total)]
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        proto, src, dst, l4 = ip[6], ip[8:24], ip[24:40], ip[40:]
    else:
        return None
    if proto == 6 and len(l4) >= 20:
        sp, dp = struct.unpack("!HH", l4[:4])
        return (6, src, sp, dst, dp, l4[(l4[12] >> 4) * 4:])
    if proto == 17 and len(l4) >= 8:
        sp, dp = struct.unpack("!HH", l4[:4])
        return (17, src, sp, dst, dp, l4[8:])
    return None


class Corpus:
    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir, exist_ok=True)
        self.n = len(os.listdir(self.dir))

    def add(self, blob):
        if not blob or self.n >= MAX_SEEDS:
            return
        blob = blob[:MAX_SEED]
        h = hashlib.sha1(blob).hexdigest()[:16]
        p = os.path.join(self.dir, "seed-" + h)
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(blob)
            self.n += 1


def classic_pcap(lt, pkts):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, lt)
    for i, p in enumerate(pkts):
        out += struct.pack("<IIII", 1000 + i, 0, len(p), len(p)) + p
    return out


def conversations(pkts, ports):
    """{key: [(dir, payload)]} for TCP conversations touching one of ports (dir 0 = to the port)."""
    conv = {}
    for lt, pkt in pkts:
        r = ip_payload(lt, pkt)
        if not r or r[0] != 6 or not r[5]:
            continue
        _, src, sp, dst, dp, pl = r
        if dp in ports:
            key, d = (src, sp, dst, dp), 0
        elif sp in ports:
            key, d = (dst, dp, src, sp), 1
        else:
            continue
        conv.setdefault(key, []).append((d, pl))
    return conv


def records(recs):
    """option byte 0, then [dir][len] + payload records of at most 255 bytes (fuzz_http, fuzz_http2, fuzz_tls)"""
    blob = bytearray([0])
    for d, pl in recs:
        for i in range(0, len(pl), 255):
            part = pl[i:i + 255]
            blob += bytes([d, len(part)]) + part  # bits 2-7 = 0: length in the next byte
    return bytes(blob)


def seeds_from_capture(path, corp):
    pkts = read_packets(path, limit=400)
    try:
        size = os.path.getsize(path)
    except OSError:
        return
    if size <= MAX_SEED:
        with open(path, "rb") as f:
            blob = f.read()
        corp["fuzz_pcap"].add(blob)
        corp["fuzz_engine"].add(blob)
    elif pkts and len({lt for lt, _ in pkts}) == 1:
        cut = classic_pcap(pkts[0][0], [p for _, p in pkts[:24]])
        corp["fuzz_pcap"].add(cut)
        corp["fuzz_engine"].add(cut)
    for lt, p in pkts[:6]:
        if lt in DECODE_LT:
            corp["fuzz_decode"].add(bytes([DECODE_LT[lt]]) + p)
    for key, recs in conversations(pkts, {80, 8080, 8000}).items():
        corp["fuzz_http"].add(records(recs))
    for key, recs in conversations(pkts, {80, 8080, 8000, 3000, 443}).items():
        blob = records(recs)
        if b"PRI * HTTP/2.0" in blob or b"h2c" in blob:
            corp["fuzz_http2"].add(blob)
    for key, recs in conversations(pkts, {443, 8443}).items():
        corp["fuzz_tls"].add(records(recs))
    for key, recs in conversations(pkts, {139, 445}).items():
        blob = bytearray([0])
        for d, pl in recs:
            for i in range(0, len(pl), 255):
                part = pl[i:i + 255]
                blob += bytes([d, len(part)]) + part
            if len(blob) > MAX_SEED:
                break
        blob += b"\x03\x00"  # log what is complete
        corp["fuzz_smb"].add(bytes(blob[:MAX_SEED]))
    for key, recs in conversations(pkts, {25, 587, 2525}).items():
        blob = bytearray([5])  # hashes and a data observer
        for d, pl in recs:
            for i in range(0, len(pl), 255):
                part = pl[i:i + 255]
                blob += bytes([d, len(part)]) + part
            if len(blob) > MAX_SEED:
                break
        corp["fuzz_smtp"].add(bytes(blob[:MAX_SEED]))
    for key, recs in conversations(pkts, {22}).items():
        cli = b"".join(pl for d, pl in recs if d == 0)
        srv = b"".join(pl for d, pl in recs if d == 1)
        corp["fuzz_ssh"].add(bytes([63]) + cli[:2048] + srv[:2048])
    for key, recs in conversations(pkts, {88}).items():  # Kerberos over TCP: record-marked stream
        blob = bytearray([1])
        for d, pl in recs:
            for i in range(0, len(pl), 255):
                part = pl[i:i + 255]
                blob += bytes([d, len(part)]) + part
        corp["fuzz_krb5"].add(bytes(blob[:MAX_SEED]))
    krb = bytearray([0])  # Kerberos over UDP: one message per record
    for lt, pkt in pkts:
        r = ip_payload(lt, pkt)
        if r and r[0] == 17 and 88 in (r[2], r[4]) and r[5] and len(r[5]) <= 255:
            krb += bytes([1 if r[2] == 88 else 0, len(r[5])]) + r[5]
    if len(krb) > 1:
        corp["fuzz_krb5"].add(bytes(krb[:MAX_SEED]))
    for key, recs in conversations(pkts, {135}).items():
        blob = bytearray([0])
        for d, pl in recs:
            for i in range(0, len(pl), 255):
                part = pl[i:i + 255]
                blob += bytes([d, len(part)]) + part  # ctl bit 0 = direction, no gap
        corp["fuzz_dcerpc"].add(bytes(blob))
    dns = []
    for lt, pkt in pkts:
        r = ip_payload(lt, pkt)
        if r and r[0] == 17 and 53 in (r[2], r[4]) and r[5]:
            dns.append(r[5])
    if dns:
        corp["fuzz_dns"].add(bytes([4]) + b"\xff\xfe".join(dns[:16]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared"))
    ap.add_argument("--out", default=os.path.join(root, "build-fuzz", "seeds"))
    a = ap.parse_args()
    names = ["fuzz_pcap", "fuzz_engine", "fuzz_decode", "fuzz_http", "fuzz_http2", "fuzz_tls", "fuzz_ssh", "fuzz_smb", "fuzz_dns",
             "fuzz_rules", "fuzz_config", "fuzz_dcerpc", "fuzz_smtp", "fuzz_krb5"]
    corp = {n: Corpus(a.out, n) for n in names}
    caps = []
    for top in (os.path.join(a.shared, "compat", "tests"), os.path.join(root, "tests", "data")):
        for d, _, files in sorted(os.walk(top)):
            for fn in sorted(files):
                p = os.path.join(d, fn)
                if fn.endswith((".pcap", ".pcapng", ".cap")):
                    caps.append(p)
                elif fn.endswith(".rules") and os.path.getsize(p) <= MAX_SEED:
                    with open(p, "rb") as f:
                        corp["fuzz_rules"].add(f.read())
                elif fn.endswith((".yaml", ".yml")) and os.path.getsize(p) <= MAX_SEED:
                    with open(p, "rb") as f:
                        corp["fuzz_config"].add(b"\x02" + f.read())
    for p in caps:
        seeds_from_capture(p, corp)
    et = os.path.join(a.shared, "rules", "et-open.rules")
    if os.path.exists(et):
        with open(et, "rb") as f:
            rules = [l for l in f.read().split(b"\n") if l.startswith(b"alert")]
        step = max(1, len(rules) // 80)
        for i in range(0, len(rules), step * 60):
            corp["fuzz_rules"].add(b"\n".join(rules[i:i + 60]) + b"\n")
    for n in names:
        print("%-12s %4d seeds in %s" % (n, corp[n].n, corp[n].dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
