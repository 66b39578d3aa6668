#!/usr/bin/env python3
"""Writes valid.json, invalid.json and topics.json (lepower protocol v1 conformance
vectors, see README.md). Every expected value and offset here is written by hand from
docs/protocol.md; offsets are located with marker substrings of the payload. Run from
this folder: python3 make_vectors.py"""
import json

valid, invalid, topics = [], [], []

def V(name, kind, payload, decoded):
    valid.append({"name": name, "kind": kind, "payload": payload, "decoded": decoded})

def pos(payload, marker, nth=1, delta=0):
    """byte offset of the nth occurrence of marker (+delta)"""
    b, m = payload.encode() if isinstance(payload, str) else payload, marker.encode() if isinstance(marker, str) else marker
    i = -1
    for _ in range(nth):
        i = b.index(m, i + 1)
    return i + delta

def E(name, kind, payload, error, offset):
    v = {"name": name, "kind": kind}
    if isinstance(payload, bytes):
        v["payload_hex"] = payload.hex()
    else:
        v["payload"] = payload
    v["error"] = error
    v["offset"] = offset
    invalid.append(v)

def close(p):  # offset of the closing brace (payloads here have no trailing whitespace)
    return len(p.encode()) - 1

# ---------------------------------------------------------------- telemetry
HDR = '"v":1,"ts":1764500000.000,"boot":3,"seq":120,"interval":1.0,'
REQ = '"power":283.5,"energy_import":12345.678,"energy_export":0.0,"energy_epoch":0'
base_dec = {"ts_ms": 1764500000000, "boot": 3, "seq": 120, "interval_ms": 1000, "power_mw": 283500,
            "energy_import_mwh": 12345678, "energy_export_mwh": 0, "energy_epoch": 0, "replay": False}

V("telemetry-issue-example", "telemetry",
  '{"v":1,"ts":1764500000.000,"boot":3,"seq":120,"interval":1.0,"voltage":230.12,"current":1.234,"power":283.5,"apparent_power":284.0,"reactive_power":-12.3,"power_factor":0.998,"frequency":49.9987,"rocof":-0.012,"energy_import":12345.678,"energy_export":0.0,"energy_epoch":0,"relay":true}',
  {"ts_ms": 1764500000000, "boot": 3, "seq": 120, "interval_ms": 1000, "voltage_mv": 230120, "current_ua": 1234000,
   "power_mw": 283500, "apparent_power_milli_va": 284000, "reactive_power_milli_var": -12300, "power_factor_milli": 998,
   "frequency_uhz": 49998700, "rocof_uhz_per_s": -12000, "energy_import_mwh": 12345678, "energy_export_mwh": 0,
   "energy_epoch": 0, "relay": True, "replay": False})
V("telemetry-required-only", "telemetry", '{' + HDR + REQ + '}', dict(base_dec))
V("telemetry-key-order-free-and-whitespace", "telemetry",
  ' {\t"energy_epoch" : 0 ,\r"energy_export":0, "energy_import":12345.678,"power":283.5,"interval":1,"seq":120,"boot":3,"ts":1764500000,"v":1 } \r',
  dict(base_dec))
V("telemetry-number-forms", "telemetry",
  '{"v":1,"ts":1.764500000E9,"boot":3,"seq":120,"interval":1000e-3,"power":2835e-1,"energy_import":12345.67800000000000000000000,"energy_export":-0,"energy_epoch":0,"voltage":0.230120e3}',
  dict(base_dec, voltage_mv=230120))
V("telemetry-escaped-key-and-unknown-keys", "telemetry",
  '{"v":1,"ts":1764500000,"boot":3,"seq":120,"interval":1,"\\u0070ower":283.5,"energy_import":12345.678,"energy_export":0,"energy_epoch":0,"temperature":41.5,"x-vendor":{"a":[1,2,{"b":null}],"s":"\\u00e9\\ud83d\\ude00"},"power ":true}',
  dict(base_dec))
V("telemetry-replay", "telemetry", '{' + HDR + REQ + ',"replay":true}', dict(base_dec, replay=True))
V("telemetry-replay-false", "telemetry", '{' + HDR + REQ + ',"replay":false,"relay":false}', dict(base_dec, relay=False))
V("telemetry-maxima", "telemetry",
  '{"v":1,"ts":4102444800,"boot":4294967295,"seq":4294967295,"interval":86400,"voltage":1000,"current":1000,"power":1000000,"apparent_power":1000000,"reactive_power":1000000,"power_factor":1,"frequency":1000,"rocof":100,"energy_import":999999999999.999,"energy_export":999999999999.999,"energy_epoch":4294967295}',
  {"ts_ms": 4102444800000, "boot": 4294967295, "seq": 4294967295, "interval_ms": 86400000, "voltage_mv": 1000000,
   "current_ua": 1000000000, "power_mw": 1000000000, "apparent_power_milli_va": 1000000000,
   "reactive_power_milli_var": 1000000000, "power_factor_milli": 1000, "frequency_uhz": 1000000000,
   "rocof_uhz_per_s": 100000000, "energy_import_mwh": 999999999999999, "energy_export_mwh": 999999999999999,
   "energy_epoch": 4294967295, "replay": False})
V("telemetry-minima", "telemetry",
  '{"v":1,"ts":1000000000,"boot":0,"seq":0,"interval":0.001,"voltage":0,"current":0.000001,"power":-1000000,"apparent_power":0,"reactive_power":-1000000,"power_factor":-1,"frequency":1,"rocof":-100,"energy_import":0,"energy_export":0.001,"energy_epoch":0}',
  {"ts_ms": 1000000000000, "boot": 0, "seq": 0, "interval_ms": 1, "voltage_mv": 0, "current_ua": 1,
   "power_mw": -1000000000, "apparent_power_milli_va": 0, "reactive_power_milli_var": -1000000000,
   "power_factor_milli": -1000, "frequency_uhz": 1000000, "rocof_uhz_per_s": -100000000,
   "energy_import_mwh": 0, "energy_export_mwh": 1, "energy_epoch": 0, "replay": False})

T = '{' + HDR + REQ
E("empty-payload", "telemetry", "", "json_syntax", 0)
E("whitespace-only", "telemetry", "  ", "json_syntax", 2)
E("array-not-object", "telemetry", "[1,2]", "wrong_type", 0)
E("string-not-object", "telemetry", '"hello"', "wrong_type", 0)
E("unterminated-object", "telemetry", '{"v":1', "json_syntax", 6)
E("byte-order-mark", "telemetry", b'\xef\xbb\xbf' + (T + '}').encode(), "json_syntax", 0)
p = T + '}x'; E("trailing-garbage", "telemetry", p, "json_syntax", pos(p, '}x', 1, 1))
p = T + '}{}'; E("two-documents", "telemetry", p, "json_syntax", pos(p, '}{', 1, 1))
p = T + ',}'; E("trailing-comma", "telemetry", p, "json_syntax", close(p))
p = "{'v':1}"; E("single-quotes", "telemetry", p, "json_syntax", 1)
p = T.replace('"power":283.5', '"power":NaN') + '}'; E("nan", "telemetry", p, "json_syntax", pos(p, 'NaN'))
p = T.replace('"power":283.5', '"power":-Infinity') + '}'; E("minus-infinity", "telemetry", p, "json_syntax", pos(p, 'Infinity'))
p = T.replace('"power":283.5', '"power":"283.5"') + '}'; E("number-as-string", "telemetry", p, "wrong_type", pos(p, '"283.5"'))
p = T.replace('"power":283.5', '"power":null') + '}'; E("null-power", "telemetry", p, "wrong_type", pos(p, 'null'))
p = T.replace('"power":283.5', '"power":1e400') + '}'; E("huge-exponent", "telemetry", p, "value_out_of_range", pos(p, '1e400'))
p = T.replace('"power":283.5', '"power":283.5001') + '}'; E("power-too-many-decimals", "telemetry", p, "too_many_decimals", pos(p, '283.5001'))
p = T.replace('"power":283.5', '"power":1e-4') + '}'; E("power-tiny-exponent", "telemetry", p, "too_many_decimals", pos(p, '1e-4'))
p = T.replace('"power":283.5', '"power":1000000.001') + '}'; E("power-above-max", "telemetry", p, "value_out_of_range", pos(p, '1000000.001'))
p = T.replace('"power":283.5', '"power":+1') + '}'; E("plus-sign", "telemetry", p, "json_syntax", pos(p, '+1'))
p = T.replace('"power":283.5', '"power":.5') + '}'; E("leading-dot", "telemetry", p, "json_syntax", pos(p, '.5'))
p = T.replace('"power":283.5', '"power":5.') + '}'; E("trailing-dot", "telemetry", p, "json_syntax", pos(p, '5.,', 1, 2))
p = T.replace('"power":283.5', '"power":1e') + '}'; E("empty-exponent", "telemetry", p, "json_syntax", pos(p, '1e,', 1, 2))
p = T.replace('"power":283.5', '"power":-') + '}'; E("lone-minus", "telemetry", p, "json_syntax", pos(p, '-,', 1, 1))
p = T.replace('"seq":120', '"seq":0120') + '}'; E("leading-zero", "telemetry", p, "json_syntax", pos(p, '0120', 1, 1))
p = T.replace('"boot":3', '"boot":3.0') + '}'; E("integer-with-fraction", "telemetry", p, "wrong_type", pos(p, '3.0'))
p = T.replace('"boot":3', '"boot":3e0') + '}'; E("integer-with-exponent", "telemetry", p, "wrong_type", pos(p, '3e0'))
p = T.replace('"boot":3', '"boot":-1') + '}'; E("boot-negative", "telemetry", p, "value_out_of_range", pos(p, '-1'))
p = T.replace('"boot":3', '"boot":4294967296') + '}'; E("boot-above-max", "telemetry", p, "value_out_of_range", pos(p, '4294967296'))
p = T.replace('"v":1', '"v":2') + '}'; E("version-2", "telemetry", p, "unsupported_version", 5)
p = T.replace('"v":1', '"v":0') + '}'; E("version-0", "telemetry", p, "unsupported_version", 5)
p = T.replace('"v":1', '"v":"1"') + '}'; E("version-string", "telemetry", p, "wrong_type", 5)
p = T.replace('"v":1', '"v":1.0') + '}'; E("version-fraction", "telemetry", p, "wrong_type", 5)
p = '{' + HDR.replace('"v":1,', '') + REQ + '}'; E("missing-v", "telemetry", p, "missing_key", close(p))
p = '{' + HDR.replace('"ts":1764500000.000,', '') + REQ + '}'; E("missing-ts", "telemetry", p, "missing_key", close(p))
p = '{' + HDR + REQ.replace(',"energy_epoch":0', '') + '}'; E("missing-energy-epoch", "telemetry", p, "missing_key", close(p))
p = '{"v":1}'; E("only-version", "telemetry", p, "missing_key", 6)
p = '{}'; E("empty-object", "telemetry", p, "missing_key", 1)
p = T + ',"power":283.5}'; E("duplicate-key", "telemetry", p, "duplicate_key", pos(p, '"power"', 2))
p = T + ',"\\u0070ower":283.5}'; E("duplicate-key-escaped", "telemetry", p, "duplicate_key", pos(p, '"\\u0070ower"'))
p = T + ',"x":1,"x":{}}'; E("duplicate-unknown-key", "telemetry", p, "duplicate_key", pos(p, '"x"', 2))
p = T + ',"relay":1}'; E("relay-number", "telemetry", p, "wrong_type", pos(p, '1}'))
p = T + ',"frequency":null}'; E("frequency-null", "telemetry", p, "wrong_type", pos(p, 'null'))
p = T + ',"frequency":0}'; E("frequency-zero", "telemetry", p, "value_out_of_range", pos(p, '0}'))
p = T + ',"frequency":49.9999995}'; E("frequency-sub-microhertz", "telemetry", p, "too_many_decimals", pos(p, '49.9'))
p = T + ',"power_factor":1.001}'; E("power-factor-above-1", "telemetry", p, "value_out_of_range", pos(p, '1.001'))
p = T + ',"voltage":-0.001}'; E("voltage-negative", "telemetry", p, "value_out_of_range", pos(p, '-0.001'))
p = T.replace('"ts":1764500000.000', '"ts":1764500000.0005') + '}'; E("ts-sub-millisecond", "telemetry", p, "too_many_decimals", pos(p, '1764500000.0005'))
p = T.replace('"ts":1764500000.000', '"ts":999999999.999') + '}'; E("ts-before-2001", "telemetry", p, "value_out_of_range", pos(p, '999999999.999'))
p = T.replace('"ts":1764500000.000', '"ts":1764500000000') + '}'; E("ts-in-milliseconds", "telemetry", p, "value_out_of_range", pos(p, '1764500000000'))
p = T.replace('"interval":1.0', '"interval":0') + '}'; E("interval-zero", "telemetry", p, "value_out_of_range", pos(p, '0,"power"'))
p = T.replace('"energy_import":12345.678', '"energy_import":1000000000000') + '}'; E("energy-above-max", "telemetry", p, "value_out_of_range", pos(p, '1000000000000'))
p = T.replace('"energy_import":12345.678', '"energy_import":12345.6785') + '}'; E("energy-sub-mwh", "telemetry", p, "too_many_decimals", pos(p, '12345.6785'))
p = '{"v":1,"power":"x","boot":-1}'; E("first-error-in-document-order", "telemetry", p, "wrong_type", pos(p, '"x"'))
p = '{"power":1e-9,"v":2}'; E("per-member-error-before-version", "telemetry", p, "too_many_decimals", 9)
p = '{"boot":3,"power":"x"'; E("type-error-before-syntax-error", "telemetry", p, "wrong_type", pos(p, '"x"'))
p = T + ',"x":' + '[' * 7 + ']' * 7 + '}'; V_nest_ok = p
V("telemetry-nesting-8", "telemetry", p, dict(base_dec))
p = T + ',"x":' + '[' * 8 + ']' * 8 + '}'; E("nesting-9", "telemetry", p, "nesting_too_deep", pos(p, '[' * 8, 1, 7))
p = T + ',"x":"a\tb"}'; E("raw-tab-in-string", "telemetry", p, "json_syntax", pos(p, '\t'))
p = T + ',"x":"a\\x"}'; E("bad-escape", "telemetry", p, "json_syntax", pos(p, '\\x'))
p = T + ',"x":"\\u12"}'; E("short-unicode-escape", "telemetry", p, "json_syntax", pos(p, '\\u12'))
p = T + ',"x":"\\ud800"}'; E("lone-high-surrogate", "telemetry", p, "invalid_utf8", pos(p, '\\ud800'))
p = T + ',"x":"\\udc00"}'; E("lone-low-surrogate", "telemetry", p, "invalid_utf8", pos(p, '\\udc00'))
p = (T + ',"x":"a\xffb"}').encode('latin-1'); E("invalid-utf8-byte", "telemetry", p, "invalid_utf8", p.index(b'\xff'))
p = (T + ',"x":"\xc0\xaf"}').encode('latin-1'); E("overlong-utf8", "telemetry", p, "invalid_utf8", p.index(b'\xc0'))
p = (T + ',"x":"\xed\xa0\x80"}').encode('latin-1'); E("utf8-encoded-surrogate", "telemetry", p, "invalid_utf8", p.index(b'\xed'))
p = (T + ',"x":"\xe2\x80"}').encode('latin-1'); E("truncated-utf8", "telemetry", p, "invalid_utf8", p.index(b'\xe2'))
p = (T + ',\xff"x":1}').encode('latin-1'); E("byte-outside-string", "telemetry", p, "json_syntax", p.index(b'\xff'))
p = (T + '}\x00').encode('latin-1'); E("trailing-nul", "telemetry", p, "json_syntax", len(p) - 1)
p = T + ',"x":tru}'; E("bad-literal", "telemetry", p, "json_syntax", pos(p, 'tru}', 1, 3))
keys = ''.join(',"k%02d":0' % i for i in range(33))
p = T + keys + '}'; E("too-many-unknown-keys", "telemetry", p, "too_many_keys", pos(p, '"k32"'))
pad = 1024 - len(T + ',"pad":""}')
p = T + ',"pad":"' + 'a' * pad + '"}'; assert len(p) == 1024
V("telemetry-exactly-1024-bytes", "telemetry", p, dict(base_dec))
p = T + ',"pad":"' + 'a' * (pad + 1) + '"}'; assert len(p) == 1025
E("telemetry-1025-bytes", "telemetry", p, "payload_too_large", 1024)

# ---------------------------------------------------------------- grid
G = '{"v":1,"boot":3,"seq":77,"t0":1764500000.05,"period":0.1,'
V("grid-issue-example", "grid",
  G + '"frequency":[49.9987,null,50.0013],"rocof":[0.012,null,-0.02],"voltage":[230.1,null,229.9]}',
  {"boot": 3, "seq": 77, "t0_ms": 1764500000050, "period_us": 100000,
   "frequency_uhz": [49998700, None, 50001300], "rocof_uhz_per_s": [12000, None, -20000],
   "voltage_mv": [230100, None, 229900]})
V("grid-frequency-only-one-value", "grid", G + '"frequency":[50]}',
  {"boot": 3, "seq": 77, "t0_ms": 1764500000050, "period_us": 100000, "frequency_uhz": [50000000]})
V("grid-64-values", "grid", G + '"frequency":[' + ','.join(['50.000001'] * 64) + ']}',
  {"boot": 3, "seq": 77, "t0_ms": 1764500000050, "period_us": 100000, "frequency_uhz": [50000001] * 64})
V("grid-all-invalid", "grid", G.replace('"period":0.1', '"period":0.016667') + '"frequency":[null,null]}',
  {"boot": 3, "seq": 77, "t0_ms": 1764500000050, "period_us": 16667, "frequency_uhz": [None, None]})
p = G + '"frequency":[50,50],"rocof":[0]}'; E("grid-length-mismatch", "grid", p, "array_length", pos(p, '[0]'))
p = G + '"frequency":[]}'; E("grid-empty-array", "grid", p, "array_length", pos(p, '[]'))
p = G + '"frequency":[' + ','.join(['50'] * 65) + ']}'; E("grid-65-values", "grid", p, "array_length", pos(p, '[') + 1 + 64 * 3)
p = G + '"frequency":[50,"50"]}'; E("grid-string-element", "grid", p, "wrong_type", pos(p, '"50"'))
p = G + '"frequency":[50,[50]]}'; E("grid-nested-array", "grid", p, "wrong_type", pos(p, '[50]'))
p = G + '"frequency":50}'; E("grid-scalar", "grid", p, "wrong_type", pos(p, '50}'))
p = G + '"frequency":[50,0.5]}'; E("grid-frequency-below-1hz", "grid", p, "value_out_of_range", pos(p, '0.5'))
p = G + '"voltage":[230]}'; E("grid-missing-frequency", "grid", p, "missing_key", close(p))
p = G.replace('"period":0.1', '"period":0') + '"frequency":[50]}'; E("grid-period-zero", "grid", p, "value_out_of_range", pos(p, '0,"freq'))
p = G.replace('"period":0.1', '"period":0.0000001') + '"frequency":[50]}'; E("grid-period-sub-microsecond", "grid", p, "too_many_decimals", pos(p, '0.0000001'))
p = G + '"frequency":[50,]}'; E("grid-trailing-comma", "grid", p, "json_syntax", pos(p, ']}'))

# ---------------------------------------------------------------- status
V("status-online", "status", '{"v":1,"state":"online","boot":3}', {"state": "online", "boot": 3})
V("status-offline-last-will", "status", '{"v":1,"state":"offline"}', {"state": "offline"})
V("status-offline-with-boot", "status", '{"v":1,"state":"offline","boot":3}', {"state": "offline", "boot": 3})
p = '{"v":1,"state":"online"}'; E("status-online-without-boot", "status", p, "missing_key", close(p))
p = '{"v":1,"state":"sleeping"}'; E("status-unknown-state", "status", p, "unknown_enum_value", pos(p, '"sleeping"'))
p = '{"v":1,"state":"Online","boot":1}'; E("status-enum-case", "status", p, "unknown_enum_value", pos(p, '"Online"'))
p = '{"v":1,"state":true}'; E("status-state-bool", "status", p, "wrong_type", pos(p, 'true'))

# ---------------------------------------------------------------- info
I = '{"v":1,"model":"lp-plug-eu","firmware":"1.2.0","hardware":"rev-b","nominal_voltage":230,"nominal_frequency":50,"max_current":16,"relay":true,"metering":"shunt"'
idec = {"model": "lp-plug-eu", "firmware": "1.2.0", "hardware": "rev-b", "nominal_voltage_v": 230,
        "nominal_frequency_hz": 50, "max_current_ma": 16000, "relay": True, "metering": "shunt", "grid_stream": False}
V("info-minimal", "info", I + '}', dict(idec))
V("info-full", "info", I + ',"grid_stream":true,"interval":10,"min_on_time":5,"min_off_time":60,"power_on":"previous","overcurrent_limit":12.5}',
  dict(idec, grid_stream=True, interval_ms=10000, min_on_time_s=5, min_off_time_s=60, power_on="previous", overcurrent_limit_ma=12500))
V("info-printable-ascii-name", "info", I.replace('"lp-plug-eu"', '"LePower Plug \\"EU\\" #1 ~"') + '}',
  dict(idec, model='LePower Plug "EU" #1 ~'))
p = I.replace('"lp-plug-eu"', '""') + '}'; E("info-empty-model", "info", p, "string_length", pos(p, '""'))
p = I.replace('"lp-plug-eu"', '"' + 'm' * 33 + '"') + '}'; E("info-model-33-chars", "info", p, "string_length", pos(p, '"mmm'))
V("info-model-32-chars", "info", I.replace('"lp-plug-eu"', '"' + 'm' * 32 + '"') + '}', dict(idec, model='m' * 32))
p = I.replace('"lp-plug-eu"', '"plug-\u00e9"') + '}'; E("info-model-non-ascii", "info", p, "string_chars", pos(p, '\u00e9'))
p = I.replace('"1.2.0"', '"1.2\\t0"') + '}'; E("info-firmware-control-escape", "info", p, "string_chars", pos(p, '\\t'))
p = I.replace('"shunt"', '"magic"') + '}'; E("info-unknown-metering", "info", p, "unknown_enum_value", pos(p, '"magic"'))
p = I.replace('"nominal_voltage":230', '"nominal_voltage":230.5') + '}'; E("info-voltage-fraction", "info", p, "wrong_type", pos(p, '230.5'))
p = I.replace('"max_current":16', '"max_current":0') + '}'; E("info-max-current-zero", "info", p, "value_out_of_range", pos(p, '0,"relay"'))
p = I + ',"power_on":"last"}'; E("info-unknown-power-on", "info", p, "unknown_enum_value", pos(p, '"last"'))
p = I.replace(',"metering":"shunt"', '') + '}'; E("info-missing-metering", "info", p, "missing_key", close(p))

# ---------------------------------------------------------------- state
V("state-minimal", "state", '{"v":1,"relay":true,"cause":"power_on"}', {"relay": True, "cause": "power_on", "tripped": False})
V("state-full", "state", '{"v":1,"relay":false,"cause":"protection","ts":1764500000.123,"id":"c-42","tripped":true}',
  {"relay": False, "cause": "protection", "ts_ms": 1764500000123, "id": "c-42", "tripped": True})
for c in ["user", "schedule", "grid"]:
    V("state-cause-" + c, "state", '{"v":1,"relay":true,"cause":"%s"}' % c, {"relay": True, "cause": c, "tripped": False})
p = '{"v":1,"relay":true,"cause":"button"}'; E("state-unknown-cause", "state", p, "unknown_enum_value", pos(p, '"button"'))
p = '{"v":1,"relay":true,"cause":"user","id":"c 42"}'; E("state-id-space", "state", p, "string_chars", pos(p, ' 42'))
p = '{"v":1,"relay":"on","cause":"user"}'; E("state-relay-string", "state", p, "wrong_type", pos(p, '"on"'))

# ---------------------------------------------------------------- event
EV = '{"v":1,"ts":1764500000.1,"boot":3,"seq":4,'
edec = {"ts_ms": 1764500000100, "boot": 3, "seq": 4}
V("event-relay", "event", EV + '"type":"relay","relay":false,"cause":"protection"}',
  dict(edec, type="relay", relay=False, cause="protection"))
V("event-grid", "event", EV + '"type":"grid","grid":"under_frequency","frequency":49.75,"rocof":-0.5,"voltage":229.5,"message":"load shed"}',
  dict(edec, type="grid", grid="under_frequency", frequency_uhz=49750000, rocof_uhz_per_s=-500000, voltage_mv=229500, message="load shed"))
V("event-grid-voltage-loss", "event", EV + '"type":"grid","grid":"voltage_loss"}', dict(edec, type="grid", grid="voltage_loss"))
V("event-fault", "event", EV + '"type":"fault","fault":"overtemperature","message":"85 \\u00b0C \u2026"}',
  dict(edec, type="fault", fault="overtemperature", message="85 \u00b0C \u2026"))
V("event-counter-reset", "event", EV + '"type":"counter_reset","energy_epoch":1,"energy_import":12345.678,"energy_export":0}',
  dict(edec, type="counter_reset", energy_epoch=1, energy_import_mwh=12345678, energy_export_mwh=0))
p = EV + '"type":"relay","relay":true,"cause":"user","grid":"rocof"}'; E("event-relay-with-grid-key", "event", p, "conflicting_keys", pos(p, '"grid"'))
p = EV + '"grid":"rocof","type":"relay","relay":true,"cause":"user"}'; E("event-conflict-before-type", "event", p, "conflicting_keys", pos(p, '"grid"'))
p = EV + '"type":"relay","relay":true}'; E("event-relay-missing-cause", "event", p, "missing_key", close(p))
p = EV + '"type":"fault","fault":"Over-Temp"}'; E("event-fault-code-chars", "event", p, "string_chars", pos(p, 'Over'))
p = EV + '"type":"counter_reset","energy_epoch":1,"energy_import":1}'; E("event-counter-reset-missing-export", "event", p, "missing_key", close(p))
p = EV + '"type":"boom"}'; E("event-unknown-type", "event", p, "unknown_enum_value", pos(p, '"boom"'))
p = EV + '"type":"fault","fault":"x","message":"' + 'a' * 129 + '"}'; E("event-message-129-bytes", "event", p, "string_length", pos(p, '"aaa'))
p = EV + '"type":"fault","fault":"x","message":"a\\u0007"}'; E("event-message-control-char", "event", p, "string_chars", pos(p, '\\u0007'))
p = EV + '"type":"fault","fault":"x","message":"' + '\u00e9' * 65 + '"}'; E("event-message-130-utf8-bytes", "event", p, "string_length", pos(p, '"\u00e9'))
V("event-message-128-utf8-bytes", "event", EV + '"type":"fault","fault":"x","message":"' + '\u00e9' * 64 + '"}',
  dict(edec, type="fault", fault="x", message='\u00e9' * 64))

# ---------------------------------------------------------------- cmd
C = '{"v":1,"id":"c-42","expires":1764500060,'
cdec = {"id": "c-42", "expires_ms": 1764500060000}
for r in ["on", "off", "toggle"]:
    V("cmd-relay-" + r, "cmd", C + '"relay":"%s"}' % r, dict(cdec, action="relay", relay=r))
V("cmd-interval", "cmd", C + '"interval":0.5}', dict(cdec, action="interval", interval_ms=500))
V("cmd-safety-all", "cmd", C + '"min_on_time":10,"min_off_time":60,"power_on":"off","overcurrent_limit":10}',
  dict(cdec, action="safety", min_on_time_s=10, min_off_time_s=60, power_on="off", overcurrent_limit_ma=10000))
V("cmd-safety-one", "cmd", C + '"min_off_time":0}', dict(cdec, action="safety", min_off_time_s=0))
V("cmd-clear-trip", "cmd", C + '"clear_trip":true}', dict(cdec, action="clear_trip"))
V("cmd-reset-energy", "cmd", C + '"reset_energy":true,"confirm":3}', dict(cdec, action="reset_energy", confirm_epoch=3))
V("cmd-reset-energy-confirm-first", "cmd", C + '"confirm":0,"reset_energy":true}', dict(cdec, action="reset_energy", confirm_epoch=0))
V("cmd-info", "cmd", C + '"info":true}', dict(cdec, action="info"))
V("cmd-id-charset", "cmd", '{"v":1,"id":"Hub.1:c_42-x","expires":1764500060.5,"info":true}', {"id": "Hub.1:c_42-x", "expires_ms": 1764500060500, "action": "info"})
p = C + '"relay":"on","info":true}'; E("cmd-two-actions", "cmd", p, "conflicting_keys", pos(p, '"info"'))
p = C + '"min_on_time":5,"relay":"on"}'; E("cmd-safety-and-relay", "cmd", p, "conflicting_keys", pos(p, '"relay"'))
p = C.rstrip(',') + '}'; E("cmd-no-action", "cmd", p, "missing_key", close(p))
p = C + '"reset_energy":true}'; E("cmd-reset-without-confirm", "cmd", p, "missing_key", close(p))
p = C + '"relay":"off","confirm":3}'; E("cmd-confirm-without-reset", "cmd", p, "conflicting_keys", pos(p, '"confirm"'))
p = C + '"clear_trip":false}'; E("cmd-clear-trip-false", "cmd", p, "value_out_of_range", pos(p, 'false'))
p = C + '"relay":"flip"}'; E("cmd-unknown-relay", "cmd", p, "unknown_enum_value", pos(p, '"flip"'))
p = C + '"relay":true}'; E("cmd-relay-bool", "cmd", p, "wrong_type", pos(p, 'true'))
p = C.replace('"c-42"', '"' + 'c' * 33 + '"') + '"info":true}'; E("cmd-id-33-chars", "cmd", p, "string_length", pos(p, '"ccc'))
p = C.replace('"c-42"', '"c/42"') + '"info":true}'; E("cmd-id-slash", "cmd", p, "string_chars", pos(p, '/42'))
p = '{"v":1,"id":"c-42","relay":"on"}'; E("cmd-missing-expires", "cmd", p, "missing_key", close(p))
p = C + '"interval":0.0001}'; E("cmd-interval-sub-ms", "cmd", p, "too_many_decimals", pos(p, '0.0001'))
p = C + '"min_off_time":86401}'; E("cmd-min-off-above-max", "cmd", p, "value_out_of_range", pos(p, '86401'))

# ---------------------------------------------------------------- ack
V("ack-ok", "ack", '{"v":1,"id":"c-42","ok":true}', {"id": "c-42", "ok": True})
V("ack-error-full", "ack", '{"v":1,"id":"c-42","ok":false,"error":"min_off_time","message":"relay off for 25 s of 120 s \u2026","retry_after":95}',
  {"id": "c-42", "ok": False, "error": "min_off_time", "message": "relay off for 25 s of 120 s \u2026", "retry_after_s": 95})
V("ack-error-escapes", "ack", '{"v":1,"id":"c-42","ok":false,"error":"bad_confirm","message":"\\"epoch\\" is 3 \\/ \\ud83d\\ude00"}',
  {"id": "c-42", "ok": False, "error": "bad_confirm", "message": '"epoch" is 3 / \U0001F600'})
V("ack-error-empty-message", "ack", '{"v":1,"id":"c-42","ok":false,"error":"expired","message":""}',
  {"id": "c-42", "ok": False, "error": "expired", "message": ""})
p = '{"v":1,"id":"c-42","ok":true,"error":"x"}'; E("ack-ok-with-error", "ack", p, "conflicting_keys", pos(p, '"error"'))
p = '{"v":1,"id":"c-42","ok":false}'; E("ack-error-missing", "ack", p, "missing_key", close(p))
p = '{"v":1,"id":"c-42","ok":false,"error":"Min-Off"}'; E("ack-error-code-chars", "ack", p, "string_chars", pos(p, 'Min'))
p = '{"v":1,"id":"c-42","ok":false,"error":"busy","retry_after":-1}'; E("ack-retry-negative", "ack", p, "value_out_of_range", pos(p, '-1'))
p = '{"v":1,"id":"c-42","ok":"true"}'; E("ack-ok-string", "ack", p, "wrong_type", pos(p, '"true"'))

# ---------------------------------------------------------------- topics
for t, dev, kind in [("lepower/plug-01/telemetry", "plug-01", "telemetry"), ("lepower/a/cmd", "a", "cmd"),
                     ("lepower/" + "x" * 32 + "/ack", "x" * 32, "ack"), ("lepower/0-9-z/grid", "0-9-z", "grid")]:
    topics.append({"topic": t, "device_id": dev, "kind": kind})
for t, err in [("lepower/plug-01", "bad_topic"), ("lepower/plug-01/telemetry/x", "bad_topic"),
               ("lepower//telemetry", "bad_topic"), ("lepower/plug-01/", "bad_topic"), ("tele/plug-01/SENSOR", "bad_topic"),
               ("Lepower/plug-01/telemetry", "bad_topic"), ("lepower/Plug-01/telemetry", "bad_device_id"),
               ("lepower/plug_01/telemetry", "bad_device_id"), ("lepower/" + "x" * 33 + "/ack", "bad_device_id"),
               ("lepower/plug-01/SENSOR", "unknown_kind"), ("lepower/plug-01/+", "unknown_kind"),
               ("lepower/+/telemetry", "bad_device_id")]:
    topics.append({"topic": t, "error": err})

names = [v["name"] for v in valid + invalid]
assert len(names) == len(set(names)), "duplicate vector names"
for fn, data in [("valid.json", valid), ("invalid.json", invalid), ("topics.json", topics)]:
    with open(fn, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
print("valid %d, invalid %d, topics %d" % (len(valid), len(invalid), len(topics)))
