#!/usr/bin/python3
"""flowcmp.py — compare ribat's flow records with Suricata 7's over every compat-test pcap. A report.

    tools/flowcmp.py --ribat build/ribat [--tests /work/shared/compat/tests] [--jobs 2]
                     [--out report.md] [--json report.json] [PATTERN ...]

For each pcap of the compat tests (a test folder's own pcap(s), or the one its test.yaml names with
`pcap:`; each file once, byte-identical copies once; PATTERNs keep only paths containing one of them):

    suricata --init-errors-fatal -k none -l OUT -r PCAP -S /dev/null --set unix-command.enabled=auto
    RIBAT -k none -r PCAP -l OUT [RIBAT_ARGS]

(Debian's /etc/suricata/suricata.yaml; both with TZ=UTC.) The `flow` events of both eve.json files are
matched by key (proto, src_ip, src_port, dest_ip, dest_port, vlan list); flows sharing a key (port reuse)
are paired first by equal flow.start, then in order of flow.start. A Suricata flow agrees when its ribat
partner has the same pkts_toserver, pkts_toclient, bytes_toserver and bytes_toclient.

Prints totals (Suricata flows, agreeing, %, ribat-only flows), a per-pcap summary and every disagreement
with both sides' numbers, grouped by pcap. With --out the full report goes to that file (Markdown) and
stdout gets the summary. --ribat may be a command with arguments, e.g. to check the tool itself:
    tools/flowcmp.py --ribat "suricata --set unix-command.enabled=auto"      (must give 100 %)
Exit 0 (whatever the figures), 1 if an engine failed on some pcap (listed), 2 if it cannot start at all.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapscan  # noqa: E402

COUNTS = ("pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient")


def die(msg):
    sys.stderr.write("flowcmp: %s\n" % msg)
    sys.exit(2)


def resolve_cmd(cmd, what):
    argv = shlex.split(cmd)
    if not argv:
        die("empty %s command" % what)
    exe = argv[0]
    found = shutil.which(exe) if os.sep not in exe else (exe if os.access(exe, os.X_OK) else None)
    if not found:
        die("%s binary %r not found or not executable" % (what, exe))
    return [os.path.abspath(found)] + argv[1:]


def run_engine(argv, outdir, timeout):
    """Run one engine; return None on success or an error string."""
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, TZ="UTC")
    try:
        with open(os.path.join(outdir, "console.log"), "wb") as log:
            p = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               cwd=outdir, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timed out after %d s" % timeout
    except OSError as e:
        return "cannot run: %s" % e
    if p.returncode != 0:
        with open(os.path.join(outdir, "console.log"), "rb") as f:
            tail = f.read()[-400:].decode("utf-8", "replace").strip().splitlines()[-3:]
        return "exit status %d: %s" % (p.returncode, " | ".join(tail))
    if not os.path.exists(os.path.join(outdir, "eve.json")):
        return "no eve.json written"
    return None


def parse_time(s):
    try:
        return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    except (TypeError, ValueError):
        return None


def read_flows(eve):
    """{key: [flow record, ...] sorted by start}; bad lines are counted, not fatal."""
    flows, bad = {}, 0
    with open(eve, "rb") as f:
        for n, line in enumerate(f):
            if b'"flow"' not in line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if e.get("event_type") != "flow":
                continue
            fl = e.get("flow") or {}
            key = (e.get("proto"), e.get("src_ip"), e.get("src_port"), e.get("dest_ip"),
                   e.get("dest_port"), tuple(e.get("vlan") or ()))
            rec = {c: fl.get(c) for c in COUNTS}
            rec.update(start=fl.get("start"), t=parse_time(fl.get("start")), state=fl.get("state"),
                       reason=fl.get("reason"), app_proto=e.get("app_proto"), line=n)
            flows.setdefault(key, []).append(rec)
    for lst in flows.values():
        lst.sort(key=lambda r: (r["t"] is None, r["t"] or 0, r["start"] or "", r["line"]))
    return flows, bad


def pair(sflows, rflows):
    """Pair the flows of one key: equal start first, then the rest in start order.
    Returns [(s, r or None)], [unmatched ribat flows]."""
    rleft = list(rflows)
    out = [None] * len(sflows)
    for i, s in enumerate(sflows):
        for j, r in enumerate(rleft):
            if s["start"] is not None and r["start"] == s["start"]:
                out[i] = r
                del rleft[j]
                break
    rest = iter(sorted(rleft, key=lambda r: (r["t"] is None, r["t"] or 0, r["line"])))
    for i in range(len(sflows)):
        if out[i] is None:
            out[i] = next(rest, None)
    return list(zip(sflows, out)), list(rest)


def compare_pcap(pcap, sur_argv, rib_argv, workdir, timeout):
    name = os.path.basename(os.path.dirname(pcap)) + "/" + os.path.basename(pcap)
    base = os.path.join(workdir, "%08x" % (hash(pcap) & 0xFFFFFFFF))
    res = {"pcap": pcap, "errors": [], "suricata_flows": 0, "agree": 0, "missing": [], "differ": [],
           "extra": []}
    sdir, rdir = base + "-suricata", base + "-ribat"
    err = run_engine(sur_argv + ["-l", sdir, "-r", pcap], sdir, timeout)
    if err:
        res["errors"].append("suricata: " + err)
    # ribat: `ribat -k none -r PCAP -l OUT` + its extra arguments
    rerr = run_engine([rib_argv[0], "-k", "none", "-r", pcap, "-l", rdir] + rib_argv[1:], rdir, timeout)
    if rerr:
        res["errors"].append("ribat: " + rerr)
    if err or rerr:
        return res
    sflows, _ = read_flows(os.path.join(sdir, "eve.json"))
    rflows, rbad = read_flows(os.path.join(rdir, "eve.json"))
    if rbad:
        res["errors"].append("ribat: %d eve.json lines are not JSON" % rbad)
    for key in sorted(set(sflows) | set(rflows), key=lambda k: tuple(str(x) for x in k)):
        pairs, extra = pair(sflows.get(key, []), rflows.get(key, []))
        for s, r in pairs:
            res["suricata_flows"] += 1
            if r is None:
                res["missing"].append((key, s))
            elif all(s[c] == r[c] for c in COUNTS):
                res["agree"] += 1
            else:
                res["differ"].append((key, s, r))
        res["extra"] += [(key, r) for r in extra]
    return res


def fmt_key(k):
    proto, sip, sp, dip, dp, vlan = k
    side = lambda ip, port: ("[%s]" % ip if ip and ":" in ip else str(ip)) + ("" if port is None else ":%s" % port)
    return "%s %s -> %s%s" % (proto, side(sip, sp), side(dip, dp), " vlan %s" % list(vlan) if vlan else "")


def fmt_counts(r):
    return "pkts %s/%s bytes %s/%s" % tuple(r[c] for c in COUNTS)


def fmt_meta(r):
    return "start %s %s/%s %s" % (r["start"], r["state"], r["reason"], r["app_proto"] or "-")


def pct(a, b):
    return "%.2f %%" % (100.0 * a / b) if b else "n/a"


def build_report(results, tests_dir, rib_cmd, brief):
    rel = lambda p: os.path.relpath(p, tests_dir) if p.startswith(tests_dir.rstrip("/") + "/") else p
    tot = sum(r["suricata_flows"] for r in results)
    agree = sum(r["agree"] for r in results)
    extra = sum(len(r["extra"]) for r in results)
    missing = sum(len(r["missing"]) for r in results)
    differ = sum(len(r["differ"]) for r in results)
    failed = [r for r in results if r["errors"]]
    L = ["# Flow comparison: ribat vs Suricata 7", "",
         "ribat command: `%s`; tests: `%s`; %d pcaps (%d could not be compared)" % (
             rib_cmd, tests_dir, len(results), len(failed)), "",
         "| | flows |", "|---|---:|",
         "| Suricata flows | %d |" % tot,
         "| agreeing (same pkts and bytes both ways) | %d (%s) |" % (agree, pct(agree, tot)),
         "| different counts | %d |" % differ,
         "| missing in ribat | %d |" % missing,
         "| ribat-only (extra) | %d |" % extra, ""]
    if failed:
        L += ["## Engine failures", ""] + ["- `%s`: %s" % (rel(r["pcap"]), "; ".join(r["errors"]))
                                           for r in failed] + [""]
    L += ["## Per pcap", "", "Counts are pkts toserver/toclient, bytes toserver/toclient. "
          "Only pcaps with a disagreement or failure are listed; all others agree fully.", "",
          "| pcap | Suricata flows | agree | differ | missing | ribat-only |", "|---|---:|---:|---:|---:|---:|"]
    clean = 0
    for r in results:
        if r["errors"] or r["differ"] or r["missing"] or r["extra"]:
            L.append("| %s | %s | %s | %d | %d | %d |" % (
                rel(r["pcap"]), "-" if r["errors"] else r["suricata_flows"], "-" if r["errors"] else r["agree"],
                len(r["differ"]), len(r["missing"]), len(r["extra"])))
        else:
            clean += 1
    L += ["", "%d pcaps agree fully (%d Suricata flows)." % (
        clean, sum(r["suricata_flows"] for r in results if not (r["errors"] or r["differ"] or r["missing"]
                                                                or r["extra"]))), ""]
    if brief:
        return L
    L += ["## Disagreements", ""]
    for r in results:
        if not (r["differ"] or r["missing"] or r["extra"]):
            continue
        L += ["### %s" % rel(r["pcap"]), "", "```"]
        for key, s, rb in r["differ"]:
            L += ["DIFFER  %s" % fmt_key(key),
                  "   suricata %s   (%s)" % (fmt_counts(s), fmt_meta(s)),
                  "   ribat    %s   (%s)" % (fmt_counts(rb), fmt_meta(rb))]
        for key, s in r["missing"]:
            L += ["MISSING %s" % fmt_key(key), "   suricata %s   (%s)" % (fmt_counts(s), fmt_meta(s)),
                  "   ribat    (no flow)"]
        for key, rb in r["extra"]:
            L += ["EXTRA   %s" % fmt_key(key), "   suricata (no flow)",
                  "   ribat    %s   (%s)" % (fmt_counts(rb), fmt_meta(rb))]
        L += ["```", ""]
    return L


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--ribat", required=True, help="ribat binary, or a command with extra arguments")
    ap.add_argument("--suricata", default="suricata", help="Suricata binary (default: suricata on PATH)")
    ap.add_argument("--tests", default="/work/shared/compat/tests")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300, help="seconds per engine run (default 300)")
    ap.add_argument("--out", help="write the full Markdown report here (stdout then gets the summary)")
    ap.add_argument("--json", help="write per-pcap figures as JSON here")
    ap.add_argument("--keep", metavar="DIR", help="keep the engines' output folders under DIR")
    ap.add_argument("patterns", nargs="*", help="only pcaps whose path contains one of these")
    a = ap.parse_args()

    if not os.path.isdir(a.tests):
        die("tests folder %s not found" % a.tests)
    tests = os.path.abspath(a.tests)
    rib_argv = resolve_cmd(a.ribat, "ribat")
    sur_argv = resolve_cmd(a.suricata, "suricata")
    sur_argv += ["--init-errors-fatal", "-k", "none", "-S", "/dev/null", "--set", "unix-command.enabled=auto"]
    pcaps = [p for p in pcapscan.compat_pcaps(tests) if not a.patterns or any(x in p for x in a.patterns)]
    if not pcaps:
        die("no pcap found under %s%s" % (tests, " matching " + " ".join(a.patterns) if a.patterns else ""))

    workdir = a.keep or tempfile.mkdtemp(prefix="flowcmp-")
    os.makedirs(workdir, exist_ok=True)
    sys.stderr.write("flowcmp: %d pcaps, %d jobs, output in %s\n" % (len(pcaps), a.jobs, workdir))
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            results = list(ex.map(lambda p: compare_pcap(p, sur_argv, rib_argv, workdir, a.timeout), pcaps))
    finally:
        if not a.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    if all(r["errors"] for r in results):
        for r in results[:5]:
            sys.stderr.write("flowcmp: %s: %s\n" % (r["pcap"], "; ".join(r["errors"])))
        die("the engines could not run on any pcap")
    rib_cmd = " ".join(shlex.quote(x) for x in rib_argv)
    full = "\n".join(build_report(results, tests, rib_cmd, brief=False)) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(full)
        print("\n".join(build_report(results, tests, rib_cmd, brief=True)))
        print("full report with every disagreement: %s" % a.out)
    else:
        sys.stdout.write(full)
    if a.json:
        strip = lambda r: {k: v for k, v in r.items() if k not in ("t", "line")}
        js = [{"pcap": r["pcap"], "errors": r["errors"], "suricata_flows": r["suricata_flows"],
               "agree": r["agree"],
               "differ": [{"key": list(k), "suricata": strip(s), "ribat": strip(x)} for k, s, x in r["differ"]],
               "missing": [{"key": list(k), "suricata": strip(s)} for k, s in r["missing"]],
               "extra": [{"key": list(k), "ribat": strip(x)} for k, x in r["extra"]]} for r in results]
        with open(a.json, "w") as f:
            json.dump(js, f, indent=1)
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
