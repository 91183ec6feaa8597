"""gen_http_files.py -- a capture of 1000 HTTP downloads of 32 KiB each (distinct contents), for
measuring the file store: /usr/bin/python3 bench/gen_http_files.py OUT.pcap (docs/http.md)."""
import os, sys, random
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'data'))
from pktgen import PcapWriter, TcpConn
w = PcapWriter(sys.argv[1] if len(sys.argv) > 1 else 'bench_http.pcap')
t = 1700000000.0
rnd = random.Random(7)
for i in range(1000):
    c = TcpConn("10.1.%d.%d" % (i // 250, i % 250 + 1), "10.9.0.1", 30000 + i, 80)
    body = bytes(rnd.getrandbits(8) for _ in range(16)) * 2048  # 32 KiB, distinct per flow
    req = ("GET /f%d.bin HTTP/1.1\r\nHost: x\r\n\r\n" % i).encode()
    hdr = b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    pk = c.handshake() + [c.pkt(0, "PA", req), c.pkt(1, "A")]
    data = hdr + body
    for o in range(0, len(data), 1400):
        pk += [c.pkt(1, "A", data[o:o+1400]), c.pkt(0, "A")]
    pk += c.close()
    for p in pk:
        w.write(t, p); t += 0.0001
w.close()
