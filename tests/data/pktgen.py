#!/usr/bin/env python3
"""pktgen.py -- build test packets and pcap files with nothing but the standard library.

Used by gen_pcaps.py (the committed test captures) and by the hostile-input
generators. Every builder returns bytes; checksums are computed unless told
otherwise, so tests can also craft bad ones.
"""
import struct


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a: str) -> bytes:
    return bytes(int(x) for x in a.split("."))


def ip6(a: str) -> bytes:
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def mac(m: str) -> bytes:
    return bytes(int(x, 16) for x in m.split(":"))


def eth(payload: bytes, etype=0x0800, src="00:11:22:33:44:55", dst="66:77:88:99:aa:bb", vlans=()) -> bytes:
    hdr = mac(dst) + mac(src)
    for i, v in enumerate(vlans):
        tpid = 0x88A8 if (i == 0 and len(vlans) > 1) else 0x8100
        hdr += struct.pack("!H", tpid) + struct.pack("!H", v & 0x0FFF)
    return hdr + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ident=1, ttl=64, flags=0, frag=0, opts=b"", tos=0, total=None, bad_csum=False):
    ihl = 5 + len(opts) // 4
    tl = total if total is not None else 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, tos, tl, ident, (flags << 13) | frag, ttl, proto, 0,
                      ip4(src), ip4(dst)) + opts
    c = csum(hdr) ^ (0xFFFF if bad_csum else 0)
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, hlim=64, ext=b""):
    return struct.pack("!IHBB16s16s", 6 << 28, len(ext) + len(payload), nh, hlim, ip6(src), ip6(dst)) + ext + payload


def _pseudo4(src, dst, proto, length):
    return ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, length)


def _pseudo6(src, dst, proto, length):
    return ip6(src) + ip6(dst) + struct.pack("!IxxxB", length, proto)


def tcp(src, dst, sp, dp, seq, ack, flags, payload=b"", win=65535, opts=b"", v6=False, bad_csum=False):
    """flags: string of S A F R P U"""
    fl = 0
    for ch, bit in (("F", 1), ("S", 2), ("R", 4), ("P", 8), ("A", 16), ("U", 32)):
        if ch in flags:
            fl |= bit
    while len(opts) % 4:
        opts += b"\x01"
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4, fl, win, 0, 0) + opts
    seg = hdr + payload
    ph = _pseudo6(src, dst, 6, len(seg)) if v6 else _pseudo4(src, dst, 6, len(seg))
    c = csum(ph + seg) ^ (0xFFFF if bad_csum else 0)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sp, dp, payload=b"", v6=False):
    seg = struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload
    ph = _pseudo6(src, dst, 17, len(seg)) if v6 else _pseudo4(src, dst, 17, len(seg))
    c = csum(ph + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp4(typ, code, ident=0, seq=0, payload=b""):
    m = struct.pack("!BBHHH", typ, code, 0, ident, seq) + payload
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def icmp6(src, dst, typ, code, ident=0, seq=0, payload=b""):
    m = struct.pack("!BBHHH", typ, code, 0, ident, seq) + payload
    c = csum(_pseudo6(src, dst, 58, len(m)) + m)
    return m[:2] + struct.pack("!H", c) + m[4:]


def dns_query(txid, name, qtype=1):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", txid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)


def dns_answer_a(txid, name, addr):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + ip4(addr)
    return struct.pack("!HHHHHH", txid, 0x8180, 1, 1, 0, 0) + q + struct.pack("!HH", 1, 1) + ans


class PcapWriter:
    """Classic pcap (microsecond timestamps, little-endian)."""

    def __init__(self, path, linktype=1, snaplen=262144):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))

    def write(self, ts: float, data: bytes, wirelen=None, caplen=None):
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        cl = len(data) if caplen is None else caplen
        self.f.write(struct.pack("<IIII", sec, usec, cl, wirelen if wirelen is not None else len(data)))
        self.f.write(data[:cl])

    def raw(self, b: bytes):
        self.f.write(b)

    def close(self):
        self.f.close()


class TcpConn:
    """A TCP conversation between a client and a server, with sequence numbers kept."""

    def __init__(self, cli, srv, sp, dp, v6=False, isn_c=1000, isn_s=5000, vlans=()):
        self.cli, self.srv, self.sp, self.dp, self.v6 = cli, srv, sp, dp, v6
        self.seq = {0: isn_c, 1: isn_s}
        self.vlans = vlans

    def pkt(self, d, flags, payload=b"", seq=None, ack=None):
        src, dst = (self.cli, self.srv) if d == 0 else (self.srv, self.cli)
        sp, dp = (self.sp, self.dp) if d == 0 else (self.dp, self.sp)
        s = self.seq[d] if seq is None else seq
        a = self.seq[1 - d] if ack is None else ack
        seg = tcp(src, dst, sp, dp, s, a if "A" in flags else 0, flags, payload, v6=self.v6)
        if seq is None:
            self.seq[d] += len(payload) + (1 if ("S" in flags or "F" in flags) else 0)
        if self.v6:
            return eth(ipv6(src, dst, 6, seg), etype=0x86DD, vlans=self.vlans)
        return eth(ipv4(src, dst, 6, seg), vlans=self.vlans)

    def handshake(self):
        return [self.pkt(0, "S"), self.pkt(1, "SA"), self.pkt(0, "A")]

    def close(self):
        return [self.pkt(0, "FA"), self.pkt(1, "FA"), self.pkt(0, "A")]
