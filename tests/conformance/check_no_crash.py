#!/usr/bin/env python3
"""Run the shared conformance suite (../shared/compat) against ribat and fail
only on a crash or a hang; print the pass figures so progress is visible.

    python3 tests/conformance/check_no_crash.py --ribat build/ribat --shared ../shared [--list dev.txt]
        [--min-pass N]   also fail when fewer than N tests pass (a ratchet for later stages)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ribat", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--list", default="dev.txt")
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--min-pass", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    compat = os.path.join(a.shared, "compat")
    ribat = os.path.abspath(a.ribat)
    work = tempfile.mkdtemp(prefix="ribat-compat-")
    report = os.path.join(work, "report.json")
    engine = ribat + " -q -r {pcap} -S {rules} -l {outdir} {config_args} {args}"
    cmd = [sys.executable, os.path.join(compat, "svrun.py"), "--engine", engine,
           "--tests", os.path.join(compat, "tests"), "--list", os.path.join(compat, a.list),
           "--jobs", str(a.jobs), "--timeout", str(a.timeout), "--json", report, "--workdir", os.path.join(work, "out"), "-q"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace").strip().splitlines()
    last = out[-1] if out else "(no output)"
    with open(report) as f:
        rep = json.load(f)
    crashed, hung = [], []
    for t in rep["tests"]:
        rc = t.get("exit_code")
        msg = " ".join(str(x) for x in (t.get("reason"), t.get("message"), t.get("failure")) if x)
        if "timed out" in msg:
            hung.append(t["name"])
        elif rc is not None and rc not in (0, 1, 2):
            crashed.append("%s (exit %s)" % (t["name"], rc))
    print("conformance %s: %s" % (a.list, last))
    for n in crashed:
        print("CRASH %s" % n)
    for n in hung:
        print("HANG  %s" % n)
    s = rep["summary"]
    ok = not crashed and not hung and s["passed"] >= a.min_pass
    if s["passed"] < a.min_pass:
        print("only %d tests passed, at least %d expected" % (s["passed"], a.min_pass))
    print("no crash, no hang" if not crashed and not hung else "%d crashed, %d hung" % (len(crashed), len(hung)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
