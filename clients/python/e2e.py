"""End-to-end checks of the Python client against a running server. Exit 0 only if all pass."""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cerberus_client import CerberusClient, CerberusError, Item  # noqa: E402

TARGET = sys.argv[1]
MODEL = os.environ.get("CERBERUS_E2E_MODEL", "fashion")
IMAGES = os.environ.get("CERBERUS_E2E_IMAGES", os.path.join(HERE, "../../examples/images/fashion"))
STREAM_ITEMS = int(os.environ.get("CERBERUS_E2E_STREAM_ITEMS", "10000"))
CORRUPT = b"this is not an image"

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


paths = sorted(glob.glob(os.path.join(IMAGES, "**", "*.png"), recursive=True))
if not paths:
    sys.exit(f"no sample images under {IMAGES}")
images = [open(p, "rb").read() for p in paths]
client = CerberusClient(TARGET, timeout=120)


def health():
    expect(client.health() == "SERVING", "overall health is not SERVING")


def unary():
    items = [Item(id=f"u{i}", image=images[i]) for i in range(3)]
    items.insert(1, Item(id="bad", image=CORRUPT))
    res = client.classify(MODEL, items)
    expect([r["id"] for r in res] == ["u0", "bad", "u1", "u2"], f"ids/order: {res}")
    for r in (res[0], res[2], res[3]):
        expect("decision" in r and r["heads"], f"no prediction: {r}")
        for head in r["heads"].values():
            s = sum(head["probabilities"].values())
            expect(abs(s - 1) < 1e-3, f"probabilities sum to {s}")
    expect(res[1].get("error", {}).get("code") == "INVALID_ARGUMENT", f"corrupt item: {res[1]}")


def stream():
    def gen():
        for i in range(STREAM_ITEMS):
            if i % 1000 == 500:
                yield Item(id=f"s{i}", image=CORRUPT)
            else:
                yield Item(id=f"s{i}", image=images[i % len(images)])
    seen, errors = set(), 0
    for r in client.classify_stream(MODEL, gen(), chunk=100):
        expect(r["id"] not in seen, f"duplicate result {r['id']}")
        seen.add(r["id"])
        if "error" in r:
            errors += 1
            expect(r["error"]["code"] == "INVALID_ARGUMENT", f"unexpected error {r}")
    expect(len(seen) == STREAM_ITEMS, f"{len(seen)} results for {STREAM_ITEMS} items")
    expect(errors == STREAM_ITEMS // 1000, f"{errors} item errors, expected {STREAM_ITEMS // 1000}")


def not_found():
    try:
        client.classify("no-such-model", [Item(id="x", image=images[0])])
    except CerberusError as e:
        expect(e.code == "NOT_FOUND", f"code {e.code}")
        expect("no-such-model" in e.message, f"message does not name the model: {e.message}")
        return
    raise AssertionError("unknown model did not fail")


def cli_error():
    p = subprocess.run([sys.executable, "-m", "cerberus_client", "--target", TARGET,
                        "--model", "no-such-model", paths[0]], cwd=HERE,
                       capture_output=True, text=True, timeout=120)
    expect(p.returncode == 2, f"exit code {p.returncode}")
    expect(p.stderr.startswith("error: NOT_FOUND: "), f"stderr: {p.stderr!r}")
    expect("Traceback" not in p.stderr, "stack trace shown")


def cli_jsonl():
    p = subprocess.run([sys.executable, "-m", "cerberus_client", "--target", TARGET,
                        "--model", MODEL, paths[0], paths[1]], cwd=HERE,
                       capture_output=True, text=True, timeout=120)
    expect(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    expect(sorted(r["id"] for r in lines) == sorted(paths[:2]), f"ids: {lines}")
    expect(all({"decision", "unknown", "ood_score", "reason", "heads"} <= r.keys() for r in lines), "keys")


def oip_infer():
    reference = client.classify(MODEL, [Item(id=str(i), image=images[i]) for i in range(2)])
    out = client.oip_infer_bytes(MODEL, images[:2])
    expect({"decision", "unknown", "ood_score"} <= out.keys(), f"outputs: {list(out)}")
    decisions = [d.decode() for d in out["decision"]["data"]]
    expect(decisions == [r["decision"] for r in reference], f"{decisions} vs {reference}")
    for name, head in reference[0]["heads"].items():
        t = out[name]
        expect(t["shape"] == [2, len(head["probabilities"])], f"{name} shape {t['shape']}")
        got = t["data"][: len(head["probabilities"])]
        want = list(head["probabilities"].values())
        expect(max(abs(a - b) for a, b in zip(got, want)) < 1e-4, f"{name}: {got} vs {want}")
    try:
        client.oip_infer_bytes(MODEL, [images[0], CORRUPT])
        raise AssertionError("corrupt OIP item did not fail the request")
    except CerberusError as e:
        expect(e.code == "INVALID_ARGUMENT" and "item 1" in e.message, f"{e}")


for name, fn in [("health", health), ("unary classify with a corrupt item", unary),
                 (f"stream of {STREAM_ITEMS} items", stream), ("unknown model -> NOT_FOUND", not_found),
                 ("CLI error is readable", cli_error), ("CLI writes JSONL", cli_jsonl),
                 ("OIP v2 ModelInfer", oip_infer)]:
    check(name, fn)
client.close()
print(f"python e2e: {7 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
