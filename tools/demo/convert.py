#!/usr/bin/env python3
"""Convert the real recordings of ../shared/data into the compact demo data under data/.

    python3 tools/demo/convert.py [--shared ../shared/data] [--out data]

Power traces (tracebase, espresso day 2; the espresso machine's power rounded to whole W and
var) become change-only CSV `t_s,p_w[,q_var]` that the virtual
plug (`lepower-plug --trace`) reads back to exactly the same power at every instant:
  * the plug's reading rules are applied first (same time: last row wins; each row holds until
    the next; a gap longer than 300 s is 0 W; the loop is the span plus the median spacing);
  * a row is kept only where the value changes, plus one at least every 240 s, so the
    "gap > 300 s = 0 W" rule never fires on a long constant stretch;
  * where it can, a last row is placed so that the converted loop keeps the source's length
    (otherwise the day's loop differs by the few seconds it prints).
The converter checks the result at every original sample time and every whole second of the
day and fails on any difference. Grid frequency is linearly interpolated by the plug, so the
Toledo recording is kept row by row (t_s = seconds since local midnight, freq_hz), cut before
the blackout of 12:33 for the demo's normal day, and its 12:00-13:00 hour with the L1 voltage
for the blackout scenario (tools/demo/README.md).
"""
import argparse, bisect, datetime, math, os, sys

GAP_S = 300.0
KEEP_S = 240.0

TRACEBASE = [  # (source file, output name)
    ("complete_Refrigerator__dev_599393_2012.01.16.csv", "fridge.csv"),
    ("complete_Washingmachine__Washingmachine_2011.12.29.csv", "washing-machine.csv"),
    ("complete_TV-LCD__dev_D35F73_2012.06.18.csv", "tv.csv"),
    ("complete_Lamp__dev_72882E_2012.05.20.csv", "lamp.csv"),
    ("complete_WaterKettle__dev_599771_2011.09.12.csv", "kettle.csv"),
    ("complete_PC-Laptop__dev_B7BEA1_2011.12.30.csv", "laptop.csv"),
    ("complete_VacuumCleaner__device_B7E2F8_2012.01.21.csv", "vacuum-cleaner.csv"),
    ("complete_Iron__dev_D337C2_2011.12.26.csv", "iron.csv"),
]


def push(rows, t, vals):
    if rows and rows[-1][0] == t:
        rows[-1] = (t, vals)        # same time: the last wins
    else:
        if rows and t < rows[-1][0]:
            raise SystemExit(f"time goes backwards at {t}")
        rows.append((t, vals))


def read_tracebase(path):
    rows, day0 = [], None
    with open(path, newline="") as f:
        for line in f:
            s = line.strip()
            if not s:
                continue
            ts, p1 = [x.strip() for x in s.split(";")[:2]]
            d = datetime.datetime.strptime(ts, "%d/%m/%Y %H:%M:%S")
            day = d.date().toordinal()
            if day0 is None:
                day0 = day
            t = (day - day0) * 86400 + d.hour * 3600 + d.minute * 60 + d.second
            push(rows, float(t), (float(p1),))
    return rows


def read_espresso(path, day):
    rows = []
    with open(path) as f:
        head = f.readline().strip().split(",")
        it, ip, iq = head.index("t_s"), head.index("p_W"), head.index("q_var")
        for line in f:
            c = line.strip().split(",")
            if len(c) < len(head):
                continue
            # rounded to whole W and var: the recording's 0.01 W digits are meter noise
            # (standby -0.3..0.5 W) that would keep every one of the 86400 rows
            push(rows, float(c[it]) - 86400.0 * (day - 1),
                 (float(round(float(c[ip]))) + 0.0, float(round(float(c[iq]))) + 0.0))
    return rows


def median_spacing(ts):
    d = sorted(b - a for a, b in zip(ts, ts[1:]))
    return d[(len(d) - 1) // 2]


class Trace:
    """The plug's reading of a trace (firmware/ports/posix/trace.c)."""
    def __init__(self, rows):
        self.t = [r[0] for r in rows]
        self.v = [r[1] for r in rows]
        self.loop = self.t[-1] - self.t[0] + median_spacing(self.t)
        self.zero = tuple(0.0 for _ in self.v[0])

    def at(self, t):
        x = math.fmod(t - self.t[0], self.loop)
        if x < 0:
            x += self.loop
        x += self.t[0]
        k = max(0, bisect.bisect_right(self.t, x) - 1)
        nxt = self.t[k + 1] if k + 1 < len(self.t) else self.t[0] + self.loop
        return self.zero if nxt - self.t[k] > GAP_S else self.v[k]

    def segments(self):
        """(start, end, value) pieces covering one loop."""
        out = []
        for k in range(len(self.t)):
            end = self.t[k + 1] if k + 1 < len(self.t) else self.t[0] + self.loop
            val = self.zero if end - self.t[k] > GAP_S else self.v[k]
            if out and out[-1][2] == val:
                out[-1] = (out[-1][0], end, val)
            else:
                out.append((self.t[k], end, val))
        return out


def compact(rows):
    src = Trace(rows)
    out = []
    for a, b, val in src.segments():
        t = a
        while t < b:
            out.append((t, val))
            t += KEEP_S
    # the last row holds for the median spacing: where possible, place a final row so that
    # the converted loop has the source's length (else it differs by a few seconds a day)
    last_a, _, last_val = src.segments()[-1]
    for _ in range(8):
        med = median_spacing([r[0] for r in out])
        want = src.t[0] + src.loop - med
        if want <= last_a or Trace(out).loop == src.loop:
            break
        out = [r for r in out if r[0] < want] + [(want, last_val)]
    dst = Trace(out)
    end = min(src.t[0] + src.loop, dst.t[0] + dst.loop, last_a + KEEP_S)
    probes = set(t for t in src.t if t < end) | set(float(s) for s in range(int(src.t[0]), int(end)))
    for t in sorted(probes):
        if src.at(t) != dst.at(t):
            raise SystemExit(f"converted trace differs at t={t}: {src.at(t)} != {dst.at(t)}")
    compact.loop_diff = dst.loop - src.loop
    return out


def fmt(x):
    return str(int(x)) if x == int(x) else f"{x:.2f}".rstrip("0").rstrip(".")


def write_trace(path, rows, has_q):
    with open(path, "w") as f:
        f.write("t_s,p_w,q_var\n" if has_q else "t_s,p_w\n")
        for t, v in rows:
            f.write(",".join([fmt(t)] + [fmt(x) for x in v]) + "\n")


def convert_grid(src, dst, until="12:32:38"):
    with open(src) as f, open(dst, "w") as o:
        head = f.readline().strip().split(",")
        i_f, i_t = head.index("AnalyzerL1Frequency"), head.index("time")
        o.write("t_s,freq_hz\n")
        n = 0
        for line in f:
            c = line.strip().split(",")
            hms = c[i_t].split(" ")[1]
            if hms > until:
                break
            try:
                fr = float(c[i_f])
            except ValueError:
                continue
            if not (45.0 <= fr <= 65.0) or math.isnan(fr):
                continue
            h, m, s = (int(x) for x in hms.split(":"))
            o.write(f"{h * 3600 + m * 60 + s},{c[i_f]}\n")
            n += 1
    return n


def convert_grid_event(src, dst, start="12:00:00"):
    """The hour of the blackout, as recorded: frequency and L1 voltage (collapse at 12:33:22)."""
    with open(src) as f, open(dst, "w") as o:
        head = f.readline().strip().split(",")
        i_f, i_v, i_t = head.index("AnalyzerL1Frequency"), head.index("AnalyzerL1PhaseVoltage"), head.index("time")
        o.write("t_s,freq_hz,voltage_v\n")
        n = 0
        for line in f:
            c = line.strip().split(",")
            hms = c[i_t].split(" ")[1]
            if hms < start:
                continue
            try:
                fr, v = float(c[i_f]), float(c[i_v])
            except ValueError:
                continue
            if math.isnan(fr) or math.isnan(v):
                continue
            h, m, s = (int(x) for x in hms.split(":"))
            o.write(f"{h * 3600 + m * 60 + s},{c[i_f]},{c[i_v]}\n")
            n += 1
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../data"))
    a = ap.parse_args()
    tb = os.path.join(a.shared, "traces/tracebase-1s")
    os.makedirs(os.path.join(a.out, "tracebase"), exist_ok=True)
    for name, out in TRACEBASE:
        rows = read_tracebase(os.path.join(tb, name))
        c = compact(rows)
        write_trace(os.path.join(a.out, "tracebase", out), c, False)
        print(f"tracebase/{out}: {len(rows)} rows -> {len(c)} rows, loop {Trace(rows).loop:.0f} s"
              f" ({compact.loop_diff:+.0f} s)")
    os.makedirs(os.path.join(a.out, "espresso"), exist_ok=True)
    rows = read_espresso(os.path.join(a.shared, "traces/espresso-1hz/espresso_day2.csv"), 2)
    c = compact(rows)
    write_trace(os.path.join(a.out, "espresso", "espresso-machine.csv"), c, True)
    print(f"espresso/espresso-machine.csv: {len(rows)} rows -> {len(c)} rows, loop {Trace(rows).loop:.0f} s"
          f" ({compact.loop_diff:+.0f} s)")
    os.makedirs(os.path.join(a.out, "grid"), exist_ok=True)
    n = convert_grid(os.path.join(a.shared, "grid/iberian-2025-toledo-2s/toledo_data.csv"),
                     os.path.join(a.out, "grid", "toledo-frequency.csv"))
    print(f"grid/toledo-frequency.csv: {n} rows")
    n = convert_grid_event(os.path.join(a.shared, "grid/iberian-2025-toledo-2s/toledo_data.csv"),
                           os.path.join(a.out, "grid", "toledo-blackout.csv"))
    print(f"grid/toledo-blackout.csv: {n} rows")


if __name__ == "__main__":
    sys.exit(main())
