#!/usr/bin/python3
"""run.py — ribat vs Suricata 7 throughput on one capture, side by side. A report: it asserts nothing.

    bench/run.py --capture /work/bench-data/lab-mixed.pcap [--runs 5] [--ribat build/ribat]
                 [--ribat-args "..."] [--suricata-args "..."] [--threads 1,2] [--rules FILE]
                 [--out results.json]

Each round runs ribat once per --threads value, then Suricata once (ribat t1, ribat t2, ...,
suricata), every run in a fresh temporary log folder (deleted afterwards):

    ribat    -k none -S RULES -l DIR -r CAPTURE [--threads N] RIBAT_ARGS
    suricata --runmode single -k none -S RULES -l DIR -r CAPTURE --set unix-command.enabled=auto SURICATA_ARGS

RULES defaults to /dev/null, --threads to 1,2. `--threads 0` passes no --threads at all, e.g. Suricata
against itself: --ribat suricata --threads 0 --ribat-args "--runmode single --set unix-command.enabled=auto".
Per run: wall time, user+sys CPU and peak RSS of the engine process (os.wait4), the CPU time the host's
hypervisor took from this machine meanwhile (steal, /proc/stat: a shared machine's noise, shown so that a
slow run can be told from a slow engine), and stats.decoder.pkts /
decoder.bytes from the last `stats` event of eve.json. Rates use the capture's own packet and byte counts
(read once with tools/pcapscan.py; bytes = captured lengths). Prints medians and ratios ribat/Suricata
(and ribat tN / ribat t1); exits non-zero only if an engine fails or cannot be run.
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
import pcapscan  # noqa: E402


def die(msg):
    sys.stderr.write("run.py: %s\n" % msg)
    sys.exit(2)


def find_binary(path, what):
    found = shutil.which(path) if os.sep not in path else (path if os.access(path, os.X_OK) else None)
    if not found:
        die("%s binary %r not found or not executable%s" % (
            what, path, " (build ribat first, or pass --ribat)" if what == "ribat" else ""))
    return os.path.abspath(found)


def last_stats(eve_path):
    """The last `stats` event of an eve.json, read from the end of the file."""
    try:
        with open(eve_path, "rb") as f:
            end = f.seek(0, os.SEEK_END)
            chunk, pos = b"", end
            while pos > 0:
                step = min(1 << 20, pos)
                pos -= step
                f.seek(pos)
                chunk = f.read(step) + chunk
                lines = chunk.split(b"\n")
                for line in reversed(lines[1:] if pos > 0 else lines):
                    if b'"event_type":"stats"' in line:
                        return json.loads(line).get("stats", {})
                chunk = lines[0] if pos > 0 else b""
    except (OSError, ValueError):
        pass
    return None


QUIET_STEAL = 0.05  # a run is quiet when the host took under 5 % of the CPUs' time during it (steal)


def is_quiet(r):
    return r.get("steal_s") is not None and r["steal_s"] <= QUIET_STEAL * r["wall_s"] * (os.cpu_count() or 1)


def host_steal():
    """CPU time (s, all CPUs) the hypervisor gave to others so far (/proc/stat steal), or None."""
    try:
        with open("/proc/stat") as f:
            v = f.readline().split()
        return int(v[8]) / os.sysconf("SC_CLK_TCK") if v[0] == "cpu" and len(v) > 8 else None
    except (OSError, ValueError):
        return None


def run_once(label, argv, capture, keep):
    logdir = tempfile.mkdtemp(prefix="bench-%s-" % label.replace(" ", ""))
    argv = [a.replace("{logdir}", logdir) for a in argv]
    console = os.path.join(logdir, "console.log")
    with open(console, "wb") as out:
        st0 = host_steal()
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=logdir)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        st1 = host_steal()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stats = last_stats(os.path.join(logdir, "eve.json")) or {}
    dec = stats.get("decoder", {})
    rec = {"engine": label, "rc": proc.returncode, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime,
           "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024.0,
           "steal_s": (st1 - st0) if st0 is not None and st1 is not None else None,
           "decoder_pkts": dec.get("pkts"), "decoder_bytes": dec.get("bytes"),
           "eve_bytes": os.path.getsize(os.path.join(logdir, "eve.json"))
           if os.path.exists(os.path.join(logdir, "eve.json")) else None}
    if proc.returncode != 0:
        with open(console, "rb") as f:
            tail = f.read()[-3000:].decode("utf-8", "replace")
        sys.stderr.write("run.py: %s exited with %d: %s\n--- console (tail) ---\n%s\n" % (
            label, proc.returncode, " ".join(shlex.quote(a) for a in argv), tail))
    if keep:
        rec["logdir"] = logdir
    else:
        shutil.rmtree(logdir, ignore_errors=True)
    return rec


def median_of(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def summarize(runs, packets, nbytes):
    wall = median_of(runs, "wall_s")
    pk = sorted({r["decoder_pkts"] for r in runs}, key=lambda x: (x is None, x))
    return {"runs": len(runs), "wall_s": wall,
            "pkts_per_s": packets / wall if wall else None,
            "mbit_per_s": nbytes * 8 / wall / 1e6 if wall else None,
            "cpu_s": median_of(runs, "cpu_s"), "rss_mib": median_of(runs, "rss_mib"),
            "decoder_pkts": pk[0] if len(pk) == 1 else pk}


def fmt(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, list):
        return "/".join(fmt(x, nd) for x in v) + " (varies!)"
    if isinstance(v, int):
        return str(v)
    if abs(v) >= 1000:
        return "{:,.0f}".format(v)
    return "%.*f" % (nd, v)


COLS = [("wall_s", "wall s"), ("pkts_per_s", "pkts/s"), ("mbit_per_s", "Mbit/s"), ("cpu_s", "CPU s"),
        ("rss_mib", "peak RSS MiB")]


def print_table(summary, ratios, capinfo):
    print("\ncapture: %s  (%d packets, %.1f MB captured bytes)" % (
        capinfo["path"], capinfo["packets"], capinfo["bytes"] / 1e6))
    head = ["engine"] + [c[1] for c in COLS] + ["decoder.pkts"]
    rows = [[name] + [fmt(s[k]) for k, _ in COLS] + [fmt(s["decoder_pkts"])] for name, s in summary.items()]
    rows.append([""] * len(head))
    for name, r in ratios.items():
        rows.append([name] + [fmt(r.get(k), 3) for k, _ in COLS] + [""])
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(len(head))]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print("medians over runs:")
    print(line(head))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))
    print("(ratios are first/second of each metric: > 1 means more packets/s or Mbit/s, "
          "and more CPU, wall time or memory)")
    mism = {n: s["decoder_pkts"] for n, s in summary.items() if s["decoder_pkts"] != capinfo["packets"]}
    if mism:
        print("note: decoder.pkts differs from the capture's %d packets for: %s" % (
            capinfo["packets"], ", ".join("%s=%s" % (k, fmt(v)) for k, v in mism.items())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--capture", required=True, help="pcap/pcapng file (a folder is not measured)")
    ap.add_argument("--runs", type=int, default=5, help="rounds (default 5)")
    ap.add_argument("--ribat", default=os.path.join(REPO, "build", "ribat"))
    ap.add_argument("--suricata", default="suricata", help="Suricata binary (default: suricata on PATH)")
    ap.add_argument("--ribat-args", default="", help="extra ribat arguments (shell-split)")
    ap.add_argument("--suricata-args", default="", help="extra Suricata arguments (shell-split)")
    ap.add_argument("--threads", default="1,2", help="comma list of ribat --threads values (default 1,2); 0 = pass none")
    ap.add_argument("--rules", default="/dev/null", help="rules file for both engines (default /dev/null)")
    ap.add_argument("--out", help="write JSON results here")
    ap.add_argument("--keep", action="store_true", help="keep the log folders (paths in the JSON)")
    a = ap.parse_args()

    if not os.path.isfile(a.capture):
        die("capture %s not found (make one with bench/mkcaptures.sh)" % a.capture)
    if a.rules != "/dev/null" and not os.path.isfile(a.rules):
        die("rules file %s not found" % a.rules)
    if a.runs < 1:
        die("--runs must be at least 1")
    try:
        threads = [int(t) for t in a.threads.split(",") if t.strip()]
    except ValueError:
        die("--threads takes a comma list of integers, e.g. 1,2")
    ribat = find_binary(a.ribat, "ribat")
    suricata = find_binary(a.suricata, "suricata")
    capture = os.path.abspath(a.capture)
    rules = os.path.abspath(a.rules)

    capinfo = pcapscan.scan(capture)
    if capinfo["error"] and not capinfo["packets"]:
        die("cannot read %s: %s" % (capture, capinfo["error"]))
    with open(capture, "rb") as f:       # warm the page cache so the first run is not penalised
        while f.read(8 << 20):
            pass

    engines = []   # (label, argv) in the order of one round
    for t in threads:
        label = "ribat" if len(threads) == 1 and t in (0, 1) else ("ribat t%d" % t if t else "ribat")
        argv = [ribat, "-k", "none", "-S", rules, "-l", "{logdir}", "-r", capture]
        argv += (["--threads", str(t)] if t else []) + shlex.split(a.ribat_args)
        engines.append((label, argv))
    sur_argv = [suricata, "--runmode", "single", "-k", "none", "-S", rules, "-l", "{logdir}", "-r", capture,
                "--set", "unix-command.enabled=auto"] + shlex.split(a.suricata_args)
    # ribat's runs side by side in each round (their per-round ratio compares runs
    # a second apart, under the same load), Suricata after them
    order = list(engines) + [("suricata", sur_argv)]

    print("capture %s: %d packets, %d bytes; %d rounds of: %s" % (
        capture, capinfo["packets"], capinfo["bytes"], a.runs, ", ".join(l for l, _ in order)))
    runs, failed = [], False
    for rnd in range(1, a.runs + 1):
        for label, argv in order:
            r = run_once(label, argv, capture, a.keep)
            r["round"] = rnd
            runs.append(r)
            failed |= r["rc"] != 0
            print("  round %d %-9s rc=%d wall %.2fs cpu %.2fs rss %.0f MiB decoder.pkts %s steal %s" % (
                rnd, label, r["rc"], r["wall_s"], r["cpu_s"], r["rss_mib"], r["decoder_pkts"],
                "%.2fs" % r["steal_s"] if r["steal_s"] is not None else "-"), flush=True)

    summary = {}
    for label, _ in order:
        summary[label] = summarize([r for r in runs if r["engine"] == label and r["rc"] == 0],
                                   capinfo["packets"], capinfo["bytes"])
    ratios = {}

    def ratio(x, y):
        return {k: (summary[x][k] / summary[y][k]) if summary[x][k] and summary[y][k] else None
                for k, _ in COLS}
    for label, _ in engines:
        ratios["%s / suricata" % label] = ratio(label, "suricata")
    base = next((l for (l, _), t in zip(engines, threads) if t == 1), None)
    if base:
        for (label, _), t in zip(engines, threads):
            if t > 1:
                ratios["%s / %s" % (label, base)] = ratio(label, base)
    print_table(summary, ratios, capinfo)
    # The machine's speed drifts over minutes (shared hosts): a ratio of runs of the
    # same round is steadier than the ratio of the medians.
    paired = {}
    if base:
        for (label, _), t in zip(engines, threads):
            if t <= 1:
                continue
            rr, quiet = [], []
            for rnd in range(1, a.runs + 1):
                x = [r for r in runs if r["round"] == rnd and r["engine"] == base and r["rc"] == 0]
                y = [r for r in runs if r["round"] == rnd and r["engine"] == label and r["rc"] == 0]
                if x and y and y[0]["wall_s"] > 0:
                    rr.append(x[0]["wall_s"] / y[0]["wall_s"])
                    if all(is_quiet(z[0]) for z in (x, y)):
                        quiet.append(rr[-1])
            if rr:
                rr.sort()
                paired[label] = {"median": statistics.median(rr), "min": rr[0], "max": rr[-1], "rounds": len(rr)}
                print("%s speed-up over %s, per round (wall %s / wall %s of the same round): median %.3f, "
                      "range %.3f-%.3f over %d rounds" % (label, base, base, label, paired[label]["median"],
                                                          rr[0], rr[-1], len(rr)))
            if quiet:
                quiet.sort()
                paired[label]["quiet"] = {"median": statistics.median(quiet), "min": quiet[0], "max": quiet[-1],
                                          "rounds": len(quiet)}
                print("  ... in the %d rounds where the host took under %d %% of the CPUs' time from either run "
                      "(steal): median %.3f, range %.3f-%.3f" % (len(quiet), QUIET_STEAL * 100,
                                                                 statistics.median(quiet), quiet[0], quiet[-1]))

    if a.out:
        res = {"capture": {k: capinfo[k] for k in ("path", "format", "linktypes", "packets", "bytes",
                                                    "wire_bytes", "error")},
               "commands": {l: " ".join(shlex.quote(x) for x in argv) for l, argv in order},
               "host": {"cpus": os.cpu_count(), "machine": platform.machine(), "kernel": platform.release()},
               "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "runs": runs, "medians": summary,
               "ratios": ratios, "paired_speedup": paired}
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
        print("results written to %s" % a.out)
    if failed:
        sys.stderr.write("run.py: some runs failed (see above); their figures are left out of the medians\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
