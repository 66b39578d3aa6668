#!/usr/bin/env python3
"""Independent reference for the virtual-plug tests: the energy (Wh) of a tracebase or
t_s,p_w CSV power trace under the documented trace rules (time order, the last of equal
timestamps wins, each sample holds until the next, a gap longer than 300 s is 0 W, the
trace loops after span + median spacing), over [start, start + duration) seconds of trace
time (seconds since midnight for tracebase files). Usage: trace_energy.py FILE START DUR"""
import sys


def load(path):
    ts, ps = [], []
    with open(path, newline='') as f:
        lines = [l.strip() for l in f if l.strip()]
    if '/' in lines[0].split(';')[0]:
        rows = []
        d0 = None
        import datetime
        for l in lines:
            parts = l.split(';')
            dt = datetime.datetime.strptime(parts[0].strip(), '%d/%m/%Y %H:%M:%S')
            if d0 is None:
                d0 = datetime.datetime(dt.year, dt.month, dt.day)
            rows.append(((dt - d0).total_seconds(), float(parts[1])))
    else:
        head = [h.strip().lower() for h in lines[0].split(',')]
        it, ip = head.index('t_s'), head.index('p_w')
        rows = [(float(l.split(',')[it]), float(l.split(',')[ip])) for l in lines[1:]]
    for t, p in rows:
        if ts and t == ts[-1]:
            ps[-1] = p
            continue
        ts.append(t)
        ps.append(p)
    return ts, ps


def energy(ts, ps, start, dur):
    d = sorted(ts[k + 1] - ts[k] for k in range(len(ts) - 1))
    loop = ts[-1] - ts[0] + d[(len(ts) - 1) // 2]
    # one loop as segments [a, b) with power
    segs = []
    for k in range(len(ts)):
        nxt = ts[k + 1] if k + 1 < len(ts) else ts[0] + loop
        segs.append((ts[k], nxt, ps[k] if nxt - ts[k] <= 300 else 0.0))
    e = 0.0
    # walk the loops that intersect [start, start+dur)
    lo, hi = start, start + dur
    n0 = int((lo - ts[0]) // loop) - 1
    n = n0
    while ts[0] + n * loop < hi:
        off = n * loop
        for a, b, p in segs:
            a2, b2 = max(a + off, lo), min(b + off, hi)
            if b2 > a2:
                e += p * (b2 - a2)
        n += 1
    return e / 3600.0, loop


if __name__ == '__main__':
    ts, ps = load(sys.argv[1])
    e, loop = energy(ts, ps, float(sys.argv[2]), float(sys.argv[3]))
    print('%.6f %.3f' % (e, loop))
