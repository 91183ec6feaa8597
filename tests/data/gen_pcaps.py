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
    # TCP data offset 3 words (shorter than the header itself): tcp.invalid_optlen, Suricata's name
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
    # TCP data offset 15 words in a 20-byte segment: tcp.hlen_too_small (the header says more than is there)
    seg = bytearray(tcp("10.9.0.1", "10.9.0.2", 5, 6, 1, 0, "S"))
    seg[12] = 0xF0
    w.write(t + 12, eth(ipv4("10.9.0.1", "10.9.0.2", 6, bytes(seg))))
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

# ---------------------------------------------------------------------------
# DCE/RPC (docs/dcerpc.md)

DCE_NDR = "8a885d04-1ceb-11c9-9fe8-08002b104860"
DCE_SRVSVC = "4b324fc8-1670-01d3-1278-5a47bf6ee188"
DCE_EPM = "e1af8308-5d1f-11c9-91a4-08002b14a0fa"


def _dce_uuid(text, le):
    h = bytes.fromhex(text.replace("-", ""))
    return struct.pack("<IHH" if le else ">IHH", *struct.unpack(">IHH", h[:8])) + h[8:]


def _dce_pdu(le, ptype, flags, call_id, body):
    e = "<" if le else ">"
    return (bytes([5, 0, ptype, flags, 0x10 if le else 0x00, 0, 0, 0])
            + struct.pack(e + "HHI", 16 + len(body), 0, call_id) + body)


def dce_bind(le, call_id, ifaces):
    e = "<" if le else ">"
    b = struct.pack(e + "HHI", 4280, 4280, 0) + bytes([len(ifaces), 0, 0, 0])
    for i, (u, ver) in enumerate(ifaces):
        b += (struct.pack(e + "H", i) + bytes([1, 0]) + _dce_uuid(u, le) + struct.pack(e + "HH", ver, 0)
              + _dce_uuid(DCE_NDR, le) + struct.pack(e + "I", 2))
    return _dce_pdu(le, 11, 3, call_id, b)


def dce_bind_ack(le, call_id, results):
    e = "<" if le else ">"
    b = struct.pack(e + "HHI", 4280, 4280, 0x53f0) + struct.pack(e + "H", 4) + b"135\0"
    while (16 + len(b)) % 4:
        b += b"\0"
    b += bytes([len(results), 0, 0, 0])
    for r in results:
        b += struct.pack(e + "HH", r, 0) + _dce_uuid(DCE_NDR, le) + struct.pack(e + "I", 2)
    return _dce_pdu(le, 12, 3, call_id, b)


def dce_request(le, call_id, flags, ctx, opnum, stub):
    e = "<" if le else ">"
    return _dce_pdu(le, 0, flags, call_id, struct.pack(e + "IHH", len(stub), ctx, opnum) + stub)


def dce_response(le, call_id, flags, stub):
    e = "<" if le else ">"
    return _dce_pdu(le, 2, flags, call_id, struct.pack(e + "IHBB", len(stub), 0, 0, 0) + stub)


def dce_fault(le, call_id, status):
    e = "<" if le else ">"
    return _dce_pdu(le, 3, 3, call_id, struct.pack(e + "IHBBI", 0, 0, 0, 0, status))


def dce_cl(le, ptype, flags1, seq, opnum, fragnum, body):
    """a connectionless PDU (UDP): 80-byte header (interface epm 3, activity 6b1e2a30-...), then the body"""
    e = "<" if le else ">"
    return (bytes([4, ptype, flags1, 0, 0x10 if le else 0, 0, 0, 0]) + bytes(16) + _dce_uuid(DCE_EPM, le)
            + _dce_uuid("6b1e2a30-aa11-4c2b-9d3e-000102030405", le)
            + struct.pack(e + "IIIHHHHHBB", 0, 3, seq, opnum, 0xffff, 0xffff, len(body), fragnum, 0, 0) + body)


def gen_dcerpc(out):
    """dcerpc.pcap -- three DCE/RPC conversations:
    1. 10.0.0.1:49700 -> 10.0.0.2:135, little-endian: BIND (srvsvc 3.0, epm 3.0) answered by a BIND_ACK that
       accepts srvsvc and rejects epm (provider rejection, 2); a REQUEST call 2, opnum 15, in three fragments
       whose second PDU is cut across two segments and whose last two travel in one segment (stub
       "\\\\SRV" "PIPE-NAME" "TAIL", 18 bytes); a RESPONSE of two fragments (stub 12 bytes); then a REQUEST
       call 3 (opnum 2, ctx 1) left unanswered.
    2. 10.0.0.1:49701 -> 10.0.0.3:4444, big-endian, found by content off port 135: BIND epm 3.0 accepted,
       REQUEST call 7 opnum 3 with stub 00 01 02 03 answered by a FAULT (nca_s_op_rng_error 0x1c010002).
    3. 10.0.0.1:49702 -> 10.0.0.4:8080: a DCE/RPC REQUEST answered by an HTTP response (app_proto dcerpc,
       app_proto_tc http).
    4. UDP 10.0.0.1:49800 -> 10.0.0.5:135, connectionless: a REQUEST (seqnum 7, opnum 4, epm 3) in two
       fragments ("first-" "last") and its RESPONSE ("ok")."""
    c = TcpConn("10.0.0.1", "10.0.0.2", 49700, 135)
    le = True
    frag1 = dce_request(le, 2, 1, 0, 15, b"\\\\SRV")
    frag2 = dce_request(le, 2, 0, 0, 15, b"PIPE-NAME")
    frag3 = dce_request(le, 2, 2, 0, 15, b"TAIL")
    conv1 = c.handshake() + [
        c.pkt(0, "PA", dce_bind(le, 1, [(DCE_SRVSVC, 3), (DCE_EPM, 3)])), c.pkt(1, "A"),
        c.pkt(1, "PA", dce_bind_ack(le, 1, [0, 2])), c.pkt(0, "A"),
        c.pkt(0, "PA", frag1 + frag2[:10]), c.pkt(1, "A"),
        c.pkt(0, "PA", frag2[10:] + frag3), c.pkt(1, "A"),
        c.pkt(1, "PA", dce_response(le, 2, 1, b"RESP") + dce_response(le, 2, 2, b"ONSE-OK!")), c.pkt(0, "A"),
        c.pkt(0, "PA", dce_request(le, 3, 3, 1, 2, b"xx")), c.pkt(1, "A"),
    ] + c.close()
    c2 = TcpConn("10.0.0.1", "10.0.0.3", 49701, 4444)
    conv2 = c2.handshake() + [
        c2.pkt(0, "PA", dce_bind(False, 6, [(DCE_EPM, 3)])), c2.pkt(1, "PA", dce_bind_ack(False, 6, [0])),
        c2.pkt(0, "PA", dce_request(False, 7, 3, 0, 3, bytes([0, 1, 2, 3]))),
        c2.pkt(1, "PA", dce_fault(False, 7, 0x1c010002)), c2.pkt(0, "A"),
    ] + c2.close()
    c3 = TcpConn("10.0.0.1", "10.0.0.4", 49702, 8080)
    conv3 = c3.handshake() + [
        c3.pkt(0, "PA", dce_request(True, 1, 3, 0, 9, b"")),
        c3.pkt(1, "PA", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), c3.pkt(0, "A"),
    ] + c3.close()
    def dgram(src, dst, sp, dp, payload):
        return eth(ipv4(src, dst, 17, udp(src, dst, sp, dp, payload)))
    conv4 = [dgram("10.0.0.1", "10.0.0.5", 49800, 135, dce_cl(True, 0, 4, 7, 4, 0, b"first-")),
             dgram("10.0.0.1", "10.0.0.5", 49800, 135, dce_cl(True, 0, 6, 7, 4, 1, b"last")),
             dgram("10.0.0.5", "10.0.0.1", 135, 49800, dce_cl(True, 2, 0, 7, 4, 0, b"ok"))]
    write_conv(os.path.join(out, "dcerpc.pcap"), [conv1, conv2, conv3, conv4])


def tls_client_hello(sni):
    """A minimal TLS 1.2 ClientHello record with a server name."""
    name = sni.encode()
    sni_ext = struct.pack(">HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    body = b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack(">H", 2) + b"\x00\x2f" + b"\x01\x00" + \
        struct.pack(">H", len(sni_ext)) + sni_ext
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def gen_smtp(out):
    """SMTP (docs/smtp.md):
    smtp_mail.pcap      one session on port 25, two mails: the first a multipart/mixed with a quoted-printable
                        text part and a base64 CSV attachment of synthetic identifiers (pii.py), the second a
                        plain message sent with BDAT; pipelined commands, a dot-stuffed line
    smtp_starttls.pcap  EHLO, STARTTLS refused (454), STARTTLS, 220, then a TLS ClientHello: the flow changes
                        to TLS
    smtp_short_greeting.pcap  a 7-byte greeting, then EHLO: too few bytes for detection to judge the server's
                        side, so the client's command is read first (no_server_welcome_message), the server's
                        side once it holds enough bytes (detected in one direction only)
    smtp_starttls_http.pcap  STARTTLS accepted, then the server speaks cleartext HTTP (a 101 upgrade to h2c
                        with no request): no TLS after STARTTLS, an unexpected protocol, and an upgrade that
                        cannot happen (a flow changes protocol once)"""
    import base64
    import pii
    affil, recs = pii.records(LEAK_N)
    csv = pii.to_csv(recs)
    b64 = base64.encodebytes(csv).replace(b"\n", b"\r\n")
    msg = (b"From: RH <rh@corp.example.ma>\r\nTo: partner@example.net, audit@example.net\r\n"
           b"Subject: export\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=\"=_b1\"\r\n\r\nThis is MIME.\r\n--=_b1\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"Voici l'export, voir http://intranet.example.ma/hr/export r=C3=A9f=\r\n=C3=A9rence\r\n"
           b"..\r\n--=_b1\r\n"
           b"Content-Type: text/csv; name=\"export_cnss.csv\"\r\n"
           b"Content-Disposition: attachment; filename=\"export_cnss.csv\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + b64 + b"--=_b1--\r\n")
    c = TcpConn("192.168.10.5", "198.51.100.25", 41025, 25)
    cli1 = (b"EHLO ws5.corp.example.ma\r\n")
    cli2 = (b"MAIL FROM:<rh@corp.example.ma>\r\nRCPT TO:<partner@example.net>\r\n"
            b"RCPT TO:<audit@example.net>\r\nDATA\r\n")
    body2 = b"Subject: note\r\n\r\nplain text, no identifier\r\n"
    cli3 = (b"MAIL FROM:<rh@corp.example.ma>\r\nRCPT TO:<audit@example.net>\r\nBDAT " +
            str(len(body2)).encode() + b" LAST\r\n" + body2 + b"QUIT\r\n")
    write_conv(os.path.join(out, "smtp_mail.pcap"),
               [c.handshake(), send(c, 1, b"220 mx.example.net ESMTP\r\n"), send(c, 0, cli1),
                send(c, 1, b"250-mx.example.net\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n"),
                send(c, 0, cli2), send(c, 1, b"250 ok\r\n250 ok\r\n250 ok\r\n354 go on\r\n"),
                send(c, 0, msg + b".\r\n", mss=1448), send(c, 1, b"250 queued 1\r\n"),
                send(c, 0, cli3), send(c, 1, b"250 ok\r\n250 ok\r\n250 queued 2\r\n221 bye\r\n"), c.close()])

    c = TcpConn("192.168.10.5", "198.51.100.25", 41026, 587)
    write_conv(os.path.join(out, "smtp_starttls.pcap"),
               [c.handshake(), send(c, 1, b"220 mx.example.net ESMTP\r\n"), send(c, 0, b"EHLO ws5\r\n"),
                send(c, 1, b"250-mx.example.net\r\n250 STARTTLS\r\n"), send(c, 0, b"STARTTLS\r\n"),
                send(c, 1, b"454 4.7.0 TLS not available now\r\n"), send(c, 0, b"STARTTLS\r\n"),
                send(c, 1, b"220 2.0.0 Ready to start TLS\r\n"), send(c, 0, tls_client_hello("mx.example.net")),
                c.close()])

    c = TcpConn("192.168.10.5", "198.51.100.25", 41028, 25)
    write_conv(os.path.join(out, "smtp_short_greeting.pcap"),
               [c.handshake(), send(c, 1, b"220 m\r\n"), send(c, 0, b"EHLO ws5\r\n"),
                send(c, 1, b"250-mx.example.net\r\n250 SIZE 10240000\r\n"), send(c, 0, b"QUIT\r\n"),
                send(c, 1, b"221 bye\r\n"), c.close()])

    c = TcpConn("192.168.10.5", "198.51.100.25", 41027, 25)
    write_conv(os.path.join(out, "smtp_starttls_http.pcap"),
               [c.handshake(), send(c, 1, b"220 mx.example.net ESMTP\r\n"), send(c, 0, b"EHLO ws5\r\n"),
                send(c, 1, b"250-mx.example.net\r\n250 STARTTLS\r\n"), send(c, 0, b"STARTTLS\r\n"),
                send(c, 1, b"220 2.0.0 Ready to start TLS\r\n"),
                send(c, 1, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
                send(c, 0, b"\x00"), c.close()])


def gen_midstream_reply_first(out):
    """A TCP flow picked up midstream whose first packet is the server's HTTP reply (then the client's ACK,
    then a second request and its reply): with stream.midstream the flow is reversed, the client is the source.
    A second flow starts with a bare ACK of the server before its reply: reversed the same way. A third is DNS
    over TCP whose first message is the server's answer."""
    c = TcpConn("10.0.0.5", "10.0.0.80", 40000, 8080)
    c2 = TcpConn("10.0.0.6", "10.0.0.80", 40001, 8080)
    c3 = TcpConn("10.0.0.7", "10.0.0.53", 40002, 53)
    ans = dns_answer_a(0x1234, "intranet.example.ma", "10.1.2.3")
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    req = b"GET /second HTTP/1.1\r\nHost: srv\r\n\r\n"
    write_conv(os.path.join(out, "midstream_reply_first.pcap"),
               [[c.pkt(1, "PA", resp), c.pkt(0, "A"), c.pkt(0, "PA", req), c.pkt(1, "PA", resp), c.pkt(0, "A")],
                [c2.pkt(1, "A"), c2.pkt(1, "PA", resp), c2.pkt(0, "A"), c2.pkt(0, "PA", req), c2.pkt(1, "PA", resp),
                 c2.pkt(0, "A")],
                [c3.pkt(1, "PA", struct.pack(">H", len(ans)) + ans), c3.pkt(0, "A")]])


def gen_http_xff(out):
    """An HTTP exchange through a proxy: the request names the clients behind it in X-Forwarded-For."""
    c = TcpConn("10.0.0.7", "10.0.0.80", 41000, 80)
    req = (b"GET /account HTTP/1.1\r\nHost: intranet\r\nX-Forwarded-For: 203.0.113.7, 10.9.9.9\r\n"
           b"User-Agent: proxy\r\n\r\n")
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret"
    write_conv(os.path.join(out, "http_xff.pcap"),
               [c.handshake() + [c.pkt(0, "PA", req), c.pkt(1, "PA", resp), c.pkt(0, "A")] + c.close()])


# ---------------------------------------------------------------------------
# flow bypass and exception policies (src/engine/exception.h, docs/exception-policy.md)

def gen_bypass(out):
    """Three TCP flows, 0.1 s apart:
    - 10.0.0.1:40100 -> 10.0.0.2:80, picked up mid-stream (no handshake): GET /mid, a 200 answer with
      "uid=0(root)" in its body, FIN/ACK close: 7 packets;
    - 10.0.0.1:40200 -> 10.0.0.2:80, a full session: GET /bypass-me and its answer, then GET /after and
      its answer, close: 3 + 4 + 4 + 3 = 14 packets;
    - 10.0.0.1:40300 -> 10.0.0.2:8080, a full session whose client sends 3000 bytes in 3 segments
      (each acknowledged), close: 3 + 6 + 3 = 12 packets."""
    w = PcapWriter(os.path.join(out, "bypass.pcap"))
    t = T0
    c = TcpConn("10.0.0.1", "10.0.0.2", 40100, 80)
    for p in http_exchange(c, path="/mid", body=b"uid=0(root) gid=0(root)") + c.close():
        w.write(t, p)
        t += 0.001
    t += 0.1
    c = TcpConn("10.0.0.1", "10.0.0.2", 40200, 80)
    for p in c.handshake() + http_exchange(c, path="/bypass-me") + http_exchange(c, path="/after") + c.close():
        w.write(t, p)
        t += 0.001
    t += 0.1
    c = TcpConn("10.0.0.1", "10.0.0.2", 40300, 8080)
    pkts = c.handshake()
    for _ in range(3):
        pkts += [c.pkt(0, "PA", b"x" * 1000), c.pkt(1, "A")]
    for p in pkts + c.close():
        w.write(t, p)
        t += 0.001
    w.close()
    gen_bypass_tls(out)


def _tls_record(ctype, body, version=b"\x03\x03"):
    return bytes([ctype]) + version + struct.pack(">H", len(body)) + body


def _tls_handshake(htype, body):
    return bytes([htype]) + struct.pack(">I", len(body))[1:] + body


def gen_bypass_tls(out):
    """bypass_tls.pcap: one TLS 1.2 session 10.0.0.1:40400 -> 10.0.0.2:443 (SNI www.example.ma): handshake,
    ClientHello, ServerHello, ChangeCipherSpec both ways, then 4 encrypted application-data records each way
    (each acknowledged), close: 3 + 2 + 2 + 2 + 2 + 16 + 3 = 30 packets."""
    w = PcapWriter(os.path.join(out, "bypass_tls.pcap"))
    t = T0
    c = TcpConn("10.0.0.1", "10.0.0.2", 40400, 443)
    sni = b"www.example.ma"
    ext_sni = struct.pack(">HH", 0, len(sni) + 5) + struct.pack(">HBH", len(sni) + 3, 0, len(sni)) + sni
    ch = (b"\x03\x03" + bytes(range(32)) + b"\x00" + b"\x00\x02\x00\x2f" + b"\x01\x00"
          + struct.pack(">H", len(ext_sni)) + ext_sni)
    sh = b"\x03\x03" + bytes(range(32, 64)) + b"\x00" + b"\x00\x2f" + b"\x00"
    ccs = _tls_record(20, b"\x01")
    pkts = c.handshake()
    pkts += [c.pkt(0, "PA", _tls_record(22, _tls_handshake(1, ch), b"\x03\x01")), c.pkt(1, "A")]
    pkts += [c.pkt(1, "PA", _tls_record(22, _tls_handshake(2, sh))), c.pkt(0, "A")]
    pkts += [c.pkt(1, "PA", ccs), c.pkt(0, "A")]
    pkts += [c.pkt(0, "PA", ccs), c.pkt(1, "A")]
    for i in range(4):
        pkts += [c.pkt(0, "PA", _tls_record(23, bytes([i]) * 64)), c.pkt(1, "A")]
        pkts += [c.pkt(1, "PA", _tls_record(23, bytes([0x80 + i]) * 512)), c.pkt(0, "A")]
    for p in pkts + c.close():
        w.write(t, p)
        t += 0.001
    w.close()


# ---------------------------------------------------------------------------
# SMB file shares (src/applayer/smb.h, docs/smb.md)

def _nb(payload):
    """an NBSS session message around an SMB message"""
    return struct.pack(">I", len(payload)) + payload


def _smb2(cmd, mid, body, resp=False, tree=7, sess=0x4400000000002a, status=0, async_id=None, next_cmd=0):
    flags = (1 if resp else 0) | (2 if async_id is not None else 0)
    tail = struct.pack("<Q", async_id) if async_id is not None else struct.pack("<II", 0, tree)
    return (b"\xfeSMB" + struct.pack("<HHIHHIIQ", 64, 1, status, cmd, 1, flags, next_cmd, mid) + tail +
            struct.pack("<Q", sess) + bytes(16) + body)


def _u16(s):
    return s.encode("utf-16-le")


def _ntlm_auth(user, domain, host):
    """an NTLMSSP AUTHENTICATE message (unicode, with a version)"""
    fields = [b"", b"", _u16(domain), _u16(user), _u16(host), b""]
    off = 72
    hdr = b"NTLMSSP\x00" + struct.pack("<I", 3)
    data = b""
    for f in fields:
        hdr += struct.pack("<HHI", len(f), len(f), off + len(data))
        data += f
    hdr += struct.pack("<I", 0x02000001) + bytes([10, 0]) + struct.pack("<H", 19041) + bytes([0, 0, 0, 15])
    return hdr + data


SMB2_FID_DOC = bytes(range(0x10, 0x20))
SMB2_FID_PDF = bytes(range(0x30, 0x40))


def _smb2_session(c):
    """SMB 3.1.1 to \\\\fs01\\rh: upload of paie\\salaires_déc.csv (100 000 bytes, one WRITE streamed past the
    parser's buffer), download of rapport.pdf (READ answered asynchronously: STATUS_PENDING, then the data),
    both closed. Returns the packets."""
    out = []
    mid = [0]

    def ex(cmd, req, resp, **kw):
        m = mid[0]
        mid[0] += 1
        out.extend(send(c, 0, _nb(_smb2(cmd, m, req, **kw)), mss=1448))
        if resp is not None:
            for r in (resp if isinstance(resp, list) else [resp]):
                out.extend(send(c, 1, _nb(r(m)), mss=1448))
        return m

    dial = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]
    neg = struct.pack("<HHHHI", 36, len(dial), 1, 0, 0x7f) + bytes(range(16)) + bytes(8) + \
        b"".join(struct.pack("<H", d) for d in dial)
    ex(0, neg, lambda m: _smb2(0, m, struct.pack("<HHHH", 65, 1, 0x0311, 0) + b"ribat-fs01-guid!" +
                               struct.pack("<IIII", 0x7f, 1 << 23, 1 << 23, 1 << 23) + bytes(24), resp=True, sess=0,
                               tree=0), sess=0, tree=0)
    blob = _ntlm_auth("alice", "CORP", "PC-RH-01")
    ex(1, struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 88, len(blob), 0) + blob,
       lambda m: _smb2(1, m, struct.pack("<HHHH", 9, 0, 72, 0), resp=True))
    path = _u16("\\\\fs01\\rh")
    ex(3, struct.pack("<HHHH", 9, 0, 72, len(path)) + path,
       lambda m: _smb2(3, m, struct.pack("<HBBIII", 16, 1, 0, 0, 0, 0x1f01ff), resp=True))

    def create(name, fid, disposition, size):
        n = _u16(name)
        req = struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, 0x12019f, 0x80, 7, disposition, 0x40, 120, len(n),
                          0, 0) + n
        ft = 133787000000000000  # 2024-12-15T04:13:20Z
        rsp = struct.pack("<HBBIQQQQQQII", 89, 0, 0, 1, ft, ft, ft, ft, 0, size, 0x80, 0) + fid + bytes(8)
        ex(5, req, lambda m: _smb2(5, m, rsp, resp=True))

    def close(fid):
        ex(6, struct.pack("<HHI", 24, 0, 0) + fid, lambda m: _smb2(6, m, struct.pack("<HHI", 60, 0, 0) + bytes(52),
                                                                   resp=True))

    import pii
    affil, recs = pii.records(400)
    doc = pii.to_csv(recs)[:100000].ljust(100000, b"\n")
    create("paie\\salaires_d\u00e9c.csv", SMB2_FID_DOC, 5, 0)
    ex(9, struct.pack("<HHIQ", 49, 112, len(doc), 0) + SMB2_FID_DOC + bytes(16) + doc,
       lambda m: _smb2(9, m, struct.pack("<HHII", 17, 0, len(doc), 0) + bytes(8), resp=True))
    close(SMB2_FID_DOC)
    pdf = b"%PDF-1.4\n" + bytes((i * 31 + 7) & 0xff for i in range(3000)) + b"\n%%EOF\n"
    create("rapport.pdf", SMB2_FID_PDF, 1, len(pdf))
    ex(8, struct.pack("<HBBIQ", 49, 0x50, 0, len(pdf), 0) + SMB2_FID_PDF + bytes(16) + b"\x00",
       [lambda m: _smb2(8, m, struct.pack("<HBBI", 9, 0, 0, 0) + b"\x21", resp=True, status=0x103, async_id=0x55),
        lambda m: _smb2(8, m, struct.pack("<HBBIII", 17, 80, 0, len(pdf), 0, 0) + pdf, resp=True, async_id=0x55)])
    close(SMB2_FID_PDF)
    ex(4, struct.pack("<HH", 4, 0), lambda m: _smb2(4, m, struct.pack("<HH", 4, 0), resp=True))
    return out


def _smb1(cmd, mid, words, data, resp=False, tid=0x800, uid=0x64, status=0):
    return (b"\xffSMB" + struct.pack("<BIBHH8sHHHHH", cmd, status, 0x98 if resp else 0x18, 0xc807, 0, bytes(8), 0,
                                     tid, 0x4242, uid, mid) + bytes([len(words) // 2]) + words +
            struct.pack("<H", len(data)) + data)


def _smb1_session(c):
    """SMB1 over NetBIOS (port 139): session request, NT LM 0.12, \\\\FS02\\PUBLIC, upload of \\eicar with
    the WRITE_ANDX in the same segment as an ECHO (two NBSS records), close."""
    out = []
    req = b"\x81\x00\x00\x44" + b" " + b"CACACACACACACACACACACACACACACAAA" + b"\x00" + b" " + \
        b"EFFGEDEFCACACACACACACACACACACAAA" + b"\x00"
    out += send(c, 0, req) + send(c, 1, b"\x82\x00\x00\x00")
    dialects = b"".join(b"\x02" + d + b"\x00" for d in (b"PC NETWORK PROGRAM 1.0", b"LANMAN1.0", b"NT LM 0.12"))
    out += send(c, 0, _nb(_smb1(0x72, 1, b"", dialects, tid=0, uid=0)))
    out += send(c, 1, _nb(_smb1(0x72, 1, struct.pack("<HBHHIIII", 2, 3, 50, 1, 16644, 65536, 0, 0x8000f3fd) +
                                bytes(11), bytes(range(0x40, 0x50)), resp=True, tid=0, uid=0)))
    share = _u16("\\\\FS02\\PUBLIC") + b"\x00\x00"
    # header 32 + wc 1 + 8 + bc 2 = 43, password 1: the path starts aligned
    out += send(c, 0, _nb(_smb1(0x75, 2, struct.pack("<BBHHH", 0xff, 0, 0, 0, 1), b"\x00" + share + b"?????\x00")))
    out += send(c, 1, _nb(_smb1(0x75, 2, struct.pack("<BBHHH", 0xff, 0, 0, 1, 0), b"A:\x00NTFS\x00", resp=True)))
    name = _u16("\\eicar") + b"\x00\x00"
    words = struct.pack("<BBHBHIIIQIIIIIB", 0xff, 0, 0, 0, len(name) - 2, 0x16, 0, 0x2019f, 0, 0x80, 3, 5, 0x40, 2, 0)
    out += send(c, 0, _nb(_smb1(0xa2, 3, words, b"\x00" + name)))
    ft = 133787000000000000
    rw = struct.pack("<BBHBHIQQQQIQQHHB", 0xff, 0, 0, 0, 0x4001, 2, ft, ft, ft, ft, 0x80, 0, 0, 0, 0, 0)
    out += send(c, 1, _nb(_smb1(0xa2, 3, rw, b"", resp=True)))
    eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    echo = _nb(_smb1(0x2b, 4, struct.pack("<H", 1), b"\xf0" * 16, tid=0xffff))
    ww = struct.pack("<BBHHIIHHHHHI", 0xff, 0, 0, 0x4001, 0, 0, 0, 0, 0, len(eicar), 32 + 1 + 28 + 2 + 1, 0)
    write = _nb(_smb1(0x2f, 5, ww, b"\x00" + eicar))
    out += [c.pkt(0, "PA", echo + write), c.pkt(1, "A")]
    out += send(c, 1, _nb(_smb1(0x2b, 4, struct.pack("<H", 1), b"\xf0" * 16, resp=True, tid=0xffff)))
    out += send(c, 1, _nb(_smb1(0x2f, 5, struct.pack("<BBHHHHHH", 0xff, 0, 0, len(eicar), 0, 0, 0, 0), b"",
                                resp=True)))
    out += send(c, 0, _nb(_smb1(0x04, 6, struct.pack("<HI", 0x4001, 0xffffffff), b"")))
    out += send(c, 1, _nb(_smb1(0x04, 6, b"", b"", resp=True)))
    return out


def gen_smb(out):
    """smb.pcap: three SMB connections.
    192.168.20.10:50100 -> 192.168.20.2:445    SMB 3.1.1 (see _smb2_session), NTLMSSP user alice / domain CORP
    192.168.20.11:50200 -> 192.168.20.3:139    SMB1 over NetBIOS (see _smb1_session)
    192.168.20.12:50300 -> 192.168.20.4:8445   SMB2 NEGOTIATE on a port that is not SMB's (found by content)
    """
    c1 = TcpConn("192.168.20.10", "192.168.20.2", 50100, 445)
    c2 = TcpConn("192.168.20.11", "192.168.20.3", 50200, 139)
    c3 = TcpConn("192.168.20.12", "192.168.20.4", 50300, 8445)
    neg = struct.pack("<HHHHI", 36, 1, 1, 0, 0) + bytes(24) + struct.pack("<H", 0x0210)
    p3 = c3.handshake()
    p3 += send(c3, 0, _nb(_smb2(0, 0, neg, sess=0, tree=0))) + send(c3, 1, _nb(_smb2(
        0, 0, struct.pack("<HHHH", 65, 1, 0x0210, 0) + bytes(16) + struct.pack("<IIII", 0, 65536, 65536, 65536) +
        bytes(24), resp=True, sess=0, tree=0)))
    write_conv(os.path.join(out, "smb.pcap"),
               [c1.handshake(), _smb2_session(c1), c1.close(), c2.handshake(), _smb1_session(c2), c2.close(),
                p3, c3.close()])
def _h2_frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def _hp_lit(name, value):
    """HPACK literal field without indexing, new name, plain strings (RFC 7541 6.2.2)"""
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def gen_http2(out):
    """HTTP/2 over cleartext TCP (docs/http2.md). Flow 1 (port 8080, no port hint): prior knowledge; the client's
    preface, SETTINGS and a HEADERS + CONTINUATION request for /h2/index.html (its :authority Huffman-coded and
    indexed), cut in 7-byte segments; the server's SETTINGS, a HEADERS reply (200, gzip) and the gzip body as
    padded DATA; then a second request (stream 3) naming :authority from the dynamic table, answered 404 and
    reset (RST_STREAM CANCEL). Flow 2 (port 80): an HTTP/1.1 request with Upgrade: h2c and HTTP2-Settings,
    the 101 reply, then HTTP/2: the server's SETTINGS and the reply to the upgraded request on stream 1."""
    import gzip
    c = TcpConn("10.0.0.9", "10.0.0.80", 42000, 8080)
    body = b"<html>hello h2, compressed</html>"
    gz = gzip.compress(body, mtime=0)
    pre = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    cset = _h2_frame(4, 0, 0, bytes.fromhex("000300000064000400010000"))
    blk = (b"\x82\x87" + b"\x41\x8c" + bytes.fromhex("f1e3c2e5f23a6ba0ab90f4ff") + b"\x44\x0e/h2/index.html" +
           _hp_lit(b"user-agent", b"ribat-test/2") + _hp_lit(b"x-long-header", b"v" * 60))
    req1 = _h2_frame(1, 0x01, 1, blk[:20]) + _h2_frame(9, 0x04, 1, blk[20:])
    req3 = _h2_frame(1, 0x05, 3, b"\x82\x87\xbf\x44\x08/missing")  # 63: the :authority of stream 1
    sset = _h2_frame(4, 0, 0, bytes.fromhex("000100001000")) + _h2_frame(4, 1, 0)
    resp1 = (_h2_frame(1, 0x04, 1, b"\x88" + _hp_lit(b"content-encoding", b"gzip") +
                       _hp_lit(b"content-type", b"text/html")) +
             _h2_frame(0, 0x09, 1, bytes([4]) + gz + b"\x00" * 4))
    resp3 = _h2_frame(1, 0x04, 3, b"\x8d") + _h2_frame(3, 0, 3, struct.pack(">I", 8))
    conv1 = c.handshake() + send(c, 0, pre + cset) + send(c, 1, sset) + send(c, 0, _h2_frame(4, 1, 0) + req1, 7)
    conv1 += send(c, 1, resp1) + send(c, 0, req3) + send(c, 1, resp3) + c.close()

    u = TcpConn("10.0.0.10", "10.0.0.80", 42001, 80)
    up = (b"GET /up HTTP/1.1\r\nHost: upgrade.example.ma\r\nUser-Agent: curl/8\r\n"
          b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
    sw = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
    uresp = (_h2_frame(4, 0, 0, bytes.fromhex("00030000006400011000")[:6]) +
             _h2_frame(1, 0x04, 1, b"\x8d" + _hp_lit(b"content-length", b"9")) +
             _h2_frame(0, 0x01, 1, b"not found"))
    conv2 = u.handshake() + send(u, 0, up) + send(u, 1, sw + uresp) + send(u, 0, pre + cset) + u.close()
    write_conv(os.path.join(out, "http2.pcap"), [conv1, conv2])
def gen_http_port53(out):
    """HTTP over TCP port 53 (found by its patterns before DNS's port-based probe, as Suricata), with a
    %-encoded query (http.uri has it decoded)."""
    c = TcpConn("10.0.0.8", "10.0.0.53", 42000, 53)
    req = b"GET /look?q=%41%42 HTTP/1.1\r\nHost: ns\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    write_conv(os.path.join(out, "http_port53.pcap"),
               [c.handshake() + [c.pkt(0, "PA", req), c.pkt(1, "PA", resp), c.pkt(0, "A")] + c.close()])


def _der(tag, body):
    n = len(body)
    if n < 128:
        return bytes([tag, n]) + body
    return bytes([tag, 0x82, n >> 8, n & 255]) + body


def _kctx(k, body):
    return _der(0xa0 | k, body)


def _kint(k, v):
    return _kctx(k, _der(0x02, bytes([v & 255])))


def _kgs(k, s):
    return _kctx(k, _der(0x1b, s.encode()))


def _kprincipal(k, *names):
    return _kctx(k, _der(0x30, _kint(0, 1 if len(names) == 1 else 2) +
                         _kctx(1, _der(0x30, b"".join(_der(0x1b, n.encode()) for n in names)))))


def _kenc(k, etype):
    return _kctx(k, _der(0x30, _kint(0, etype) + _kctx(2, _der(0x04, b"\x5a" * 48))))


def krb5_req(app, msg, user, realm, svc, host):
    body = _kctx(0, _der(0x03, b"\x00\x40\x81\x00\x10")) + (_kprincipal(1, user) if user else b"") + \
        _kgs(2, realm) + _kprincipal(3, svc, host) + _kctx(5, _der(0x18, b"20370913024805Z")) + \
        _kctx(7, _der(0x02, b"\x12\x34\x56\x78")) + \
        _kctx(8, _der(0x30, _der(0x02, b"\x12") + _der(0x02, b"\x17")))
    return _der(app, _der(0x30, _kint(1, 5) + _kint(2, msg) + _kctx(4, _der(0x30, body))))


def krb5_rep(app, msg, user, realm, svc, host, etype, ticket_etype):
    ticket = _der(0x61, _der(0x30, _kint(0, 5) + _kgs(1, realm) + _kprincipal(2, svc, host) + _kenc(3, ticket_etype)))
    return _der(app, _der(0x30, _kint(0, 5) + _kint(1, msg) + _kgs(3, realm) + _kprincipal(4, user) +
                          _kctx(5, ticket) + _kenc(6, etype)))


def krb5_error(code, realm):
    return _der(0x7e, _der(0x30, _kint(0, 5) + _kint(1, 30) + _kctx(4, _der(0x18, b"20261127220000Z")) +
                           _kint(5, 0) + _kint(6, code) + _kgs(9, realm) + _kprincipal(10, "krbtgt", realm)))


def gen_krb5(out):
    """Kerberos 5 (docs/krb5.md): over TCP an AS exchange whose reply uses RC4 for the session key (AS-REQ,
    KRB-ERROR pre-authentication required, AS-REQ, AS-REP: krb5.weak_encryption); over UDP a TGS exchange
    with AES (no event)."""
    realm = "CNSS.EXAMPLE.MA"
    c = TcpConn("10.20.0.15", "10.20.0.2", 49820, 88)
    rec = lambda m: struct.pack("!I", len(m)) + m  # noqa: E731
    req = rec(krb5_req(0x6a, 10, "agent.rh", realm, "krbtgt", realm))
    conv = c.handshake() + send(c, 0, req) + send(c, 1, rec(krb5_error(25, realm))) + send(c, 0, req) + \
        send(c, 1, rec(krb5_rep(0x6b, 11, "agent.rh", realm, "krbtgt", realm, 23, 18))) + c.close()
    w = PcapWriter(os.path.join(out, "krb5.pcap"))
    t = T0
    for p in conv:
        w.write(t, p)
        t += 0.001
    q = krb5_req(0x6c, 12, None, realm, "HTTP", "intranet.example.ma")
    r = krb5_rep(0x6d, 13, "agent.rh", realm, "HTTP", "intranet.example.ma", 18, 18)
    w.write(t + 0.01, eth(ipv4("10.20.0.15", "10.20.0.2", 17, udp("10.20.0.15", "10.20.0.2", 55001, 88, q))))
    w.write(t + 0.02, eth(ipv4("10.20.0.2", "10.20.0.15", 17, udp("10.20.0.2", "10.20.0.15", 88, 55001, r))))
    w.close()


def gen_tcp_fastopen(out):
    """TCP Fast Open: the request (without Host) rides on the SYN, the server answers 400 and closes before the
    client's ACK ends the handshake, then the client resets."""
    c = TcpConn("10.0.0.50", "10.0.0.61", 56288, 80)
    req = b"GET /index.php HTTP/1.1\r\nUser-Agent: tfo\r\n\r\n"
    resp = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    write_conv(os.path.join(out, "tcp_fastopen.pcap"),
               [[c.pkt(0, "S", req), c.pkt(1, "SA"), c.pkt(1, "PA", resp), c.pkt(1, "FA"), c.pkt(0, "A"),
                 c.pkt(0, "RA")]])


def gen_ip_protos(out):
    """IP protocols without a decoder: 116 (DDX), 143 (Ethernet), 200 (unassigned): EVE names them as
    Suricata does (IANA keywords, digits when unassigned)."""
    w = PcapWriter(os.path.join(out, "ip_protos.pcap"))
    for i, proto in enumerate((116, 143, 200)):
        w.write(T0 + i * 0.01, eth(ipv4("10.0.0.1", "10.0.0.%d" % (10 + i), proto, b"\x00" * 20)))
    w.close()


def gen_one_direction(out):
    """Protocol detection in one direction only (Suricata's APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION):
    a 137-byte binary request answered by HTTP (the event), a 20-byte one answered by HTTP (too short for
    Suricata's pattern matcher to give up: no event), and a ClientHello refused with a TLS alert (TLS in
    both directions: no event)."""
    import random
    rnd = random.Random(5)
    resp = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    convs = []
    for port, n in ((42001, 137), (42002, 20)):
        c = TcpConn("10.0.0.8", "10.0.0.80", port, 80)
        junk = bytes([0x3c]) + bytes(rnd.randrange(0x80, 0x100) for _ in range(n - 1))
        convs.append(c.handshake() + send(c, 0, junk) + send(c, 1, resp) + c.close())
    c = TcpConn("10.0.0.8", "10.0.0.43", 42003, 443)
    alert = b"\x15\x03\x01\x00\x02\x02\x28"
    convs.append(c.handshake() + send(c, 0, tls_client_hello("one.example.ma")) + send(c, 1, alert) + c.close())
    write_conv(os.path.join(out, "one_direction.pcap"), convs)


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
    gen_dcerpc(out)
    gen_bypass(out)
    gen_smb(out)
    gen_http2(out)
    gen_smtp(out)
    gen_http_port53(out)
    gen_ip_protos(out)
    gen_tcp_fastopen(out)
    gen_krb5(out)
    gen_one_direction(out)


if __name__ == "__main__":
    main()
