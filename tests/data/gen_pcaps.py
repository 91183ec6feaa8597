#!/usr/bin/env python3
"""gen_pcaps.py -- (re)generate the small captures used by the tests and the README's sample.

    python3 tests/data/gen_pcaps.py [OUTDIR]     (default: the folder of this script)

Every capture is synthetic and deterministic, so the expected results in
tests/integration/run.py follow from what is written here.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pktgen import (PcapWriter, TcpConn, dns_answer_a, dns_query, eth, icmp4, icmp6, ipv4, ipv6, udp, tcp,  # noqa: E402
                    ip4)

T0 = 1700000000.0  # 2023-11-14T22:13:20Z


def http_exchange(c, path="/index.html", host="www.example.ma", body=b"<html>hello</html>"):
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ribat-test/1.0\r\nAccept: */*\r\n\r\n" % (path, host)).encode()
    resp = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)
    return [c.pkt(0, "PA", req), c.pkt(1, "A"), c.pkt(1, "PA", resp), c.pkt(0, "A")]


def gen_flows_basic(out):
    """Basic flows: TCP (HTTP), UDP (DNS), ICMP echo, IPv6 TCP, a VLAN-tagged ICMP."""
    w = PcapWriter(os.path.join(out, "flows_basic.pcap"))
    t = T0
    c = TcpConn("10.0.0.1", "10.0.0.2", 40000, 80)
    for p in c.handshake() + http_exchange(c) + c.close():
        w.write(t, p)
        t += 0.01
    # DNS over UDP
    w.write(t, eth(ipv4("10.0.0.1", "10.0.0.53", 17, udp("10.0.0.1", "10.0.0.53", 5353, 53, dns_query(0x1234, "www.example.ma")))))
    t += 0.01
    w.write(t, eth(ipv4("10.0.0.53", "10.0.0.1", 17, udp("10.0.0.53", "10.0.0.1", 53, 5353,
                                                          dns_answer_a(0x1234, "www.example.ma", "192.0.2.10")))))
    t += 0.01
    # ICMP echo: request, reply, request
    w.write(t, eth(ipv4("10.0.0.1", "10.0.0.9", 1, icmp4(8, 0, 7, 1, b"ping"))))
    w.write(t + 0.001, eth(ipv4("10.0.0.9", "10.0.0.1", 1, icmp4(0, 0, 7, 1, b"ping"))))
    w.write(t + 0.002, eth(ipv4("10.0.0.1", "10.0.0.9", 1, icmp4(8, 0, 7, 2, b"ping"))))
    t += 0.01
    # IPv6 TCP handshake and close
    c6 = TcpConn("2001:db8::1", "2001:db8::2", 41000, 443, v6=True)
    for p in c6.handshake() + c6.close():
        w.write(t, p)
        t += 0.01
    # VLAN 100 ICMP echo request
    w.write(t, eth(ipv4("10.1.0.1", "10.1.0.2", 1, icmp4(8, 0, 1, 1)), vlans=(100,)))
    # QinQ 200/300 same addresses: a separate flow
    w.write(t + 0.001, eth(ipv4("10.1.0.1", "10.1.0.2", 1, icmp4(8, 0, 1, 1)), vlans=(200, 300)))
    w.close()


def gen_frag(out):
    """IPv4 and IPv6 fragments: one UDP datagram each, sent out of order."""
    w = PcapWriter(os.path.join(out, "frag.pcap"))
    payload = bytes(range(256)) * 6  # 1536 bytes
    dgram = udp("10.0.0.1", "10.0.0.2", 1111, 2222, payload)
    parts = [(0, dgram[:512], 1), (64, dgram[512:1024], 1), (128, dgram[1024:], 0)]
    t = T0
    for off, chunk, mf in (parts[2], parts[0], parts[1]):
        w.write(t, eth(ipv4("10.0.0.1", "10.0.0.2", 17, chunk, ident=0x4242, flags=mf, frag=off,
                            total=20 + len(chunk))))
        t += 0.001
    # IPv6: fragment header (nh=44) carrying UDP
    d6 = udp("2001:db8::1", "2001:db8::2", 3333, 4444, payload, v6=True)
    chunks = [(0, d6[:800], 1), (100, d6[800:], 0)]
    for off, chunk, mf in reversed(chunks):
        fh = struct.pack("!BBHI", 17, 0, (off << 3) | mf, 0xABCDEF)
        w.write(t, eth(ipv6("2001:db8::1", "2001:db8::2", 44, chunk, ext=fh), etype=0x86DD))
        t += 0.001
    # overlapping IPv4 fragments (a different datagram): raises frag_overlap
    d2 = udp("10.0.0.3", "10.0.0.4", 5555, 6666, b"A" * 64)
    w.write(t, eth(ipv4("10.0.0.3", "10.0.0.4", 17, d2[:48], ident=7, flags=1, frag=0, total=68)))
    w.write(t + 0.001, eth(ipv4("10.0.0.3", "10.0.0.4", 17, b"B" * 24, ident=7, flags=1, frag=4, total=44)))
    w.write(t + 0.002, eth(ipv4("10.0.0.3", "10.0.0.4", 17, d2[48:], ident=7, flags=0, frag=6, total=20 + len(d2) - 48)))
    w.close()


def gen_tunnels(out):
    """GRE, VXLAN, IPv6-in-IPv4, MPLS, PPPoE and QinQ carrying inner flows."""
    w = PcapWriter(os.path.join(out, "tunnels.pcap"))
    t = T0
    inner = ipv4("192.168.1.1", "192.168.1.2", 17, udp("192.168.1.1", "192.168.1.2", 1000, 2000, b"inner-gre"))
    gre = struct.pack("!HH", 0, 0x0800) + inner
    w.write(t, eth(ipv4("172.16.0.1", "172.16.0.2", 47, gre)))
    t += 0.01
    inner_eth = eth(ipv4("192.168.2.1", "192.168.2.2", 1, icmp4(8, 0, 9, 9)), src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    vx = struct.pack("!BBBBI", 0x08, 0, 0, 0, 42 << 8) + inner_eth
    w.write(t, eth(ipv4("172.16.0.1", "172.16.0.2", 17, udp("172.16.0.1", "172.16.0.2", 50000, 4789, vx))))
    t += 0.01
    in6 = ipv6("2001:db8::a", "2001:db8::b", 17, udp("2001:db8::a", "2001:db8::b", 7, 8, b"6in4", v6=True))
    w.write(t, eth(ipv4("172.16.0.1", "172.16.0.3", 41, in6)))
    t += 0.01
    # MPLS (label 100, bottom of stack) carrying IPv4 UDP
    mp = struct.pack("!I", (100 << 12) | 0x100 | 64) + ipv4("192.168.3.1", "192.168.3.2", 17,
                                                            udp("192.168.3.1", "192.168.3.2", 9, 10, b"mpls"))
    w.write(t, eth(mp, etype=0x8847))
    t += 0.01
    # PPPoE session carrying IPv4 UDP
    ip = ipv4("192.168.4.1", "192.168.4.2", 17, udp("192.168.4.1", "192.168.4.2", 11, 12, b"pppoe"))
    pppoe = struct.pack("!BBHHH", 0x11, 0, 0x1234, len(ip) + 2, 0x0021) + ip
    w.write(t, eth(pppoe, etype=0x8864))
    t += 0.01
    w.close()


def gen_malformed(out):
    """One malformed packet per decoder event checked by the tests, between valid ones."""
    w = PcapWriter(os.path.join(out, "malformed.pcap"))
    t = T0
    ok = eth(ipv4("10.9.0.1", "10.9.0.2", 17, udp("10.9.0.1", "10.9.0.2", 1, 2, b"ok")))
    w.write(t, ok)
    # IPv4 total length larger than the capture: ipv4.trunc_pkt
    w.write(t + 1, eth(ipv4("10.9.0.1", "10.9.0.2", 17, udp("10.9.0.1", "10.9.0.2", 1, 2, b"x"), total=400)))
    # IPv4 header length 4 words: ipv4.hlen_too_small
    bad = bytearray(ipv4("10.9.0.1", "10.9.0.2", 17, udp("10.9.0.1", "10.9.0.2", 1, 2, b"x")))
    bad[0] = 0x44
    w.write(t + 2, eth(bytes(bad)))
    # TCP data offset 3 words: tcp.hlen_too_small
    seg = bytearray(tcp("10.9.0.1", "10.9.0.2", 1, 2, 1, 0, "S"))
    seg[12] = 0x30
    w.write(t + 3, eth(ipv4("10.9.0.1", "10.9.0.2", 6, bytes(seg))))
    # TCP option with length 0: tcp.invalid_optlen
    w.write(t + 4, eth(ipv4("10.9.0.1", "10.9.0.2", 6, tcp("10.9.0.1", "10.9.0.2", 3, 4, 1, 0, "S", opts=b"\x02\x00\x00\x00"))))
    # ICMP type 42 unknown in IPv4: icmpv4.unknown_type
    w.write(t + 5, eth(ipv4("10.9.0.1", "10.9.0.2", 1, icmp4(42, 0))))
    # a record cut to 4 bytes by the snaplen: ethernet.pkt_too_small
    w.write(t + 6, ok, caplen=4)
    # UDP length field larger than the IP payload: udp.pkt_too_small
    u = bytearray(udp("10.9.0.1", "10.9.0.2", 1, 2, b"abc"))
    u[4:6] = struct.pack("!H", 200)
    w.write(t + 7, eth(ipv4("10.9.0.1", "10.9.0.2", 17, bytes(u))))
    # IPv4 option with zero length: ipv4.opt_invalid_len
    w.write(t + 8, eth(ipv4("10.9.0.1", "10.9.0.2", 17, udp("10.9.0.1", "10.9.0.2", 1, 2, b"o"), opts=b"\x07\x00\x00\x00")))
    # IPv6 payload length past the capture: ipv6.trunc_pkt
    v6 = bytearray(ipv6("2001:db8::1", "2001:db8::2", 17, udp("2001:db8::1", "2001:db8::2", 1, 2, b"x", v6=True)))
    v6[4:6] = struct.pack("!H", 999)
    w.write(t + 9, eth(bytes(v6), etype=0x86DD))
    # GRE version 2: gre.wrong_version
    w.write(t + 10, eth(ipv4("10.9.0.1", "10.9.0.2", 47, struct.pack("!HH", 2, 0x0800))))
    w.write(t + 11, ok)
    w.close()


def gen_timeouts(out):
    """Flow timeouts and TCP port reuse split flows with the same 5-tuple."""
    w = PcapWriter(os.path.join(out, "timeouts.pcap"))
    t = T0
    # UDP: one packet, silence longer than the 'new' timeout (30 s), same tuple again
    u = eth(ipv4("10.5.0.1", "10.5.0.2", 17, udp("10.5.0.1", "10.5.0.2", 7000, 7001, b"a")))
    w.write(t, u)
    w.write(t + 10, u)        # same flow
    w.write(t + 100, u)       # 90 s later: new flow
    # TCP: full connection, then a new SYN on the same ports 2 s later: port reuse
    c = TcpConn("10.5.0.1", "10.5.0.3", 8000, 80)
    t2 = t + 200
    for p in c.handshake() + c.close():
        w.write(t2, p)
        t2 += 0.01
    c2 = TcpConn("10.5.0.1", "10.5.0.3", 8000, 80, isn_c=90000, isn_s=70000)
    t2 += 2
    for p in c2.handshake() + c2.close():
        w.write(t2, p)
        t2 += 0.01
    w.close()


def gen_linktypes(out):
    """The same UDP packet over several link types, and one unknown link type."""
    ip = ipv4("10.7.0.1", "10.7.0.2", 17, udp("10.7.0.1", "10.7.0.2", 53000, 53, dns_query(1, "example.com")))
    w = PcapWriter(os.path.join(out, "lt_raw.pcap"), linktype=101)
    w.write(T0, ip)
    w.close()
    w = PcapWriter(os.path.join(out, "lt_null.pcap"), linktype=0)
    w.write(T0, struct.pack("<I", 2) + ip)
    w.close()
    w = PcapWriter(os.path.join(out, "lt_sll.pcap"), linktype=113)
    w.write(T0, struct.pack("!HHH8sH", 0, 1, 6, b"\x00\x11\x22\x33\x44\x55\x00\x00", 0x0800) + ip)
    w.close()
    w = PcapWriter(os.path.join(out, "lt_sll2.pcap"), linktype=276)
    w.write(T0, struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\x00\x11\x22\x33\x44\x55\x00\x00") + ip)
    w.close()
    w = PcapWriter(os.path.join(out, "lt_unknown.pcap"), linktype=147)
    w.write(T0, ip)
    w.write(T0 + 1, ip)
    w.close()


def gen_pcapng(out):
    """A pcapng file with an unknown block between packets (must be skipped)."""
    def block(btype, body):
        pad = (-len(body)) % 4
        total = 12 + len(body) + pad
        return struct.pack("<II", btype, total) + body + b"\0" * pad + struct.pack("<I", total)
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = block(0x00000001, struct.pack("<HHI", 1, 0, 262144))
    unknown = block(0x00000BAD, b"not a packet, skip me")
    pkts = b""
    c = TcpConn("10.8.0.1", "10.8.0.2", 12345, 80)
    ts = int(T0 * 1e6)
    for i, p in enumerate(c.handshake() + c.close()):
        tsv = ts + i * 1000
        body = struct.pack("<IIIII", 0, tsv >> 32, tsv & 0xFFFFFFFF, len(p), len(p)) + p
        pkts += block(0x00000006, body)
        if i == 2:
            pkts += unknown
    with open(os.path.join(out, "pcapng_unknown_block.pcapng"), "wb") as f:
        f.write(shb + idb + pkts)


def gen_sample(out):
    """The README's sample: a small office network's few seconds of mixed traffic."""
    w = PcapWriter(os.path.join(out, "sample.pcap"))
    t = T0
    hosts = ["10.10.1.%d" % i for i in range(10, 16)]
    srv = "10.10.2.10"
    dns = "10.10.2.53"
    for i, h in enumerate(hosts):
        name = ["intranet.cnss.example.ma", "www.example.com", "mail.example.ma", "portal.example.ma",
                "updates.example.org", "cdn.example.net"][i]
        w.write(t, eth(ipv4(h, dns, 17, udp(h, dns, 40000 + i, 53, dns_query(0x100 + i, name)))))
        t += 0.002
        w.write(t, eth(ipv4(dns, h, 17, udp(dns, h, 53, 40000 + i, dns_answer_a(0x100 + i, name, srv)))))
        t += 0.01
        c = TcpConn(h, srv, 50000 + i, 80, isn_c=1000 * (i + 1), isn_s=777 * (i + 1))
        for p in c.handshake() + http_exchange(c, path="/page%d.html" % i, host=name,
                                                body=b"<html>" + b"x" * (200 * (i + 1)) + b"</html>") + c.close():
            w.write(t, p)
            t += 0.003
    # an SSH session start (banners only)
    c = TcpConn(hosts[0], srv, 52000, 22)
    for p in c.handshake() + [c.pkt(0, "PA", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
                              c.pkt(1, "PA", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")] + c.close():
        w.write(t, p)
        t += 0.003
    # pings, one to an unreachable port
    w.write(t, eth(ipv4(hosts[1], srv, 1, icmp4(8, 0, 1, 1, b"abcdefgh"))))
    w.write(t + 0.001, eth(ipv4(srv, hosts[1], 1, icmp4(0, 0, 1, 1, b"abcdefgh"))))
    t += 0.01
    # a port scan touching closed ports (SYN, RST)
    for port in (21, 23, 25, 110, 139, 445, 3389, 8080):
        w.write(t, eth(ipv4(hosts[5], srv, 6, tcp(hosts[5], srv, 61000, port, 4242, 0, "S"))))
        w.write(t + 0.0005, eth(ipv4(srv, hosts[5], 6, tcp(srv, hosts[5], port, 61000, 0, 4243, "RA"))))
        t += 0.002
    # IPv6 neighbour solicitation
    w.write(t, eth(ipv6("fe80::1", "ff02::1:ff00:2", 58, icmp6("fe80::1", "ff02::1:ff00:2", 135, 0, 0, 0, b"\0" * 16), hlim=255),
                   etype=0x86DD))
    t += 0.01
    # a malformed packet (truncated IPv4) for the anomaly log
    w.write(t, eth(ipv4(hosts[2], srv, 17, udp(hosts[2], srv, 1, 2, b"x"), total=999)))
    w.close()


def gen_truncated(out):
    """flows_basic.pcap cut in the middle of its last record."""
    src = os.path.join(out, "flows_basic.pcap")
    data = open(src, "rb").read()
    with open(os.path.join(out, "truncated.pcap"), "wb") as f:
        f.write(data[:-20])


# ---------------------------------------------------------------------------
# behavioural detectors (src/anomaly/behaviour.h): one small capture per attack, and a benign one that must
# raise nothing. Attackers are 10.66.0.x; the home network is 10.0.0.0/8; "the internet" is 198.51.100.0/24.

def _tcp_session(w, t, c, req, resp, gap=0.001):
    """handshake, one request and answer, close; returns the time after it"""
    pkts = c.handshake() + [c.pkt(0, "PA", req), c.pkt(1, "PA", resp), c.pkt(0, "A")] + c.close()
    for p in pkts:
        w.write(t, p)
        t += gap
    return t


def gen_bh_scan(out):
    """A SYN scan of 200 ports of 10.0.0.10 by 10.66.0.1: closed ports answer RST-ACK, four open ones SYN-ACK
    (then the scanner resets: half-open)."""
    w = PcapWriter(os.path.join(out, "bh_scan.pcap"))
    t = T0
    open_ports = (22, 80, 443, 8080)
    ports = list(range(1, 197)) + [8080]
    for i, port in enumerate(sorted(set(ports) | set(open_ports))[:200]):
        sp = 50000 + (i % 4)
        w.write(t, eth(ipv4("10.66.0.1", "10.0.0.10", 6, tcp("10.66.0.1", "10.0.0.10", sp, port, 1000, 0, "S"))))
        if port in open_ports:
            w.write(t + 0.0001, eth(ipv4("10.0.0.10", "10.66.0.1", 6, tcp("10.0.0.10", "10.66.0.1", port, sp, 7000, 1001, "SA"))))
            w.write(t + 0.0002, eth(ipv4("10.66.0.1", "10.0.0.10", 6, tcp("10.66.0.1", "10.0.0.10", sp, port, 1001, 0, "R"))))
        else:
            w.write(t + 0.0001, eth(ipv4("10.0.0.10", "10.66.0.1", 6, tcp("10.0.0.10", "10.66.0.1", port, sp, 0, 1001, "RA"))))
        t += 0.0005
    w.close()


def gen_bh_synflood(out):
    """2000 SYNs to 10.0.0.20:80 from 10.66.0.2 in 2 s (new source port each); the server answers SYN-ACK."""
    w = PcapWriter(os.path.join(out, "bh_synflood.pcap"))
    t = T0
    for i in range(2000):
        sp = 1024 + i
        w.write(t, eth(ipv4("10.66.0.2", "10.0.0.20", 6, tcp("10.66.0.2", "10.0.0.20", sp, 80, i * 7, 0, "S"))))
        if i % 4 == 0:
            w.write(t + 0.0002, eth(ipv4("10.0.0.20", "10.66.0.2", 6, tcp("10.0.0.20", "10.66.0.2", 80, sp, 9, i * 7 + 1, "SA"))))
        t += 0.001
    w.close()


def gen_bh_brute_ssh(out):
    """30 short SSH sessions from 10.66.0.3 to 10.0.0.22:22, one every 1.5 s: banner, key exchange, a failed
    password (about 3 KB each)."""
    w = PcapWriter(os.path.join(out, "bh_brute_ssh.pcap"))
    t = T0
    for i in range(30):
        c = TcpConn("10.66.0.3", "10.0.0.22", 40000 + i, 22, isn_c=1000 + i, isn_s=90000 + i)
        pk = c.handshake()
        pk.append(c.pkt(1, "PA", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
        pk.append(c.pkt(0, "PA", b"SSH-2.0-libssh_0.10.4\r\n"))
        pk.append(c.pkt(0, "PA", b"\x00" * 900))
        pk.append(c.pkt(1, "PA", b"\x00" * 1000))
        pk.append(c.pkt(0, "PA", b"\x01" * 300))
        pk.append(c.pkt(1, "PA", b"\x02" * 300))
        pk += c.close()
        for p in pk:
            w.write(t, p)
            t += 0.005
        t += 1.5
    w.close()


def gen_bh_http401(out):
    """100 HTTP requests with wrong basic-auth passwords from 10.66.0.4 to 10.0.0.80, 10 per connection, all
    answered 401."""
    w = PcapWriter(os.path.join(out, "bh_http401.pcap"))
    t = T0
    n = 0
    for conn in range(10):
        c = TcpConn("10.66.0.4", "10.0.0.80", 41000 + conn, 80, isn_c=5000 + conn, isn_s=60000 + conn)
        for p in c.handshake():
            w.write(t, p)
            t += 0.001
        for _ in range(10):
            req = ("GET /admin/ HTTP/1.1\r\nHost: 10.0.0.80\r\nAuthorization: Basic YWRtaW46cHclMDVk%03d\r\n\r\n" % n).encode()
            resp = (b"HTTP/1.1 401 Unauthorized\r\nServer: nginx\r\nWWW-Authenticate: Basic realm=\"admin\"\r\n"
                    b"Content-Length: 0\r\n\r\n")
            for p in (c.pkt(0, "PA", req), c.pkt(1, "PA", resp), c.pkt(0, "A")):
                w.write(t, p)
                t += 0.001
            n += 1
        for p in c.close():
            w.write(t, p)
            t += 0.001
    w.close()


def gen_bh_dns_tunnel(out):
    """60 TXT queries from 10.66.0.5 whose first label carries 50 base32 characters of data, under
    tunnel.example.com, each answered."""
    import random
    rnd = random.Random(5)
    w = PcapWriter(os.path.join(out, "bh_dns_tunnel.pcap"))
    t = T0
    for i in range(60):
        label = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(50))
        name = "%s.%d.tunnel.example.com" % (label, rnd.randint(1, 32767))
        sp = 30000 + i
        w.write(t, eth(ipv4("10.66.0.5", "198.51.100.53", 17, udp("10.66.0.5", "198.51.100.53", sp, 53, dns_query(i, name, 16)))))
        w.write(t + 0.002, eth(ipv4("198.51.100.53", "10.66.0.5", 17, udp("198.51.100.53", "10.66.0.5", 53, sp,
                                                                           dns_answer_a(i, name, "192.0.2.1")))))
        t += 0.05
    w.close()


def gen_bh_beacon(out):
    """10.66.0.6 checks in with 198.51.100.7:80 every 10 s +/- 1 s for 15 minutes (90 short connections)."""
    import random
    rnd = random.Random(6)
    w = PcapWriter(os.path.join(out, "bh_beacon.pcap"))
    t = T0
    for i in range(90):
        c = TcpConn("10.66.0.6", "198.51.100.7", 42000 + i, 80, isn_c=100 * i, isn_s=200 * i)
        _tcp_session(w, t, c, b"GET /c?id=7f3a HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n")
        t += 9.0 + 2.0 * rnd.random()
    w.close()


def _arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + ip4(spa) + tha + ip4(tpa)


def gen_bh_arp(out):
    """The gateway 10.0.0.1 (00:00:5e:00:01:01) answers ARP for a while; then 02:66:66:66:66:66 sends a
    gratuitous ARP reply claiming 10.0.0.1 (the binding flips)."""
    from pktgen import mac
    w = PcapWriter(os.path.join(out, "bh_arp.pcap"))
    gw, host, evil = mac("00:00:5e:00:01:01"), mac("00:11:22:33:44:55"), mac("02:66:66:66:66:66")
    bc = b"\xff" * 6
    t = T0
    for i in range(5):
        w.write(t, eth(_arp(1, host, "10.0.0.5", b"\0" * 6, "10.0.0.1"), etype=0x0806, src="00:11:22:33:44:55",
                       dst="ff:ff:ff:ff:ff:ff"))
        w.write(t + 0.001, eth(_arp(2, gw, "10.0.0.1", host, "10.0.0.5"), etype=0x0806, src="00:00:5e:00:01:01",
                               dst="00:11:22:33:44:55"))
        t += 30
    w.write(t, eth(_arp(2, evil, "10.0.0.1", bc, "10.0.0.1"), etype=0x0806, src="02:66:66:66:66:66",
                   dst="ff:ff:ff:ff:ff:ff"))
    w.write(t + 0.5, eth(_arp(2, evil, "10.0.0.1", bc, "10.0.0.1"), etype=0x0806, src="02:66:66:66:66:66",
                         dst="ff:ff:ff:ff:ff:ff"))
    # a truncated ARP frame: counted, not parsed
    w.write(t + 1, eth(_arp(2, evil, "10.0.0.1", bc, "10.0.0.1")[:20], etype=0x0806))
    w.close()


def gen_bh_bulk(out, total=20 << 20):
    """10.66.0.7 uploads 20 MB to 198.51.100.9:443 in one connection (1400-byte segments, 5 MB/s). Written on
    demand by tests/integration/run.py into a temporary folder: too big to keep in the repository."""
    w = PcapWriter(os.path.join(out, "bh_bulk.pcap"))
    c = TcpConn("10.66.0.7", "198.51.100.9", 43000, 443)
    t = T0
    for p in c.handshake():
        w.write(t, p)
        t += 0.001
    chunk = bytes(range(256)) * 5 + bytes(120)
    sent = 0
    while sent < total:
        w.write(t, c.pkt(0, "PA", chunk))
        sent += len(chunk)
        if sent % (len(chunk) * 8) == 0:
            w.write(t, c.pkt(1, "A"))
        t += len(chunk) / 5e6
    for p in c.close():
        w.write(t, p)
        t += 0.001
    w.close()


def gen_bh_benign(out):
    """Ordinary traffic that must raise no behavioural record: web browsing (HTTP, 30 connections to 3
    servers chosen at random, at random times), DNS look-ups of a few names, two long SSH sessions, a 400 kB download, one
    refused connection, ARP that does not change."""
    import random
    rnd = random.Random(9)
    w = PcapWriter(os.path.join(out, "bh_benign.pcap"))
    t = T0
    names = ["www.example.ma", "mail.example.ma", "portal.cnss.co.ma", "cdn.example.com"]
    for i in range(30):
        srv = ("10.0.0.80", "198.51.100.20", "198.51.100.21")[rnd.randrange(3)]
        c = TcpConn("10.0.0.50", srv, 44000 + i, 80, isn_c=300 * i, isn_s=700 * i)
        for p in c.handshake() + http_exchange(c, "/page%d.html" % i) + c.close():
            w.write(t, p)
            t += 0.002
        q = names[rnd.randrange(4)]
        w.write(t, eth(ipv4("10.0.0.50", "10.0.0.53", 17, udp("10.0.0.50", "10.0.0.53", 45000 + i, 53, dns_query(i, q)))))
        w.write(t + 0.001, eth(ipv4("10.0.0.53", "10.0.0.50", 17, udp("10.0.0.53", "10.0.0.50", 53, 45000 + i,
                                                                       dns_answer_a(i, q, "192.0.2.7")))))
        t += rnd.expovariate(1 / 8.0)
    for s in range(2):
        c = TcpConn("10.0.0.51", "10.0.0.22", 46000 + s, 22, isn_c=11 + s, isn_s=99 + s)
        pk = c.handshake() + [c.pkt(1, "PA", b"SSH-2.0-OpenSSH_9.2p1\r\n"), c.pkt(0, "PA", b"SSH-2.0-OpenSSH_9.2p1\r\n")]
        for k in range(40):
            pk += [c.pkt(0, "PA", b"\x05" * 200), c.pkt(1, "PA", b"\x06" * 600)]
        for p in pk + c.close():
            w.write(t, p)
            t += 0.05
    c = TcpConn("10.0.0.52", "198.51.100.30", 47000, 443)
    for p in c.handshake() + [c.pkt(0, "PA", b"\x16\x03\x01" + b"\x00" * 300)]:
        w.write(t, p)
        t += 0.001
    for k in range(300):
        w.write(t, c.pkt(1, "A", b"\x17" * 1400))
        if k % 4 == 0:
            w.write(t, c.pkt(0, "A"))
        t += 0.0003
    for p in c.close():
        w.write(t, p)
        t += 0.001
    w.write(t, eth(ipv4("10.0.0.50", "10.0.0.99", 6, tcp("10.0.0.50", "10.0.0.99", 48000, 8080, 1, 0, "S"))))
    w.write(t + 0.001, eth(ipv4("10.0.0.99", "10.0.0.50", 6, tcp("10.0.0.99", "10.0.0.50", 8080, 48000, 0, 2, "RA"))))
    from pktgen import mac
    for i in range(3):
        w.write(t + i, eth(_arp(2, mac("00:00:5e:00:01:01"), "10.0.0.1", mac("00:11:22:33:44:55"), "10.0.0.50"),
                           etype=0x0806, src="00:00:5e:00:01:01"))
    w.close()


def gen_behaviour(out):
    for g in (gen_bh_scan, gen_bh_synflood, gen_bh_brute_ssh, gen_bh_http401, gen_bh_dns_tunnel, gen_bh_beacon,
              gen_bh_arp, gen_bh_benign):
        g(out)


# ---------------------------------------------------------------------------
# personal-data leak captures (docs/leak.md); the records come from pii.py

LEAK_N = 300  # records per capture


def send(c, d, data, mss=1000):
    """data from side d in segments of mss bytes (identifiers are cut across segments), each ACKed."""
    out = []
    for i in range(0, len(data), mss):
        out += [c.pkt(d, "PA", data[i:i + mss]), c.pkt(1 - d, "A")]
    return out


def write_conv(path, convs):
    w = PcapWriter(path)
    t = T0
    for pkts in convs:
        for p in pkts:
            w.write(t, p)
            t += 0.001
    w.close()


def gen_leak(out):
    """Leak detection: synthetic personal records leaving the network in several forms, and a benign capture.

    leak_http_csv.pcap       POST of a CSV file (text/csv), 192.168.10.5 -> 198.51.100.20:80
    leak_http_gzip.pcap      GET answered with a chunked + gzip JSON body: internal server 192.168.10.7:8080 ->
                             external client 203.0.113.9 (to_client, outbound)
    leak_http_multipart.pcap multipart/form-data upload of an e-BDS file (B02 records)
    leak_tcp_raw.pcap        raw TCP upload (port 9000) of the JSON document
    leak_dns.pcap            60 DNS queries carrying a CNSS and a CIN number in their labels, one UDP flow
    leak_benign.pcap         prices, timestamps, random digit runs, invalid RIBs: must not raise an incident
    """
    import gzip
    import random
    import pii
    affil, recs = pii.records(LEAK_N)
    csv, js, ebds = pii.to_csv(recs), pii.to_json(affil, recs), pii.to_ebds(affil, recs)
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"

    c = TcpConn("192.168.10.5", "198.51.100.20", 41000, 80)
    req = (b"POST /hr/export HTTP/1.1\r\nHost: files.example.net\r\nContent-Type: text/csv\r\n"
           b"Content-Length: " + str(len(csv)).encode() + b"\r\n\r\n" + csv)
    write_conv(os.path.join(out, "leak_http_csv.pcap"),
               [c.handshake(), send(c, 0, req), send(c, 1, ok), c.close()])

    c = TcpConn("203.0.113.9", "192.168.10.7", 42000, 8080)
    gz = gzip.compress(js, mtime=0)
    body = b""
    for i in range(0, len(gz), 700):
        part = gz[i:i + 700]
        body += b"%x\r\n" % len(part) + part + b"\r\n"
    body += b"0\r\n\r\n"
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + body)
    req = b"GET /api/v1/salaries?page=1 HTTP/1.1\r\nHost: payroll.example.ma\r\nAccept: */*\r\n\r\n"
    write_conv(os.path.join(out, "leak_http_gzip.pcap"),
               [c.handshake(), send(c, 0, req), send(c, 1, resp), c.close()])

    c = TcpConn("192.168.10.5", "198.51.100.21", 41001, 80)
    bnd = b"----ribatboundary7MA4YWxk"
    mp = (b"--" + bnd + b"\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nmonthly\r\n--" + bnd +
          b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bds_202412.txt\"\r\n"
          b"Content-Type: text/plain\r\n\r\n" + ebds + b"\r\n--" + bnd + b"--\r\n")
    req = (b"POST /upload HTTP/1.1\r\nHost: share.example.net\r\nContent-Type: multipart/form-data; boundary=" +
           bnd + b"\r\nContent-Length: " + str(len(mp)).encode() + b"\r\n\r\n" + mp)
    write_conv(os.path.join(out, "leak_http_multipart.pcap"),
               [c.handshake(), send(c, 0, req, mss=1448), send(c, 1, ok), c.close()])

    c = TcpConn("192.168.10.5", "198.51.100.22", 41002, 9000)
    write_conv(os.path.join(out, "leak_tcp_raw.pcap"), [c.handshake(), send(c, 0, js, mss=512), c.close()])

    w = PcapWriter(os.path.join(out, "leak_dns.pcap"))
    t = T0
    for i, x in enumerate(recs[:60]):
        name = "cnss-%s.cin-%s.q%d.exfil.example.org" % (x["cnss"], x["cin"], i)
        w.write(t, eth(ipv4("192.168.10.5", "198.51.100.53", 17,
                            udp("192.168.10.5", "198.51.100.53", 53000, 53, dns_query(0x2000 + i, name)))))
        t += 0.01
    w.close()

    # benign: numbers everywhere, none of them a valid identifier in context
    r = random.Random(11)
    lines = ["date;order;amount;ref;ts;note"]
    for i in range(400):
        bad_rib = pii.rib_of(r)
        bad_rib = bad_rib[:-2] + "%02d" % ((int(bad_rib[-2:]) % 96) + 1 if bad_rib[-2:] != "97" else 1)
        if int(bad_rib) % 97 == 0:
            bad_rib = bad_rib[:-1] + str((int(bad_rib[-1]) + 1) % 10)
        run = "".join(str(r.randint(0, 9)) for _ in range(r.choice([5, 6, 8, 11, 12, 13, 14, 17, 20, 30])))
        lines.append("2024-12-%02d;%d;%d.%02d MAD;%s;%d;%s" % (
            1 + i % 28, 100000000 + r.randint(0, 899999999), r.randint(1, 99999), r.randint(0, 99), bad_rib,
            1732700000000 + r.randint(0, 10 ** 9), run))
    page = ("\n".join(lines) + "\n").encode()
    c = TcpConn("192.168.10.5", "198.51.100.30", 41003, 80)
    req = b"GET /report.csv HTTP/1.1\r\nHost: shop.example.net\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: " + str(len(page)).encode() + \
        b"\r\n\r\n" + page
    c2 = TcpConn("192.168.10.5", "198.51.100.31", 41004, 80)
    form = b"q=price+list&from=2024-12-01&to=2024-12-31&amount=1234567&code=9876543"
    req2 = (b"POST /search HTTP/1.1\r\nHost: shop.example.net\r\nContent-Type: application/x-www-form-urlencoded"
            b"\r\nContent-Length: " + str(len(form)).encode() + b"\r\n\r\n" + form)
    write_conv(os.path.join(out, "leak_benign.pcap"),
               [c.handshake(), send(c, 0, req), send(c, 1, resp), c.close(),
                c2.handshake(), send(c2, 0, req2), send(c2, 1, ok), c2.close()])


def gen_midstream_reply_first(out):
    """A TCP flow picked up midstream whose first packet is the server's HTTP reply (then the client's ACK,
    then a second request and its reply): with stream.midstream the flow is reversed, the client is the source.
    A second flow starts with a bare ACK of the server before its reply: reversed the same way."""
    c = TcpConn("10.0.0.5", "10.0.0.80", 40000, 8080)
    c2 = TcpConn("10.0.0.6", "10.0.0.80", 40001, 8080)
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    req = b"GET /second HTTP/1.1\r\nHost: srv\r\n\r\n"
    write_conv(os.path.join(out, "midstream_reply_first.pcap"),
               [[c.pkt(1, "PA", resp), c.pkt(0, "A"), c.pkt(0, "PA", req), c.pkt(1, "PA", resp), c.pkt(0, "A")],
                [c2.pkt(1, "A"), c2.pkt(1, "PA", resp), c2.pkt(0, "A"), c2.pkt(0, "PA", req), c2.pkt(1, "PA", resp),
                 c2.pkt(0, "A")]])


def gen_http_xff(out):
    """An HTTP exchange through a proxy: the request names the clients behind it in X-Forwarded-For."""
    c = TcpConn("10.0.0.7", "10.0.0.80", 41000, 80)
    req = (b"GET /account HTTP/1.1\r\nHost: intranet\r\nX-Forwarded-For: 203.0.113.7, 10.9.9.9\r\n"
           b"User-Agent: proxy\r\n\r\n")
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret"
    write_conv(os.path.join(out, "http_xff.pcap"),
               [c.handshake() + [c.pkt(0, "PA", req), c.pkt(1, "PA", resp), c.pkt(0, "A")] + c.close()])


def gen_http_port53(out):
    """HTTP over TCP port 53 (found by its patterns before DNS's port-based probe, as Suricata), with a
    %-encoded query (http.uri has it decoded)."""
    c = TcpConn("10.0.0.8", "10.0.0.53", 42000, 53)
    req = b"GET /look?q=%41%42 HTTP/1.1\r\nHost: ns\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    write_conv(os.path.join(out, "http_port53.pcap"),
               [c.handshake() + [c.pkt(0, "PA", req), c.pkt(1, "PA", resp), c.pkt(0, "A")] + c.close()])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    gen_flows_basic(out)
    gen_frag(out)
    gen_tunnels(out)
    gen_malformed(out)
    gen_timeouts(out)
    gen_linktypes(out)
    gen_pcapng(out)
    gen_sample(out)
    gen_truncated(out)
    gen_behaviour(out)
    gen_leak(out)
    gen_midstream_reply_first(out)
    gen_http_xff(out)
    gen_http_port53(out)


if __name__ == "__main__":
    main()
