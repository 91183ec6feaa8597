#!/usr/bin/env python3
"""nonalert.py -- issue 3's conformance figure: of the tests of a list whose
checks concern no alert record (flow, http, dns, tls, ssh, fileinfo, anomaly,
stats), how many pass. Reads the runner's JSON report (svrun.py --json).

    python3 ../shared/compat/svrun.py --engine "build/ribat -q -r {pcap} -S {rules} -l {outdir} {config_args} {args}" \\
        --list ../shared/compat/wide-dev.txt --jobs 2 --json wide.json
    tools/nonalert.py wide.json [--tests ../shared/compat/tests] [--unpassable NAME ...]

A test concerns an alert when one of its filter checks matches event_type
alert (or, without an event_type, an alert.* field). --unpassable names tests
that no engine can pass on this copy of the suite (their expected files are
missing: Suricata fails them too); they are counted apart."""
import argparse
import json
import os
import sys

import yaml


def concerns_alert(checks):
    for c in checks or []:
        f = c.get("filter") if isinstance(c, dict) else None
        if not isinstance(f, dict):
            continue
        m = f.get("match") or {}
        et = m.get("event_type")
        if et == "alert" or (et is None and any(str(k).startswith("alert.") for k in m)):
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("report")
    ap.add_argument("--tests", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "compat", "tests"))
    ap.add_argument("--unpassable", nargs="*", default=[])
    a = ap.parse_args()
    rep = json.load(open(a.report))
    passed, failed, skipped, unpassable = [], [], [], []
    for t in rep["tests"]:
        path = os.path.join(a.tests, t["name"], "test.yaml")
        try:
            with open(path) as fh:
                y = yaml.safe_load(fh) or {}
        except OSError:
            continue
        if concerns_alert(y.get("checks")):
            continue
        if t["status"] == "skipped":
            skipped.append(t["name"])
        elif t["name"] in a.unpassable and t["status"] != "passed":
            unpassable.append(t["name"])
        elif t["status"] == "passed":
            passed.append(t["name"])
        else:
            failed.append((t["name"], t.get("reason", "")))
    run = len(passed) + len(failed)
    print("tests whose checks concern no alert: %d (%d skipped by the runner, %d not passable on this copy)"
          % (run + len(skipped) + len(unpassable), len(skipped), len(unpassable)))
    print("passed %d of %d (%.1f %%)" % (len(passed), run, 100.0 * len(passed) / run if run else 0.0))
    for n, r in failed:
        print("  FAIL %s: %s" % (n, r[:160]))
    for n in unpassable:
        print("  NOT PASSABLE %s" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
