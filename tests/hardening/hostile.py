#!/usr/bin/env python3
"""hostile.py -- generators of hostile captures for tests/hardening/run.py.

Every function writes one classic pcap (Ethernet) into the given path and
returns a dict describing what is in it (packet counts, where the markers
are). Nothing here is committed as a capture: the tests generate into a
temporary folder at run time. Builders come from tests/data/pktgen.py.

The "marker" of every capture is an attack that a test rule must still see:
an HTTP request whose URI contains "ribat-marker", a DNS query for
ribat-marker.example, or a TLS ClientHello with that SNI.
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data"))
from pktgen import PcapWriter, TcpConn, eth, ip4, ipv4, tcp, udp, dns_query  # noqa: E402

T0 = 1700000000.0
SERVER = "10.9.0.1"


def http_get(path, host="www.example.ma", extra=b""):
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\n" + extra + b"\r\n")


def http_session(cli, sp, path=None, request=None, dp=80, srv=SERVER, isn_c=1000):
    """Packets of a whole HTTP exchange (handshake, request, ACK, response, close)."""
    c = TcpConn(cli, srv, sp, dp, isn_c=isn_c)
    req = request if request is not None else http_get(path)
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    pk = c.handshake()
    for i in range(0, len(req), 1400):
        pk.append(c.pkt(0, "PA", req[i:i + 1400]))
        pk.append(c.pkt(1, "A"))
    pk += [c.pkt(1, "PA", resp), c.pkt(0, "A")] + c.close()
    return pk


def marker_session(cli, sp, tag="x"):
    return http_session(cli, sp, "/ribat-marker/" + tag)


class Writer:
    """PcapWriter with a clock: one microsecond per packet unless told."""

    def __init__(self, path):
        self.w = PcapWriter(path)
        self.t = T0
        self.n = 0

    def put(self, pkt, dt=1e-6):
        self.w.write(self.t, pkt)
        self.t += dt
        self.n += 1

    def put_all(self, pkts, dt=1e-6):
        for p in pkts:
            self.put(p, dt)

    def close(self):
        self.w.close()


def interleave(w, flood, marker, every):
    """Write flood packets (an iterator of bytes), slipping one marker packet in every `every`."""
    marker = list(marker)
    for i, p in enumerate(flood):
        w.put(p)
        if marker and i % every == 0:
            w.put(marker.pop(0))
    w.put_all(marker)


# ---------------------------------------------------------------------------
# resource exhaustion

def syn_flood(path, n, seed=1):
    """n SYNs from pseudo-random sources and ports to SERVER:80 (n distinct
    flows, practically), one marker HTTP session in the middle (its packets
    interleaved with the flood) and one after it. Written with a packet
    template for speed (checksums left as they are: ribat runs with -k none)."""
    rnd = random.Random(seed)
    tmpl = bytearray(eth(ipv4("1.2.3.4", SERVER, 6, tcp("1.2.3.4", SERVER, 1, 80, 1, 0, "S"))))
    rec = struct.Struct("<IIII")
    sec0 = int(T0)
    mid = marker_session("10.8.0.1", 40001, "mid")
    end = marker_session("10.8.0.2", 40002, "end")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        L = len(tmpl)
        buf = bytearray()
        k = 0
        for i in range(n):
            # sources in 11.0.0.0/8 .. 126.0.0.0/8 from an LCG (fast, reproducible)
            v = rnd.getrandbits(40)
            tmpl[26] = 11 + (v & 0x3F)
            tmpl[27] = (v >> 8) & 0xFF
            tmpl[28] = (v >> 16) & 0xFF
            tmpl[29] = (v >> 24) & 0xFF
            tmpl[34] = 1 + ((v >> 32) & 0x7F)
            tmpl[35] = i & 0xFF
            buf += rec.pack(sec0 + k // 1000000, k % 1000000, L, L)
            buf += tmpl
            k += 1
            if i >= n // 2 and mid and i % 7 == 0:
                p = mid.pop(0)
                buf += rec.pack(sec0 + k // 1000000, k % 1000000, len(p), len(p)) + p
                k += 1
            if len(buf) > (1 << 20):
                f.write(buf)
                buf = bytearray()
        for p in mid + end:
            buf += rec.pack(sec0 + k // 1000000, k % 1000000, len(p), len(p)) + p
            k += 1
        f.write(buf)
    return {"packets": k, "flood": n}


def ip_fragment(src, dst, proto, payload, ident, size, ttl=64):
    """IPv4 fragments of payload, `size` bytes (a multiple of 8) each."""
    out = []
    for off in range(0, len(payload), size):
        part = payload[off:off + size]
        mf = 1 if off + size < len(payload) else 0
        out.append(eth(ipv4(src, dst, proto, part, ident=ident, flags=mf, frag=off // 8, ttl=ttl)))
    return out


def tcp_fragmented_session(cli, sp, request, size, srv=SERVER, ident=0x4242):
    """An HTTP session whose request segment travels in IPv4 fragments of `size` bytes."""
    c = TcpConn(cli, srv, sp, 80)
    pk = c.handshake()
    seq = c.seq[0]
    seg = tcp(cli, srv, sp, 80, seq, c.seq[1], "PA", request)
    c.seq[0] += len(request)
    pk += ip_fragment(cli, srv, 6, seg, ident, size)
    pk += [c.pkt(1, "A"), c.pkt(1, "PA", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), c.pkt(0, "A")]
    pk += c.close()
    return pk


def frag_flood(path, n):
    """n first fragments (MF set, offset 0, distinct ids and sources) whose
    datagrams never complete, then a marker HTTP request sent in fragments in
    the middle of the flood, and a plain marker session after it."""
    w = Writer(path)
    pay = b"A" * 64

    def flood(count, base):
        for i in range(count):
            j = base + i
            src = "12.%d.%d.%d" % ((j >> 16) & 0xFF, (j >> 8) & 0xFF, j & 0xFF)
            yield eth(ipv4(src, SERVER, 17, udp(src, SERVER, 1000, 2000, pay), ident=j & 0xFFFF, flags=1, frag=0))

    w.put_all(flood(n // 2, 0))
    w.put_all(tcp_fragmented_session("10.8.0.1", 40001, http_get("/ribat-marker/frag"), 64))
    w.put_all(flood(n - n // 2, n // 2))
    w.put_all(marker_session("10.8.0.2", 40002, "end"))
    w.close()
    return {"packets": w.n, "flood": n}


def tcp_gaps(path, sessions, segs):
    """`sessions` TCP sessions with a window scale of 14 (a 1 GiB window),
    each sending `segs` 1000-byte segments out of order at huge sequence gaps
    (never filling the first hole), acknowledged by nobody; a marker session in
    the middle and one after."""
    w = Writer(path)
    ws = b"\x03\x03\x0e"  # window scale 14
    data = b"B" * 1000
    for s in range(sessions):
        if s == sessions // 2:
            w.put_all(marker_session("10.8.0.1", 40001, "mid"))
        cli = "13.0.%d.%d" % (s >> 8, s & 0xFF)
        sp = 10000 + s
        w.put(eth(ipv4(cli, SERVER, 6, tcp(cli, SERVER, sp, 80, 1000, 0, "S", opts=ws))))
        w.put(eth(ipv4(SERVER, cli, 6, tcp(SERVER, cli, 80, sp, 5000, 1001, "SA", opts=ws))))
        w.put(eth(ipv4(cli, SERVER, 6, tcp(cli, SERVER, sp, 80, 1001, 5001, "A"))))
        # the server's first scaled window: 65535 << 14 = 1 GiB
        w.put(eth(ipv4(SERVER, cli, 6, tcp(SERVER, cli, 80, sp, 5001, 1001, "A"))))
        order = list(range(1, segs + 1))
        random.Random(s).shuffle(order)
        for k in order:
            # every segment leaves a 100 KB hole before it; the first byte never comes
            w.put(eth(ipv4(cli, SERVER, 6, tcp(cli, SERVER, sp, 80, 1001 + k * 100000, 5001, "PA", data))))
    w.put_all(marker_session("10.8.0.2", 40002, "end"))
    w.close()
    return {"packets": w.n}


def http_headers(path, nheaders, line_mb):
    """One request with `nheaders` header fields, one with a header line of
    `line_mb` MiB, each acknowledged by the server so the data is released;
    then a marker request on a new connection."""
    w = Writer(path)
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(nheaders))
    w.put_all(http_session("10.7.0.1", 30001, request=b"GET /many HTTP/1.1\r\nHost: a\r\n" + many + b"\r\n"))
    long_line = b"X-Long: " + b"L" * (line_mb << 20) + b"\r\n"
    w.put_all(http_session("10.7.0.2", 30002, request=b"GET /long HTTP/1.1\r\nHost: a\r\n" + long_line + b"\r\n"))
    w.put_all(marker_session("10.8.0.2", 40002, "end"))
    w.close()
    return {"packets": w.n, "bytes": len(many) + len(long_line)}


def dns_name(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"


def dns_loops(path, n):
    """n DNS responses whose answers are compression loops (a pointer to
    itself, two pointers to each other, a long chain of pointers ending in a
    loop), with a marker query in the middle and at the end."""
    w = Writer(path)
    cli = "10.6.0.1"
    for i in range(n):
        if i == n // 2:
            q = dns_query(0x7777, "ribat-marker.example")
            # (another client port: the flood's first packet, an answer, made its
            # flow one whose "client" is the server, as for Suricata)
            w.put(eth(ipv4(cli, "10.6.0.53", 17, udp(cli, "10.6.0.53", 5355, 53, q))))
        q = dns_name("a.example") + struct.pack("!HH", 1, 1)
        hdr = struct.pack("!HHHHHH", i & 0xFFFF, 0x8180, 1, 3, 0, 0)
        body = hdr + q
        self_ptr = len(body)
        a1 = struct.pack("!H", 0xC000 | self_ptr) + struct.pack("!HHIH", 1, 1, 60, 4) + ip4("192.0.2.1")
        p2 = len(body) + len(a1)
        a2 = struct.pack("!H", 0xC000 | (p2 + 2)) + struct.pack("!H", 0xC000 | p2) + struct.pack("!HHIH", 1, 1, 60, 4) \
            + ip4("192.0.2.2")
        p3 = p2 + len(a2)
        chain = b"\x01a" * 40 + struct.pack("!H", 0xC000 | p3)  # labels then a pointer back to the chain's start
        a3 = chain + struct.pack("!HHIH", 5, 1, 60, 2) + b"\xc0\x0c"
        resp = body + a1 + a2 + a3
        w.put(eth(ipv4("10.6.0.53", cli, 17, udp("10.6.0.53", cli, 53, 5353, resp))))
    q = dns_query(0x7778, "ribat-marker.example")
    w.put(eth(ipv4(cli, "10.6.0.53", 17, udp(cli, "10.6.0.53", 5354, 53, q))))
    w.close()
    return {"packets": w.n}


def tls_client_hello(sni):
    """A TLS 1.2 ClientHello record with a server_name extension."""
    name = sni.encode()
    sni_ext = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    exts = sni_ext
    body = (b"\x03\x03" + b"\x11" * 32 + b"\x00" + struct.pack("!H", 4) + b"\x13\x01\xc0\x2f" + b"\x01\x00"
            + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_session(cli, sp, payloads, srv=SERVER):
    c = TcpConn(cli, srv, sp, 443)
    pk = c.handshake()
    for p in payloads:
        for i in range(0, len(p), 1400):
            pk.append(c.pkt(0, "PA", p[i:i + 1400]))
            pk.append(c.pkt(1, "A"))
    pk += c.close()
    return pk


def tls_huge(path, mb):
    """A handshake record announcing a 16 MB (2^24 - 1) ClientHello, followed
    by `mb` MiB of handshake records continuing it; then a marker ClientHello
    (SNI ribat-marker.example) on a new connection."""
    w = Writer(path)
    first = b"\x16\x03\x01" + struct.pack("!H", 16384) + b"\x01\xff\xff\xff" + b"C" * (16384 - 4)
    rec = b"\x16\x03\x01" + struct.pack("!H", 16384) + b"C" * 16384
    w.put_all(tls_session("10.5.0.1", 20001, [first] + [rec] * (mb * 64)))
    # a record header announcing 65535 bytes that never come
    w.put_all(tls_session("10.5.0.2", 20002, [b"\x17\x03\x03\xff\xff" + b"D" * 1000]))
    w.put_all(tls_session("10.8.0.3", 40003, [tls_client_hello("ribat-marker.example")]))
    w.close()
    return {"packets": w.n}


def plain(path):
    """The baseline: just the marker session (for the RSS baseline)."""
    w = Writer(path)
    w.put_all(marker_session("10.8.0.2", 40002, "end"))
    w.close()
    return {"packets": w.n}


# ---------------------------------------------------------------------------
# evasion

def tcp_overlap(path, first_payload, second_payload, overlap_at=0):
    """A request segment, then a second segment at the same sequence number
    (plus overlap_at) with other bytes: what the host keeps depends on its
    overlap policy. Sent before the server ACKs, both in flight."""
    w = Writer(path)
    c = TcpConn("10.4.0.1", SERVER, 35000, 80)
    w.put_all(c.handshake())
    seq = c.seq[0]
    w.put(c.pkt(0, "PA", first_payload, seq=seq))
    w.put(c.pkt(0, "PA", second_payload, seq=seq + overlap_at))
    c.seq[0] = seq + max(len(first_payload), overlap_at + len(second_payload))
    w.put(c.pkt(1, "A"))
    w.put_all([c.pkt(1, "PA", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), c.pkt(0, "A")] + c.close())
    w.close()


def frag_overlap(path, request, bad, good_first):
    """The request segment in two fragments, and a third fragment overlapping
    the second with other bytes (before or after it)."""
    w = Writer(path)
    cli = "10.4.0.2"
    c = TcpConn(cli, SERVER, 35001, 80)
    w.put_all(c.handshake())
    seg = tcp(cli, SERVER, 35001, 80, c.seq[0], c.seq[1], "PA", request)
    c.seq[0] += len(request)
    cut = 24  # TCP header + 4 bytes of payload in the first fragment
    f1 = eth(ipv4(cli, SERVER, 6, seg[:cut], ident=77, flags=1, frag=0))
    f2 = eth(ipv4(cli, SERVER, 6, seg[cut:], ident=77, flags=0, frag=cut // 8))
    evil = bytearray(seg[cut:])
    evil[:len(bad)] = bad
    f3 = eth(ipv4(cli, SERVER, 6, bytes(evil), ident=77, flags=0, frag=cut // 8))
    # the first fragment comes last so that the datagram completes only then
    w.put_all([f2, f3, f1] if good_first else [f3, f2, f1])
    w.put_all([c.pkt(1, "A"), c.pkt(1, "PA", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), c.pkt(0, "A")]
              + c.close())
    w.close()


def tiny_frags(path):
    w = Writer(path)
    w.put_all(tcp_fragmented_session("10.4.0.3", 35002, http_get("/ribat-marker/tiny"), 8))
    w.close()


def ttl_trick(path):
    """The classic insertion: a segment with TTL 1 (dropped by the first router,
    never reaching the host) carries harmless bytes; the real segment with the
    same sequence number carries the attack."""
    w = Writer(path)
    cli = "10.4.0.4"
    c = TcpConn(cli, SERVER, 35003, 80)
    w.put_all(c.handshake())
    seq = c.seq[0]
    real = http_get("/ribat-marker/ttl")
    decoy = http_get("/innocent-url/ttl")
    assert len(real) == len(decoy)
    w.put(eth(ipv4(cli, SERVER, 6, tcp(cli, SERVER, 35003, 80, seq, c.seq[1], "PA", decoy), ttl=1)))
    w.put(eth(ipv4(cli, SERVER, 6, tcp(cli, SERVER, 35003, 80, seq, c.seq[1], "PA", real), ttl=64)))
    c.seq[0] += len(real)
    w.put_all([c.pkt(1, "A"), c.pkt(1, "PA", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), c.pkt(0, "A")]
              + c.close())
    w.close()


def http_requests(path, requests):
    """One connection per raw request; the client port is 36000 + index."""
    w = Writer(path)
    for i, req in enumerate(requests):
        w.put_all(http_session("10.3.0.%d" % (1 + i % 250), 36000 + i, request=req))
    w.close()
