#!/usr/bin/python3
"""appcmp.py -- compare ribat's application-layer records (http, dns, tls, ssh, fileinfo) with Suricata 7's
over every pcap of the shared conformance tests. A report, not a test.

    tools/appcmp.py --ribat build/ribat [--tests /work/shared/compat/tests] [--jobs 2] [--out report.md]
                    [PATTERN ...]

Both engines run as in tools/flowcmp.py (Suricata with Debian's suricata.yaml, -k none, no rules). Per pcap the
number of records of each type is compared; records are then paired per (type, flow 5-tuple) in file order and
their key fields compared:
    http: http.url, http.hostname, http.status          dns: dns.rrname, dns.rrtype, dns.rcode, dns.type
    tls: tls.sni, tls.version, tls.ja3.hash (when Suricata logs it), tls.subject, tls.serial
    ssh: ssh.client.software_version, ssh.server.software_version
    fileinfo: fileinfo.filename, fileinfo.size, fileinfo.state
The issue's key fields (url, hostname, status, rrname, rrtype, rcode, sni, ja3 hash, version) are also
reported on their own. Prints: pcaps whose counts are all equal (of all pcaps, and of those where either engine logged such records),
and the share of matched records whose key fields are equal, then every difference.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flowcmp  # noqa: E402
import pcapscan  # noqa: E402

TYPES = ("http", "dns", "tls", "ssh", "fileinfo")
KEY_FIELDS = {"http.url", "http.hostname", "http.status", "dns.rrname", "dns.rrtype", "dns.rcode", "tls.sni",
              "tls.ja3.hash", "tls.version"}
FIELDS = {
    "http": ("http.url", "http.hostname", "http.status"),
    "dns": ("dns.type", "dns.rrname", "dns.rrtype", "dns.rcode"),
    "tls": ("tls.sni", "tls.version", "tls.ja3.hash", "tls.subject", "tls.serial"),
    "ssh": ("ssh.client.software_version", "ssh.server.software_version"),
    "fileinfo": ("fileinfo.filename", "fileinfo.size", "fileinfo.state"),
}


def get(rec, dotted):
    cur = rec
    for p in dotted.split("."):
        if not isinstance(cur, dict) or p not in cur:
            return None
        cur = cur[p]
    return cur


def read_app(eve):
    out = {t: {} for t in TYPES}
    with open(eve, "rb") as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            t = e.get("event_type")
            if t not in out:
                continue
            ends = sorted([(e.get("src_ip"), e.get("src_port")), (e.get("dest_ip"), e.get("dest_port"))],
                          key=lambda x: (str(x[0]), x[1] or 0))
            key = (e.get("proto"), tuple(ends))
            out[t].setdefault(key, []).append(e)
    return out


def compare(pcap, sur_argv, rib_argv, workdir, timeout):
    base = os.path.join(workdir, "%08x" % (hash(pcap) & 0xFFFFFFFF))
    sdir, rdir = base + "-s", base + "-r"
    res = {"pcap": pcap, "errors": [], "counts": {}, "fields_total": 0, "fields_equal": 0, "diffs": [],
           "key_total": 0, "key_equal": 0}
    err = flowcmp.run_engine(sur_argv + ["-l", sdir, "-r", pcap], sdir, timeout)
    if err:
        res["errors"].append("suricata: " + err)
    rerr = flowcmp.run_engine([rib_argv[0], "-q", "-k", "none", "-r", pcap, "-l", rdir] + rib_argv[1:], rdir, timeout)
    if rerr:
        res["errors"].append("ribat: " + rerr)
    if err or rerr:
        return res
    s = read_app(os.path.join(sdir, "eve.json"))
    r = read_app(os.path.join(rdir, "eve.json"))
    for t in TYPES:
        sc = sum(len(v) for v in s[t].values())
        rc = sum(len(v) for v in r[t].values())
        res["counts"][t] = (sc, rc)
        for key, srecs in s[t].items():
            rrecs = r[t].get(key, [])
            for i, se in enumerate(srecs):
                if i >= len(rrecs):
                    break
                re_ = rrecs[i]
                for fld in FIELDS[t]:
                    sv = get(se, fld)
                    if sv is None:
                        continue
                    res["fields_total"] += 1
                    rv = get(re_, fld)
                    if fld in KEY_FIELDS:
                        res["key_total"] += 1
                        res["key_equal"] += sv == rv
                    if sv == rv:
                        res["fields_equal"] += 1
                    else:
                        res["diffs"].append("%s %s %s: suricata %r, ribat %r" % (t, key, fld, sv, rv))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ribat", required=True)
    ap.add_argument("--suricata", default="suricata")
    ap.add_argument("--tests", default="/work/shared/compat/tests")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--out")
    ap.add_argument("patterns", nargs="*")
    a = ap.parse_args()
    rib_argv = flowcmp.resolve_cmd(a.ribat, "ribat")
    sur_argv = flowcmp.resolve_cmd(a.suricata, "suricata") + [
        "--init-errors-fatal", "-k", "none", "-S", "/dev/null", "--set", "unix-command.enabled=auto"]
    pcaps = [p for p in pcapscan.compat_pcaps(os.path.abspath(a.tests))
             if not a.patterns or any(x in p for x in a.patterns)]
    workdir = tempfile.mkdtemp(prefix="appcmp-")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            results = list(ex.map(lambda p: compare(p, sur_argv, rib_argv, workdir, a.timeout), pcaps))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ok = [x for x in results if not x["errors"]]
    main_types = ("http", "dns", "tls", "ssh")
    equal_all = sum(1 for x in ok if all(x["counts"][t][0] == x["counts"][t][1] for t in main_types))
    with_app = [x for x in ok if any(x["counts"][t] != (0, 0) for t in main_types)]
    equal_app = sum(1 for x in with_app if all(x["counts"][t][0] == x["counts"][t][1] for t in main_types))
    ftot = sum(x["fields_total"] for x in ok)
    feq = sum(x["fields_equal"] for x in ok)
    ktot = sum(x["key_total"] for x in ok)
    ktot_eq = sum(x["key_equal"] for x in ok)
    lines = ["# Application-layer records: ribat vs Suricata 7", "",
             "| | |", "|---|---:|",
             "| pcaps compared | %d (%d could not run) |" % (len(ok), len(results) - len(ok)),
             "| http/dns/tls/ssh counts equal, all pcaps | %d (%.2f %%) |" % (equal_all, 100.0 * equal_all / max(1, len(ok))),
             "| ... of the %d pcaps with such records | %d (%.2f %%) |" % (len(with_app), equal_app,
                                                                         100.0 * equal_app / max(1, len(with_app))),
             "| all compared fields equal in matched records | %d of %d (%.2f %%) |" % (feq, ftot, 100.0 * feq / max(1, ftot)),
             "| the issue's key fields (url, hostname, status, rrname, rrtype, rcode, sni, ja3, version) | %d of %d (%.2f %%) |"
             % (ktot_eq, ktot, 100.0 * ktot_eq / max(1, ktot))]
    for t in TYPES:
        sc = sum(x["counts"][t][0] for x in ok)
        rc = sum(x["counts"][t][1] for x in ok)
        lines.append("| %s records (suricata / ribat) | %d / %d |" % (t, sc, rc))
    summary = list(lines)
    lines += ["", "## Pcaps with different counts", ""]
    for x in ok:
        bad = [t for t in TYPES if x["counts"][t][0] != x["counts"][t][1]]
        if bad:
            lines.append("- %s: %s" % (os.path.relpath(x["pcap"], a.tests),
                                       ", ".join("%s %d/%d" % (t, *x["counts"][t]) for t in bad)))
    lines += ["", "## Field differences", ""]
    for x in ok:
        for d in x["diffs"]:
            lines.append("- %s: %s" % (os.path.relpath(x["pcap"], a.tests), d))
    lines += ["", "## Could not run", ""]
    for x in results:
        if x["errors"]:
            lines.append("- %s: %s" % (x["pcap"], "; ".join(x["errors"])))
    if a.out:
        with open(a.out, "w") as f:
            f.write("\n".join(lines) + "\n")
        print("\n".join(summary))
        print("full report: %s" % a.out)
    else:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
