#!/usr/bin/python3
"""alertcmp.py -- compare ribat's alerts with Suricata 7's: the set of (signature id, flow) pairs. A report.

    tools/alertcmp.py --ribat build/ribat --rules RULES [--capture PCAP ...] [--compat] [--jobs 2] [--out report.md]

--capture: the given captures with the given rules (e.g. the lab capture with ET Open).
--compat:  every test folder of ../shared/compat/tests with its own test.rules plus --rules.
Both engines run with Debian's suricata.yaml defaults (-k none). An alert is identified by (sid, proto, the two
endpoints of its flow in a fixed order); the report gives how many of Suricata's distinct alert keys ribat has
too, and how many keys ribat adds, overall and per sid.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flowcmp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def alert_keys(eve):
    keys = set()
    if not os.path.exists(eve):
        return keys
    with open(eve, "rb") as f:
        for line in f:
            if b'"alert"' not in line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event_type") != "alert":
                continue
            ends = sorted([(str(e.get("src_ip")), e.get("src_port") or 0), (str(e.get("dest_ip")), e.get("dest_port") or 0)])
            keys.add((e["alert"]["signature_id"], e.get("proto"), tuple(ends)))
    return keys


def one(job, sur, rib, work, timeout):
    pcap, rules = job
    base = os.path.join(work, "%08x" % (hash((pcap, tuple(rules))) & 0xFFFFFFFF))
    merged = base + ".rules"
    with open(merged, "w") as out:
        for r in rules:
            with open(r, errors="replace") as f:
                out.write(f.read() + "\n")
    res = {"pcap": pcap, "errors": []}
    e1 = flowcmp.run_engine(sur + ["-S", merged, "-l", base + "-s", "-r", pcap], base + "-s", timeout)
    e2 = flowcmp.run_engine([rib[0], "-q", "-k", "none", "-S", merged, "-r", pcap, "-l", base + "-r"] + rib[1:],
                            base + "-r", timeout)
    if e1:
        res["errors"].append("suricata: " + e1)
    if e2:
        res["errors"].append("ribat: " + e2)
    res["s"] = alert_keys(os.path.join(base + "-s", "eve.json"))
    res["r"] = alert_keys(os.path.join(base + "-r", "eve.json"))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ribat", required=True)
    ap.add_argument("--suricata", default="suricata")
    ap.add_argument("--rules", action="append", default=[])
    ap.add_argument("--capture", action="append", default=[])
    ap.add_argument("--compat", action="store_true")
    ap.add_argument("--tests", default=os.path.join(HERE, "..", "..", "shared", "compat", "tests"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--out")
    a = ap.parse_args()
    rib = flowcmp.resolve_cmd(a.ribat, "ribat")
    sur = flowcmp.resolve_cmd(a.suricata, "suricata") + ["-k", "none", "--set", "unix-command.enabled=auto"]
    jobs = [(c, list(a.rules)) for c in a.capture]
    if a.compat:
        import pcapscan  # noqa: E402
        tests = os.path.abspath(a.tests)
        for d in sorted(os.listdir(tests)):
            tr = os.path.join(tests, d, "test.rules")
            pc = [p for p in pcapscan.compat_pcaps(tests) if os.path.dirname(p) == os.path.join(tests, d)]
            if os.path.exists(tr) and pc:
                jobs.append((pc[0], [tr] + list(a.rules)))
    work = tempfile.mkdtemp(prefix="alertcmp-")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            results = list(ex.map(lambda j: one(j, sur, rib, work, a.timeout), jobs))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    s_all = r_all = both = 0
    missing = collections.Counter()
    extra = collections.Counter()
    where = collections.defaultdict(set)  # (kind, sid) -> captures (the test's folder name)
    for x in results:
        s_all += len(x["s"])
        r_all += len(x["r"])
        both += len(x["s"] & x["r"])
        name = os.path.basename(os.path.dirname(x["pcap"])) or x["pcap"]
        for k in x["s"] - x["r"]:
            missing[k[0]] += 1
            where[("m", k[0])].add(name)
        for k in x["r"] - x["s"]:
            extra[k[0]] += 1
            where[("e", k[0])].add(name)
    lines = ["# Alerts: ribat vs Suricata 7", "",
             "| | |", "|---|---:|",
             "| runs | %d (%d with errors) |" % (len(results), sum(1 for x in results if x["errors"])),
             "| Suricata alert keys (sid, flow) | %d |" % s_all,
             "| ... also raised by ribat | %d (%.2f %%) |" % (both, 100.0 * both / max(1, s_all)),
             "| ribat alert keys | %d |" % r_all,
             "| ribat-only keys | %d (%.2f %% of Suricata's) |" % (r_all - both, 100.0 * (r_all - both) / max(1, s_all))]
    summary = list(lines)
    lines += ["", "## Missing in ribat, by sid", ""] + [
        "- %d: %d (%s)" % (sid, n, ", ".join(sorted(where[("m", sid)]))) for sid, n in missing.most_common()]
    lines += ["", "## Extra in ribat, by sid", ""] + [
        "- %d: %d (%s)" % (sid, n, ", ".join(sorted(where[("e", sid)]))) for sid, n in extra.most_common()]
    lines += ["", "## Errors", ""] + ["- %s: %s" % (x["pcap"], "; ".join(x["errors"])) for x in results if x["errors"]]
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
