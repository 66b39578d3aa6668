#!/usr/bin/env python3
"""Differential checks of lepower-proto-check against Python as the reference, fixed
seeds, printing TAP lines:
 1. JSON syntax: random (mutated) values of an unknown key; the payload must be accepted
    exactly when Python's json module accepts it (NaN/Infinity rejected; lone
    surrogate escapes excluded, v1 rejects them by design; nesting > 8 excluded).
 2. Numbers: random JSON numbers as "power" (resolution 0.001 W, range +-1e6 W); the
    decoded power_mw, or too_many_decimals / value_out_of_range, must match exact
    decimal arithmetic (Python Decimal).
usage: check_oracle.py PROTO_CHECK_BINARY"""
import json, random, subprocess, sys
from decimal import Decimal, getcontext

tool = sys.argv[1]
getcontext().prec = 200
N = 20000
BASE = '{"v":1,"ts":1764500000,"boot":3,"seq":1,"interval":1,"energy_import":0,"energy_export":0,"energy_epoch":0,'
fails = 0

def run(lines, dump=False):
    args = [tool, "--dump"] if dump else [tool]
    out = subprocess.run(args, input=("\n".join(lines) + "\n").encode(), stdout=subprocess.PIPE).stdout
    res = out.decode().splitlines()
    assert len(res) == len(lines)
    return res

# ---- 1. syntax
rnd = random.Random(1)
atoms = ['0', '-0', '1.5', '1e5', '-2.5E-3', 'true', 'false', 'null', '""', '"a"', '"\\u00e9"', '"\\n"',
         '[]', '{}', '1.0e+2', '123456789012345678901234567890']
junk = list('{}[],:"\\ -+.eE0123456789tfnaulrsx') + ['\\u', '\t', '\x01', '\u00e9', 'NaN']

def gen(d=0):
    r = rnd.random()
    if d > 5 or r < 0.4:
        return rnd.choice(atoms)
    if r < 0.7:
        return '[' + ','.join(gen(d + 1) for _ in range(rnd.randint(0, 3))) + ']'
    keys = rnd.sample(['"a"', '"b"', '"c"', '"\\u0061"'], rnd.randint(0, 3))
    return '{' + ','.join(k + ':' + gen(d + 1) for k in keys) + '}'

def mutate(s):
    s = list(s)
    for _ in range(rnd.randint(0, 3)):
        op, i = rnd.random(), rnd.randint(0, len(s))
        if op < 0.4 and s:
            del s[min(i, len(s) - 1)]
        elif op < 0.8:
            s.insert(i, rnd.choice(junk))
        elif s:
            s[min(i, len(s) - 1)] = rnd.choice(junk)
    return ''.join(s)

def py_valid(text):
    def bad_const(c):
        raise ValueError(c)
    try:
        json.loads(text, parse_constant=bad_const)
        return True
    except Exception:
        return False

payloads = []
while len(payloads) < N:
    v = mutate(gen())
    if '\n' in v or '\r' in v or '\\ud8' in v.lower() or '\\udc' in v.lower():
        continue
    payloads.append(BASE + '"power":1,"x":' + v + '}')
mism = 0
for p, o in zip(payloads, run(payloads)):
    if (o == 'OK') != py_valid(p) and 'nesting_too_deep' not in o:
        mism += 1
        if mism <= 5:
            print("# syntax mismatch: %r -> %s" % (p, o))
n_ok = sum(1 for p in payloads if py_valid(p))
if mism == 0:
    print("ok - oracle: JSON syntax agrees with Python json on %d payloads (%d valid)" % (N, n_ok))
else:
    fails += 1
    print("not ok - oracle: JSON syntax, %d of %d disagree" % (mism, N))

# ---- 2. numbers
rnd = random.Random(7)

def rnum():
    s = rnd.choice(['', '-'])
    s += rnd.choice(['0', str(rnd.randint(1, 9)) + ''.join(rnd.choice('0123456789') for _ in range(rnd.randint(0, 22)))])
    if rnd.random() < 0.6:
        s += '.' + ''.join(rnd.choice('0000123456789') for _ in range(rnd.randint(1, 25)))
    if rnd.random() < 0.4:
        s += rnd.choice('eE') + rnd.choice(['', '+', '-']) + str(rnd.randint(0, 30))
    return s

nums = [rnum() for _ in range(N)]
mism = 0
for c, o in zip(nums, run([BASE + '"power":' + c + '}' for c in nums], dump=True)):
    d = Decimal(c) * 1000
    if d != d.to_integral_value():
        want = 'too_many_decimals'
    elif abs(d) > 10 ** 9:
        want = 'value_out_of_range'
    else:
        want = int(d)
    got = json.loads(o[3:])['power_mw'] if o.startswith('OK') else o.split()[1]
    if got != want:
        mism += 1
        if mism <= 5:
            print("# number mismatch: %s -> %s, expected %s" % (c, got, want))
if mism == 0:
    print("ok - oracle: %d random numbers convert exactly as decimal arithmetic says" % N)
else:
    fails += 1
    print("not ok - oracle: numbers, %d of %d disagree" % (mism, N))
sys.exit(1 if fails else 0)
