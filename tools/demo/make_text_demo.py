#!/usr/bin/python3
"""Builds a text demo bundle on all-MiniLM-L6-v2 (not committed: the backbone is 90 MB).

  tools/demo/make_text_demo.sh      (builds build/minilm and installs wordnet-base first), or:
  /usr/bin/python3 tools/demo/make_text_demo.py --minilm build/minilm --out build/text-models/wordnet/1

Data: WordNet 3.0 noun glosses (Debian `wordnet-base`, /usr/share/wordnet/data.noun); a gloss's
topic is its synset's lexicographer file (noun.animal, noun.plant, ...). Heads:
  topic                 multiclass over animal, plant, food, artifact
  other-vs-person       binary [other, person]    (base = glosses of any other noun topic)
  other-vs-location     binary [other, location]
  other-vs-body         binary [other, body]
Unknown policy: max_softmax of `topic`, calibrated on validation glosses at --target-tpr.
Tokenization: BERT uncased WordPiece implemented here over tokenizer.json's vocabulary
(Debian has no python3-tokenizers); checked against the model's reference.json token ids.
Pooling: mean over the attention mask of the backbone's token states (what the server does
for "output": "tokens", "pooling": "mean"; no L2 normalisation).
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_demo_bundle as mdb  # noqa: E402  (fit_linear, Standardizer, metrics, npy writer)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "backbone", "minilm"))
from wordpiece import WordPiece  # noqa: E402  (shared with the MiniLM converter's checks)

REPO = os.path.dirname(os.path.dirname(HERE))
WORDNET = "/usr/share/wordnet/data.noun"
TOPICS = [("animal", 5), ("plant", 20), ("food", 13), ("artifact", 6)]
BINARY = [("person", 18), ("location", 15), ("body", 8)]
MAX_TOKENS = 128
BUCKETS = [16, 32, 64, 128]


def log(m):
    print(m, file=sys.stderr, flush=True)


def read_glosses(path=WORDNET):
    """(lexfile number, definition) of every noun synset; the definition is the gloss up to
    its first quoted example."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("  ") or "|" not in line:
                continue
            head, gloss = line.split("|", 1)
            lex = int(head.split()[1])
            d = gloss.strip().split('; "')[0].strip().rstrip(";").strip()
            if len(d) >= 10:
                out.append((lex, d))
    return out


def embed(backbone, tok, texts, batch, what):
    """Mean-pooled last hidden states [N,384], padded per bucket like the server."""
    enc = [tok.encode(t) for t in texts]
    order = sorted(range(len(enc)), key=lambda i: len(enc[i]))
    out = np.zeros((len(enc), 384), dtype=np.float32)
    t0, last = time.time(), 0
    with torch.jit.optimized_execution(False), torch.inference_mode():
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            longest = max(len(enc[i]) for i in idx)
            T = next(b for b in BUCKETS if b >= longest)
            ids = torch.zeros(len(idx), T, dtype=torch.int64)
            mask = torch.zeros(len(idx), T, dtype=torch.int64)
            for r, i in enumerate(idx):
                ids[r, :len(enc[i])] = torch.tensor(enc[i])
                mask[r, :len(enc[i])] = 1
            h = backbone(ids, mask, torch.zeros_like(ids))
            m = mask.unsqueeze(-1).to(h.dtype)
            out[idx] = ((h * m).sum(1) / m.sum(1)).numpy()
            done = s + len(idx)
            now = time.time()
            if now - last > 5 or done == len(order):
                last = now
                rate = done / (now - t0)
                log(f"  [{what}] {done}/{len(order)} texts  {rate:6.1f} seq/s  ETA {(len(order) - done) / rate:4.0f} s")
    return out, len(order) / (time.time() - t0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minilm", required=True, help="folder with backbone.pt and tokenizer.json (e.g. build/minilm)")
    p.add_argument("--out", required=True, help="bundle folder, e.g. /tmp/models/wordnet/1")
    p.add_argument("--name", default="wordnet")
    p.add_argument("--wordnet", default=WORDNET)
    p.add_argument("--cache", default=os.path.join(REPO, "build", "demo-cache"))
    p.add_argument("--per-class", type=int, default=600, help="glosses per class (fit+val+test)")
    p.add_argument("--seed", type=int, default=20240611)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--target-tpr", type=float, default=0.95)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    t_start = time.time()

    tok_path = os.path.join(a.minilm, "tokenizer.json")
    tok = WordPiece(tok_path)
    # the reference ids travel with the repository, so a converted build/minilm is checked too
    ref_path = os.path.join(a.minilm, "reference.json")
    if not os.path.exists(ref_path):
        ref_path = os.path.join(REPO, "tools", "backbone", "minilm", "reference.json")
    ref = json.load(open(ref_path))
    for s in ref["sentences"]:
        got = tok.encode(s["text"])
        if got != s["input_ids"]:
            raise SystemExit(f"tokenizer mismatch on {s['text']!r}: {got} != {s['input_ids']}")
    log(f"tokenizer: {len(ref['sentences'])} reference sentences give the reference ids")

    if not os.path.exists(a.wordnet):
        raise SystemExit(f"{a.wordnet} missing: apt-get install -y wordnet-base")
    glosses = read_glosses(a.wordnet)
    rng = np.random.RandomState(a.seed)
    by_lex = {}
    for lex, d in glosses:
        by_lex.setdefault(lex, []).append(d)
    n_fit, n_val = int(a.per_class * 0.6), int(a.per_class * 0.2)
    n_test = a.per_class - n_fit - n_val

    def take(lex, n):
        pool = by_lex[lex]
        return [pool[i] for i in rng.permutation(len(pool))[:n]]

    topic_lex = [lex for _, lex in TOPICS]
    bin_lex = [lex for _, lex in BINARY]
    other_lex = sorted(set(by_lex) - set(topic_lex) - set(bin_lex))
    sets = {}
    for name, lex in TOPICS + BINARY:
        sets[name] = take(lex, a.per_class)
    # "other": glosses of the remaining noun topics, used as binary base and as unseen topics
    other_pool = [d for lex in other_lex for d in by_lex[lex]]
    other = [other_pool[i] for i in rng.permutation(len(other_pool))[:a.per_class * 2]]

    backbone_path = os.path.join(a.minilm, "backbone.pt")
    sha = mdb.fm.sha256_file(backbone_path)
    wn_sha = mdb.fm.sha256_file(a.wordnet)
    key = hashlib.sha256(json.dumps([sha, wn_sha, a.per_class, a.seed, MAX_TOKENS, "mean"]).encode()).hexdigest()[:16]
    cache = os.path.join(a.cache, f"text-{key}.npz")
    names = [n for n, _ in TOPICS + BINARY] + ["other"]
    texts = [t for n in names[:-1] for t in sets[n]] + other
    owner = np.array([i for i, n in enumerate(names[:-1]) for _ in sets[n]] + [len(names) - 1] * len(other))
    rate = None
    if os.path.exists(cache):
        feats = np.load(cache)["f"]
        log(f"features cached: {cache}")
    else:
        backbone = torch.jit.load(backbone_path).eval()
        log(f"embedding {len(texts)} glosses ...")
        feats, rate = embed(backbone, tok, texts, a.batch, "minilm")
        os.makedirs(a.cache, exist_ok=True)
        np.savez(cache + f".tmp{os.getpid()}.npz", f=feats)
        os.replace(cache + f".tmp{os.getpid()}.npz", cache)

    def split(i):
        f = feats[owner == i]
        return f[:n_fit], f[n_fit:n_fit + n_val], f[n_fit + n_val:]

    parts = {n: split(i) for i, n in enumerate(names[:-1])}
    of = feats[owner == len(names) - 1]
    h = len(of) // 2
    other_fit, other_val, other_test = of[:int(h * 0.75)], of[int(h * 0.75):h], of[h:]

    # topic head
    Xf = np.concatenate([parts[n][0] for n, _ in TOPICS]).astype(np.float64)
    yf = np.concatenate([np.full(n_fit, k) for k in range(len(TOPICS))])
    Xv = np.concatenate([parts[n][1] for n, _ in TOPICS])
    yv = np.concatenate([np.full(n_val, k) for k in range(len(TOPICS))])
    Xt = np.concatenate([parts[n][2] for n, _ in TOPICS])
    yt = np.concatenate([np.full(n_test, k) for k in range(len(TOPICS))])
    std = mdb.Standardizer(Xf)
    best = None
    for lam in [1e-1, 3e-2, 1e-2, 3e-3]:
        W, b = std.fold(*mdb.fit_linear(std(Xf), yf, len(TOPICS), lam)[:2])
        pv = mdb.softmax(mdb.logits32(Xv, W, b))
        v = mdb.nll(pv, yv)
        log(f"  topic l2={lam:g}: val nll {v:.4f} val acc {(pv.argmax(1) == yv).mean():.4f}")
        if best is None or v < best[0]:
            best = (v, lam, W, b, None)
    _, lam, W, b, _ = best
    pv, pt = mdb.softmax(mdb.logits32(Xv, W, b)), mdb.softmax(mdb.logits32(Xt, W, b))
    po = mdb.softmax(mdb.logits32(other_test, W, b))
    thr = mdb.threshold_at_tpr(1 - pv.max(1), a.target_tpr)
    correct = pt.argmax(1) == yt
    acc_mask = (1 - pt.max(1)) <= thr
    metrics = {"topic_test_accuracy": round(float(correct.mean()), 6),
               "topic_test_acceptance": round(float(acc_mask.mean()), 6),
               "topic_test_right_decision": round(float((correct & acc_mask).mean()), 6),
               "other_topics_rejection": round(float(((1 - po.max(1)) > thr).mean()), 6),
               "auroc_max_softmax_other_topics_vs_known": round(mdb.auroc(1 - po.max(1), 1 - pt.max(1)), 6)}
    heads = [{"name": "topic", "kind": "multiclass", "labels": [n for n, _ in TOPICS], "layers": [(W, b)]}]

    # base-vs-X binary heads: X positives against "other" glosses
    for name, _ in BINARY:
        pf, pvv, ptt = parts[name]
        Xb = np.concatenate([pf, other_fit]).astype(np.float64)
        yb = np.concatenate([np.ones(len(pf)), np.zeros(len(other_fit))]).astype(int)
        sb = mdb.Standardizer(Xb)
        Wb, bb = sb.fold(*mdb.fit_linear(sb(Xb), yb, 2, lam, binary=True)[:2])
        Xe = np.concatenate([ptt, other_test])
        ye = np.concatenate([np.ones(len(ptt)), np.zeros(len(other_test))]).astype(int)
        ze = mdb.logits32(Xe, Wb, bb)[:, 0]
        acc = float(((ze > 0).astype(int) == ye).mean())
        metrics[f"other-vs-{name}_test_accuracy"] = round(acc, 6)
        metrics[f"other-vs-{name}_test_auroc"] = round(mdb.auroc(ze[ye == 1], ze[ye == 0]), 6)
        log(f"  other-vs-{name}: test accuracy {acc:.4f}")
        heads.append({"name": f"other-vs-{name}", "kind": "binary", "labels": ["other", name], "layers": [(Wb, bb)]})

    # write the bundle
    os.makedirs(a.out, exist_ok=True)
    for f in ("backbone.pt", "tokenizer.json"):
        shutil.copyfile(os.path.join(a.minilm, f), os.path.join(a.out, f))
    lic = "/usr/share/common-licenses/Apache-2.0"
    if os.path.exists(lic):
        shutil.copyfile(lic, os.path.join(a.out, "LICENSE-weights"))
    card = os.path.join(a.minilm, "README.md")  # the converter's model card (build/minilm)
    if os.path.exists(card):
        shutil.copyfile(card, os.path.join(a.out, "MODEL_CARD-backbone.md"))
    shutil.rmtree(os.path.join(a.out, "heads"), ignore_errors=True)
    hj = []
    for hd in heads:
        Wl, bl = hd["layers"][0]
        mdb.save_npy(os.path.join(a.out, f"heads/{hd['name']}/0.weight.npy"), Wl)
        mdb.save_npy(os.path.join(a.out, f"heads/{hd['name']}/0.bias.npy"), bl)
        hj.append({"name": hd["name"], "kind": hd["kind"], "labels": hd["labels"],
                   "layers": [{"weight": f"heads/{hd['name']}/0.weight.npy", "bias": f"heads/{hd['name']}/0.bias.npy"}]})
    manifest = {
        "schema_version": 1, "name": a.name, "version": os.path.basename(os.path.normpath(a.out)),
        "description": "WordNet noun glosses: topic (animal, plant, food, artifact) plus unknown; base-vs-X binaries",
        "input": {"kind": "text", "text": {"tokenizer": "tokenizer.json", "max_tokens": MAX_TOKENS,
                                           "pooling": "mean", "buckets": BUCKETS}},
        "backbone": {"file": "backbone.pt", "output": "tokens", "feature_size": 384, "sha256": sha},
        "heads": hj,
        "unknown": {"method": "max_softmax", "head": "topic", "threshold": round(thr, 6),
                    "calibrated_tpr": a.target_tpr},
        "provenance": {"tool": "tools/demo/make_text_demo.py", "backbone": "all-MiniLM-L6-v2 (Apache-2.0)",
                       "data": {"wordnet data.noun": wn_sha}, "seed": a.seed, "l2": lam,
                       "topics": {n: f"lexfile {lex}" for n, lex in TOPICS + BINARY},
                       "other": f"lexfiles {other_lex}",
                       "counts": {"per_class": a.per_class, "fit": n_fit, "val": n_val, "test": n_test}},
        "metrics": metrics,
    }
    with open(os.path.join(a.out, "bundle.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    for k, v in metrics.items():
        log(f"  {k}: {v}")
    if rate:
        log(f"MiniLM embedding: {rate:.1f} seq/s (batch {a.batch}, {a.threads} threads)")
    log(f"wrote {a.out} in {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
