#!/usr/bin/env python3
"""A year of telemetry for N devices, for measuring the dashboard's first paint (docs/dashboard.md).

    make_year.py [N_DEVICES=20] [DAYS=365] | lepower-hub-feed --broker HOST:PORT

Each device replays one of the demo's real traces (data/tracebase, data/espresso) by time of day;
reports every 5 min, and every 10 s over the last 2 days (as a live plug would send them); the
energy counter integrates the reported power exactly. Output: lepower-hub-feed `T` lines.
"""
import bisect, os, sys, time

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
TRACES = ["tracebase/fridge.csv", "tracebase/kettle.csv", "espresso/espresso-machine.csv",
          "tracebase/washing-machine.csv", "tracebase/iron.csv", "tracebase/tv.csv", "tracebase/lamp.csv",
          "tracebase/vacuum-cleaner.csv", "tracebase/laptop.csv"]


def load(rel):
    ts, ps = [], []
    with open(os.path.join(root, "data", rel)) as f:
        f.readline()
        for line in f:
            c = line.split(",")
            ts.append(float(c[0]))
            ps.append(float(c[1]))
    return ts, ps


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 365
    traces = [load(t) for t in TRACES]
    now = int(time.time()) * 1000
    t0 = now - days * 86400000
    dense = now - 2 * 86400000
    out = sys.stdout
    for d in range(n):
        ts, ps = traces[d % len(traces)]
        shift = (d // len(traces)) * 3 * 3600  # copies of a trace run at other hours
        dev = "dev-%02d" % d
        seq, counter_mwh, t = 0, 0.0, t0
        while t <= now:
            tod = ((t // 1000) + shift) % 86400
            k = max(0, bisect.bisect_right(ts, tod) - 1)
            p = max(0.0, ps[k])
            out.write("T %s 1 %d %d %d %d 0 0 230000 50000000\n" % (dev, seq, t, int(p * 1000), int(counter_mwh)))
            step = 10000 if t >= dense else 300000
            counter_mwh += p * step / 3600.0
            seq += 1
            t += step


if __name__ == "__main__":
    main()
