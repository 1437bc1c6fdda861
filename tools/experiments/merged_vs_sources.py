"""Arm (e) of the text benchmark: a merged bundle against the single-task bundles it came from.

Sends every test text of every task to the merged model and to that task's source model on
one running server (cerberus.v1 Classify) and prints, per head: test accuracy of both, the
largest probability difference, and the unknown decisions: the source's item-level verdict
and ood_score vs the merged head's own policy (what `merge` turns the source's top-level
policy into): disagreements, the largest score difference, and how many items each side
calls unknown (both counts must be equal and, for a useful check, above 0).

  python3 tools/experiments/merged_vs_sources.py --target 127.0.0.1:PORT --merged NAME \
      --source event=textbench-full-event ... --data examples/data/textbench [--json OUT]
Run through tools/experiments/merged_vs_sources.sh, which builds the merge and the server.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))
from cerberus_client._stubs import pb, pb_grpc  # noqa: E402
import grpc  # noqa: E402

BATCH = 64


def classify(stub, model, texts):
    out = []
    for i in range(0, len(texts), BATCH):
        req = pb.ClassifyRequest(model=model, items=[
            pb.Item(id=str(i + j), text=t) for j, t in enumerate(texts[i:i + BATCH])])
        resp = stub.Classify(req, timeout=600)
        for r in resp.results:
            if r.WhichOneof("outcome") == "error":
                raise SystemExit(f"{model}: item {r.id}: {r.error.message}")
            out.append(r.prediction)
    return out


def head_of(prediction, name):
    for h in prediction.heads:
        if h.head == name:
            return h
    raise SystemExit(f"no head '{name}' in the answer")


def probs(h):
    return {p.label: p.probability for p in h.probabilities}


def compare(stub, merged, head, source, rows):
    texts = [r["text"] for r in rows]
    truth = [r["labels"][head] for r in rows]
    m = classify(stub, merged, texts)
    s = classify(stub, source, texts)
    m_right = s_right = 0
    has_policy = False
    max_diff = max_score_diff = 0.0
    disagree = merged_unknown = source_unknown = 0
    for t, mp, sp in zip(truth, m, s):
        mh, sh = head_of(mp, head), head_of(sp, head)
        m_right += mh.label == t
        s_right += sh.label == t
        pm, ps = probs(mh), probs(sh)
        max_diff = max(max_diff, max(abs(pm[k] - ps[k]) for k in ps))
        if mh.HasField("own_unknown"):
            has_policy = True
            mu = mh.own_unknown
            disagree += mu.unknown != sp.unknown
            merged_unknown += mu.unknown
            source_unknown += sp.unknown
            max_score_diff = max(max_score_diff, abs(mu.ood_score - sp.ood_score))
    n = len(rows)
    out = {"head": head, "items": n, "merged_accuracy": m_right / n,
           "source_accuracy": s_right / n, "max_probability_diff": max_diff}
    if has_policy:
        out.update({"unknown_disagreements": disagree, "unknown_agreement": 1 - disagree / n,
                    "merged_unknown": merged_unknown, "source_unknown": source_unknown,
                    "max_ood_score_diff": max_score_diff,
                    "ood_method": head_of(m[0], head).own_unknown.ood_method})
    else:
        out["unknown_agreement"] = None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--merged", required=True)
    ap.add_argument("--source", action="append", required=True, help="HEAD=MODEL")
    ap.add_argument("--data", required=True, help="folder with <head>-test.jsonl")
    ap.add_argument("--json")
    a = ap.parse_args()
    stub = pb_grpc.ClassifierStub(grpc.insecure_channel(a.target))
    rows_out = []
    for spec in a.source:
        head, model = spec.split("=", 1)
        with open(os.path.join(a.data, f"{head}-test.jsonl")) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        r = compare(stub, a.merged, head, model, rows)
        rows_out.append(r)
        unknown = "unknown: n/a (no per-head policy)"
        if r["unknown_agreement"] is not None:
            unknown = (f"unknown ({r['ood_method']}): {r['unknown_disagreements']} disagreements, "
                       f"merged {r['merged_unknown']} / source {r['source_unknown']} unknown, "
                       f"max |d ood_score| {r['max_ood_score_diff']:.2e}")
        print(f"{head:14s} n={r['items']}  merged {r['merged_accuracy']:.4f}  source "
              f"{r['source_accuracy']:.4f}  max |dp| {r['max_probability_diff']:.2e}  "
              + unknown, flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows_out, f, indent=1)


if __name__ == "__main__":
    main()
