"""The clients' shared end-to-end scenario (clients/README.md "The e2e scenario") in Python,
against a running server, through the *installed* package: e2e.py HOST:PORT. Exit 0 only if all
checks pass. Environment: see clients/README.md."""
import json
import os
import subprocess
import sys

import cerberus_client as cc
from cerberus_client import CerberusError, Item, oip

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TARGET = sys.argv[1]
ENV = os.environ.get
MODEL = ENV("CERBERUS_E2E_MODEL", "fashion")
KNOWN = os.path.join(REPO, ENV("CERBERUS_E2E_KNOWN", "examples/images/fashion/bag/00018.png"))
KNOWN_LABEL = ENV("CERBERUS_E2E_KNOWN_LABEL", "bag")
UNSEEN = os.path.join(REPO, ENV("CERBERUS_E2E_UNSEEN", "examples/images/fashion/pullover/00001.png"))
TEXT_MODEL = ENV("CERBERUS_E2E_TEXT_MODEL", "")
HEADS_MODEL = ENV("CERBERUS_E2E_HEADS_MODEL", "")
STREAM_ITEMS = int(ENV("CERBERUS_E2E_STREAM_ITEMS", "10000"))
STREAM_DEADLINE = float(ENV("CERBERUS_E2E_STREAM_DEADLINE", "600"))
TOKEN = ENV("CERBERUS_E2E_TOKEN") or None
CA = ENV("CERBERUS_E2E_CA") or None
CLI = ENV("CERBERUS_E2E_PY_CLI", "cerberus-client")
CORRUPT = b"this is not an image"

print(f"cerberus_client from {os.path.dirname(cc.__file__)}")
known, unseen = open(KNOWN, "rb").read(), open(UNSEEN, "rb").read()
client = cc.connect(TARGET, token=TOKEN, tls=CA, timeout=120)
failures = []


def check(name, fn):
    try:
        fn()
        print(f"ok   {name}")
    except Exception as e:  # report and go on: every check runs
        failures.append(name)
        print(f"FAIL {name}: {type(e).__name__}: {e}")


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expect_error(code, fn, *needles):
    try:
        fn()
    except CerberusError as e:
        expect(e.code == code, f"code {e.code} ({e.message}), expected {code}")
        for n in needles:
            expect(n in e.message, f"message does not name {n!r}: {e.message}")
        return
    raise AssertionError(f"no error, expected {code}")


def health():
    expect(client.health() == "SERVING", "overall health is not SERVING")


def models():
    names = {m["name"] for m in client.list_models()}
    for m in (MODEL, TEXT_MODEL, HEADS_MODEL):
        expect(not m or m in names, f"{m} not in {sorted(names)}")


def known_and_unseen():
    k, u = client.classify_images(MODEL, [known, unseen])
    expect(k["decision"] == KNOWN_LABEL and not k["unknown"] and k["reason"] == "class", f"known: {k}")
    for head in k["heads"].values():
        expect(abs(sum(head["probabilities"].values()) - 1) < 1e-3, f"probabilities of {head}")
    expect(u["unknown"] and u["decision"] == "unknown" and u["reason"] in ("threshold", "gate"), f"unseen: {u}")


def bad_item():
    res = client.classify(MODEL, [Item("a", image=known), Item("bad", image=CORRUPT), Item("b", image=unseen)])
    expect([r["id"] for r in res] == ["a", "bad", "b"], f"ids/order: {res}")
    expect("decision" in res[0] and "decision" in res[2], f"good items: {res}")
    expect(res[1].get("error", {}).get("code") == "INVALID_ARGUMENT", f"corrupt item: {res[1]}")


def text():
    res = client.classify_texts(TEXT_MODEL, ["the cat", "a bus"])
    expect(len(res) == 2 and all("decision" in r and r["heads"] for r in res), f"{res}")


def per_head():
    vecs = [[4, 0], [0, 4], [0, 0]]
    res = client.classify(HEADS_MODEL, [Item(str(i), tensor=([2], v)) for i, v in enumerate(vecs)])
    expect([r["accepted_heads"] for r in res] == [["color"], ["size"], []], f"accepted: {res}")
    for r in res:
        for name, h in r["heads"].items():
            expect(h["unknown"] == (h["ood_score"] > h["threshold"]), f"{name}: {h}")
            expect(h["reason"] == ("threshold" if h["unknown"] else "class"), f"{name}: {h}")
            expect((name in r["accepted_heads"]) == (not h["unknown"]), f"{name} in {r}")
    expect(res[2]["unknown"] and res[2]["reason"] == "threshold", f"none of these: {res[2]}")
    expect(not res[0]["unknown"] and not res[1]["unknown"], f"known: {res[:2]}")


def stream():
    def gen():
        for i in range(STREAM_ITEMS):
            yield Item(f"s{i}", image=CORRUPT if i % 1000 == 500 else (known, unseen)[i % 2])
    seen, errors = set(), 0
    for r in client.classify_stream(MODEL, gen(), chunk=100, timeout=STREAM_DEADLINE):
        expect(r["id"] not in seen, f"duplicate result {r['id']}")
        seen.add(r["id"])
        if "error" in r:
            errors += 1
            expect(r["error"]["code"] == "INVALID_ARGUMENT", f"unexpected error {r}")
    expect(len(seen) == STREAM_ITEMS, f"{len(seen)} results for {STREAM_ITEMS} items")
    expect(errors == (STREAM_ITEMS + 499) // 1000, f"{errors} item errors")


def deadline():
    expect_error("DEADLINE_EXCEEDED", lambda: client.classify_images(MODEL, [known] * 8, timeout=0.001))


def not_found():
    expect_error("NOT_FOUND", lambda: client.classify_images("no-such-model", [known]), "no-such-model")


def token():
    with cc.connect(TARGET, tls=CA) as anonymous:
        expect(anonymous.health() == "SERVING", "health must stay open without a token")
        expect_error("UNAUTHENTICATED", lambda: anonymous.classify_images(MODEL, [known]))
        expect_error("UNAUTHENTICATED", lambda: client.__class__(TARGET, token="wrong", tls=CA)
                     .classify_images(MODEL, [known]))


def oip_infer():
    ref = client.classify_images(MODEL, [known, unseen])
    out = client.oip_infer(oip.image_request(MODEL, [known, unseen]))
    got = oip.decisions(out)
    expect([(d["decision"], d["unknown"], d["reason"]) for d in got]
           == [(r["decision"], r["unknown"], r["reason"]) for r in ref], f"{got} vs {ref}")
    for name, head in ref[0]["heads"].items():
        want = list(head["probabilities"].values())
        got_p = out[name]["data"][:len(want)]
        expect(max(abs(a - b) for a, b in zip(got_p, want)) < 1e-4, f"{name}: {got_p} vs {want}")
    expect_error("INVALID_ARGUMENT", lambda: client.oip_infer(oip.image_request(MODEL, [known, CORRUPT])),
                 "item 1")
    reqs = [oip.image_request(MODEL, [known], request_id="good"),
            oip.image_request(MODEL, [CORRUPT], request_id="bad")]
    answers = dict(client.oip_stream_infer(reqs, timeout=120))
    expect(oip.decisions(answers["good"])[0]["decision"] == KNOWN_LABEL, f"stream good: {answers}")
    expect(isinstance(answers["bad"], CerberusError) and answers["bad"].code == "INVALID_ARGUMENT",
           f"stream bad: {answers['bad']}")


def cli():
    auth = ["--tls-ca", CA] if CA else []
    env = dict(os.environ, CERBERUS_TOKEN=TOKEN or "")
    p = subprocess.run([CLI, "--target", TARGET, *auth, "--model", MODEL, KNOWN, UNSEEN],
                       capture_output=True, text=True, timeout=120, env=env)
    expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    expect(sorted(r["id"] for r in lines) == sorted([KNOWN, UNSEEN]), f"ids: {lines}")
    expect(all({"decision", "unknown", "ood_score", "reason", "heads"} <= r.keys()
               for r in lines), f"keys: {lines}")
    p = subprocess.run([CLI, "--target", TARGET, *auth, "--model", "no-such-model", KNOWN],
                       capture_output=True, text=True, timeout=120, env=env)
    expect(p.returncode == 2 and p.stderr.startswith("error: NOT_FOUND: "), f"{p.returncode} {p.stderr!r}")
    expect("Traceback" not in p.stderr and len(p.stderr.splitlines()) == 1, f"stderr: {p.stderr!r}")


checks = [("health", health), ("list models", models), ("known image and unseen image", known_and_unseen),
          ("bad item beside good ones", bad_item), (f"stream of {STREAM_ITEMS} items with a deadline", stream),
          ("expired deadline -> DEADLINE_EXCEEDED", deadline), ("unknown model -> NOT_FOUND", not_found),
          ("OIP v2 ModelInfer and ModelStreamInfer", oip_infer), ("CLI: JSONL and a one-line error", cli)]
if TEXT_MODEL:
    checks.insert(4, ("text", text))
if HEADS_MODEL:
    checks.insert(4, ("per-head fields", per_head))
if TOKEN:
    checks.append(("token required, health open", token))
for name, fn in checks:
    check(name, fn)
client.close()
print(f"python e2e: {len(checks) - len(failures)} passed, {len(failures)} failed"
      + ("" if TOKEN else " (no token set: token check skipped)"))
sys.exit(1 if failures else 0)
