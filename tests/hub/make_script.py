#!/usr/bin/env python3
"""Scripted telemetry with known truth for the hub tests (one 'T' line per report,
see tests/hub/hub_feed.c). Power is piecewise constant, the counter is exact (mWh),
reports every 36 s (1000 W = exactly 10 Wh per report).

  make_script.py spring  -> plug-a over Europe/Paris 2026-03-29 (23 h) with a gap,
                            a reboot with counter reset, and the gap replayed late
  make_script.py autumn  -> plug-b over 2026-10-25 (25 h), constant 500 W
  make_script.py load N DEVICES -> N reports spread over DEVICES devices (crash test)
"""
import sys

def reports(dev, start_ms, end_ms, power_w_at, boot=1, epoch=0, counter0=0, step_ms=36000, seq0=0):
    out, c, seq, t = [], counter0, seq0, start_ms
    while t <= end_ms:
        out.append((dev, boot, seq, t, int(power_w_at(t) * 1000), c, 0, epoch))
        # energy of the next interval, exact in mWh (power constant over it)
        c += power_w_at(t) * step_ms // 3600
        seq += 1
        t += step_ms
    return out

def fmt(r):
    return "T %s %d %d %d %d %d %d %d 230000 50000000" % r

H = 3600000
if sys.argv[1] == "spring":
    day0 = 1774738800000            # 2026-03-29T00:00+01:00
    # 1000 W all day, except 2000 W from 10:00 to 11:00 local (08:00Z-09:00Z) and 0 W 11:00-13:00 local
    def p(t):
        if day0 + 9 * H <= t < day0 + 10 * H: return 2000
        if day0 + 10 * H <= t < day0 + 12 * H: return 0
        return 1000
    # reboot with a counter reset (new epoch, counter restarts at 0) at 20:00 local (18:00Z):
    # the interval across the reset (36 s, 10 Wh) belongs to no segment by design
    rst = day0 + 19 * H
    first = reports("plug-a", day0 - 2 * H, rst - 36000, p)
    second = reports("plug-a", rst, day0 + 25 * H, p, boot=2, epoch=1, counter0=0)
    gap = [r for r in first if day0 + 9 * H < r[3] < day0 + 12 * H]
    live = [r for r in first if r not in gap] + second
    for r in live: print(fmt(r))
    for r in live[100:150]: print(fmt(r))        # 50 duplicates
    for r in gap: print(fmt(r))                  # the gap, replayed late (out of order)
elif sys.argv[1] == "autumn":
    day0 = 1792879200000            # 2026-10-25T00:00+02:00
    for r in reports("plug-b", day0 - H, day0 + 26 * H, lambda t: 500): print(fmt(r))
elif sys.argv[1] == "load":
    n, ndev = int(sys.argv[2]), int(sys.argv[3])
    t0 = 1774738800000
    per = n // ndev
    lines = []
    for i in range(per):
        for d in range(ndev):
            lines.append(fmt(("crash-%d" % d, 1, i, t0 + i * 1000, 100000, i * 100, 0, 0)))
    print("\n".join(lines))
