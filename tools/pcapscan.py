#!/usr/bin/python3
"""pcapscan.py — a small pcap / pcapng reader for the benchmark and comparison scripts.

Library (imported by bench/run.py, tools/flowcmp.py):
    scan(path)            -> {"format", "linktypes", "packets", "bytes", "wire_bytes", "error", "good_end"}
                             (a damaged pcap: counts cover its sound part, the first good_end bytes)
    compat_pcaps(tests)   -> sorted list of unique pcap paths used by the compat tests' folders

Command line:
    tools/pcapscan.py FILE...                  one line per file: format, link types, packets, bytes
    tools/pcapscan.py --compat-list TESTS_DIR  "linktypes<TAB>packets<TAB>status<TAB>path" for each
                                               compat pcap; status "ok", "cut@N" (damaged pcap whose
                                               first N bytes hold the sound packets) or "bad"

Only stdlib (+ PyYAML for --compat-list / compat_pcaps). "bytes" is the sum of captured lengths
(what an engine reads), "wire_bytes" the sum of original lengths.
"""
import glob
import os
import struct
import sys

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",   # microsecond
    b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">",   # nanosecond
}
PCAPNG_SHB = 0x0A0D0D0A


def _scan_pcap(f, endian, res):
    hdr = f.read(20)  # rest of the 24-byte global header (magic already read)
    if len(hdr) < 20:
        raise ValueError("truncated pcap header")
    res["linktypes"] = [struct.unpack(endian + "I", hdr[16:20])[0] & 0x0FFFFFFF]
    size = os.fstat(f.fileno()).st_size
    rec = struct.Struct(endian + "IIII")
    read, seek = f.read, f.seek
    packets = nbytes = wire = 0
    good = 24                       # offset just after the last complete packet
    error = None
    while True:
        h = read(16)
        if not h:
            break
        if len(h) < 16:
            error = "truncated record header"
            break
        _, _, caplen, origlen = rec.unpack(h)
        if caplen > 262144:         # libpcap's and Wireshark's limit
            error = "implausible packet length %d" % caplen
            break
        if good + 16 + caplen > size:
            error = "truncated packet data"
            break
        seek(caplen, 1)
        good += 16 + caplen
        packets += 1
        nbytes += caplen
        wire += origlen
    res.update(packets=packets, bytes=nbytes, wire_bytes=wire)
    if error:
        # the first `packets` packets are sound: the file's first `good_end` bytes are a valid pcap
        res["good_end"] = good
        raise ValueError("%s after %d packets" % (error, packets))


def _scan_pcapng(f, first4, res):
    endian = "<"
    linktypes = []          # per interface, in the current section
    all_links = []
    packets = nbytes = wire = 0
    block = first4
    while True:
        if block is None:
            block = f.read(4)
        if not block:
            break
        if len(block) < 4:
            raise ValueError("truncated block")
        head = f.read(4)
        if len(head) < 4:
            raise ValueError("truncated block header")
        if struct.unpack("<I", block)[0] == PCAPNG_SHB:
            bom = f.read(4)
            endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            if bom not in (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d"):
                raise ValueError("bad pcapng byte-order magic")
            btype = PCAPNG_SHB
            blen = struct.unpack(endian + "I", head)[0]
            body = bom + f.read(blen - 12)
            linktypes = []
        else:
            btype = struct.unpack(endian + "I", block)[0]
            blen = struct.unpack(endian + "I", head)[0]
            if blen < 12 or blen % 4:
                raise ValueError("bad block length %d" % blen)
            body = f.read(blen - 8)
        if len(body) < blen - 8:
            raise ValueError("truncated block after %d packets" % packets)
        if btype == 1:                      # Interface Description Block
            lt = struct.unpack(endian + "H", body[0:2])[0]
            linktypes.append(lt)
            if lt not in all_links:
                all_links.append(lt)
        elif btype == 6:                    # Enhanced Packet Block
            iface, _, _, caplen, origlen = struct.unpack(endian + "IIIII", body[0:20])
            if iface >= len(linktypes):
                raise ValueError("packet on undeclared interface %d" % iface)
            packets += 1
            nbytes += caplen
            wire += origlen
        elif btype == 3:                    # Simple Packet Block
            origlen = struct.unpack(endian + "I", body[0:4])[0]
            packets += 1
            nbytes += min(origlen, len(body) - 8)
            wire += origlen
        elif btype == 2:                    # obsolete Packet Block
            _, _, _, _, caplen, origlen = struct.unpack(endian + "HHIIII", body[0:20])
            packets += 1
            nbytes += caplen
            wire += origlen
        block = None
    res.update(linktypes=all_links, packets=packets, bytes=nbytes, wire_bytes=wire)


def scan(path):
    """Read a pcap or pcapng file; never raises for bad content (see "error")."""
    res = {"path": path, "format": None, "linktypes": [], "packets": 0, "bytes": 0,
           "wire_bytes": 0, "error": None, "good_end": None}
    try:
        with open(path, "rb", buffering=1 << 20) as f:
            magic = f.read(4)
            if magic in PCAP_MAGICS:
                res["format"] = "pcap"
                _scan_pcap(f, PCAP_MAGICS[magic], res)
            elif magic == b"\x0a\x0d\x0d\x0a":
                res["format"] = "pcapng"
                _scan_pcapng(f, magic, res)
            else:
                raise ValueError("not a pcap or pcapng file")
    except (OSError, ValueError, struct.error) as e:
        res["error"] = str(e)
    return res


def compat_pcaps(tests_dir):
    """Pcaps of the compat tests: each test folder's own pcap(s) or the one its test.yaml
    names with `pcap:`; `pcap: false` means none. Deduplicated by real path and by content
    (byte-identical copies in several folders count once: the first path in sorted order)."""
    import hashlib
    import yaml
    found = set()
    for dirpath, dirnames, filenames in os.walk(tests_dir, followlinks=True):
        dirnames.sort()
        if "test.yaml" not in filenames:
            continue
        cfg = {}
        try:
            with open(os.path.join(dirpath, "test.yaml"), "rb") as fh:
                cfg = yaml.safe_load(fh) or {}
        except (OSError, yaml.YAMLError):
            pass
        if isinstance(cfg, dict) and "pcap" in cfg:
            if cfg["pcap"]:
                p = os.path.normpath(os.path.join(dirpath, str(cfg["pcap"])))
                if os.path.exists(p):
                    found.add(os.path.realpath(p))
            continue
        for p in glob.glob(os.path.join(dirpath, "*.pcap")) + glob.glob(os.path.join(dirpath, "*.pcapng")):
            found.add(os.path.realpath(p))
    unique, seen = [], set()
    for p in sorted(found):
        with open(p, "rb") as fh:
            digest = hashlib.sha256(fh.read()).digest()
        if digest not in seen:
            seen.add(digest)
            unique.append(p)
    return unique


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    if argv[0] == "--compat-list":
        if len(argv) != 2 or not os.path.isdir(argv[1]):
            sys.stderr.write("pcapscan: --compat-list needs an existing tests folder\n")
            return 2
        for p in compat_pcaps(argv[1]):
            r = scan(p)
            lt = ",".join(str(x) for x in r["linktypes"]) or "none"
            status = "ok" if not r["error"] else "cut@%d" % r["good_end"] if r["good_end"] else "bad"
            print("%s\t%d\t%s\t%s" % (lt, r["packets"], status, p))
        return 0
    rc = 0
    for p in argv:
        r = scan(p)
        if r["error"]:
            rc = 1
        print("%s: %s linktypes=%s packets=%d bytes=%d wire_bytes=%d%s" % (
            p, r["format"], ",".join(map(str, r["linktypes"])), r["packets"], r["bytes"],
            r["wire_bytes"], " ERROR: " + r["error"] if r["error"] else ""))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
