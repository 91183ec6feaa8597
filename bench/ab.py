#!/usr/bin/python3
"""ab.py — interleaved A/B runs of whole commands: a report, it asserts nothing.

    bench/ab.py --runs 11 NAME='COMMAND' NAME='COMMAND' ...

Each round runs every command once, in the order given, so that the machine's changes of speed (a
shared host's: bench/README.md) fall on all of them alike. {out} in a command becomes a temporary
folder (emptied after each run). Per run: wall time, CPU (os.wait4) and the host's steal (/proc/stat).
Prints each command's medians, and for every command after the first the median over rounds of
wall(first) / wall(it) and of CPU(it) / CPU(first), the paired ratios that bench/README.md quotes.
"""
import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time


def steal():
    with open("/proc/stat") as f:
        v = f.readline().split()
    return int(v[8]) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("commands", nargs="+", help="NAME=COMMAND")
    a = ap.parse_args()
    cfgs = [c.split("=", 1) for c in a.commands]
    res = {n: [] for n, _ in cfgs}
    for _ in range(a.runs):
        for name, cmd in cfgs:
            out = tempfile.mkdtemp(prefix="ab-")
            s0, t0 = steal(), time.perf_counter()
            p = subprocess.Popen(shlex.split(cmd.replace("{out}", out)), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            _, _, ru = os.wait4(p.pid, 0)
            res[name].append((time.perf_counter() - t0, ru.ru_utime + ru.ru_stime, steal() - s0))
            shutil.rmtree(out, ignore_errors=True)
    for name, _ in cfgs:
        r = res[name]
        print("%-8s wall %s" % (name, " ".join("%.2f" % x[0] for x in r)))
        print("%-8s median wall %.3f s, CPU %.3f s, steal %.3f s" % (
            name, statistics.median(x[0] for x in r), statistics.median(x[1] for x in r),
            statistics.median(x[2] for x in r)))
    base = cfgs[0][0]
    for name, _ in cfgs[1:]:
        w = [res[base][i][0] / res[name][i][0] for i in range(a.runs)]
        c = [res[name][i][1] / res[base][i][1] for i in range(a.runs)]
        print("paired %s/%s wall: median %.3f; CPU %s/%s median %.3f" % (
            base, name, statistics.median(w), name, base, statistics.median(c)))


if __name__ == "__main__":
    main()
