#!/usr/bin/python3
"""Python check of examples/textbench: linear probe on frozen MiniLM vs fine-tuning its last
layers, on the exported JSONL (tools/data/export_text_benchmark.py). Not the trainer: a guide to
what the benchmark should show. Numbers and protocol: examples/textbench/README.md.

  /usr/bin/python3 tools/experiments/textbench_probe_vs_finetune.py cache            # layer-4 inputs + frozen pooled
  /usr/bin/python3 tools/experiments/textbench_probe_vs_finetune.py probe
  /usr/bin/python3 tools/experiments/textbench_probe_vs_finetune.py ft --split 4 --seeds 0,1,2
  /usr/bin/python3 tools/experiments/textbench_probe_vs_finetune.py ft --split 0 --lr 5e-5 --seeds 0

Needs python3-torch. Use an optimised BLAS (Debian's reference libblas is ~12x slower), e.g.
  LD_LIBRARY_PATH=<dir with OpenBLAS libblas.so.3> OPENBLAS_NUM_THREADS=1
One intra-op thread (shared machine). Prints one JSON line per result.
"""
import argparse, json, os, random, sys, time

import torch
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools", "demo"))
from make_text_demo import WordPiece  # noqa: E402  (BERT uncased WordPiece over tokenizer.json)

CACHE_SPLIT = 4  # the cache holds the input of layer 4 (= trunk.pt output at split 4)


def madd(mask):
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def layer(b, i):
    return getattr(b.encoder.layer, str(i))


def run_layers(b, x, mask, lo, hi):
    m = madd(mask)
    for i in range(lo, hi):
        x = layer(b, i)(x, m)
    return x


def meanpool(h, mask):
    m = mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1)


def pad(encs):
    T = max(len(e) for e in encs)
    ids = torch.zeros(len(encs), T, dtype=torch.int64)
    mask = torch.zeros_like(ids)
    for r, e in enumerate(encs):
        ids[r, :len(e)] = torch.tensor(e)
        mask[r, :len(e)] = 1
    return ids, mask


def load(a, x, split):
    rows = [json.loads(l) for l in open(f"{a.data}/{x}-{split}.jsonl", encoding="utf-8")]
    return [(r["text"], 0 if r["labels"][x] == a.base else 1) for r in rows]


def build_cache(a, tok):
    texts = []
    for x in a.x:
        for s in ("train", "val", "test"):
            texts += [t for t, _ in load(a, x, s)]
    texts = list(dict.fromkeys(texts))
    b = torch.jit.load(f"{a.minilm}/backbone.pt").eval()
    enc = [tok.encode(t, a.max_tokens) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: len(enc[i]))
    cache, t0 = {}, time.time()
    with torch.no_grad():
        for s in range(0, len(order), 64):
            idx = order[s:s + 64]
            ids, mask = pad([enc[i] for i in idx])
            h = run_layers(b, b.embeddings(ids, torch.zeros_like(ids)), mask, 0, CACHE_SPLIT)
            f = meanpool(run_layers(b, h, mask, CACHE_SPLIT, 6), mask)
            for r, i in enumerate(idx):
                cache[texts[i]] = (h[r, :len(enc[i])].clone().half(), f[r].clone(), enc[i])
    torch.save(cache, a.cache)
    print(json.dumps({"cached": len(texts), "seconds": round(time.time() - t0, 1)}))


def fit_probe(Xtr, ytr, wd):
    mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-6
    Z = (Xtr - mu) / sd
    w = torch.zeros(Z.shape[1], requires_grad=True)
    b0 = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b0], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(Z @ w + b0, ytr) + wd * (w * w).sum() / 2
        loss.backward()
        return loss
    opt.step(closure)
    return lambda X: (((X - mu) / sd) @ w + b0).detach()


def probe(a, C):
    for x in a.x:
        d = {s: load(a, x, s) for s in ("train", "val", "test")}
        X = {s: torch.stack([C[t][1] for t, _ in v]) for s, v in d.items()}
        Y = {s: torch.tensor([float(y) for _, y in v]) for s, v in d.items()}
        t0, best = time.time(), None
        for wd in (1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0):  # L2 strength chosen on validation
            f = fit_probe(X["train"], Y["train"], wd)
            acc = ((f(X["val"]) > 0).float() == Y["val"]).float().mean().item()
            if best is None or acc > best[0]:
                best = (acc, wd, f)
        test = ((best[2](X["test"]) > 0).float() == Y["test"]).float().mean().item()
        print(json.dumps({"x": x, "mode": "probe", "val": best[0], "wd": best[1], "test": test,
                          "n": [len(d[s]) for s in ("train", "val", "test")],
                          "seconds": round(time.time() - t0, 1)}), flush=True)


def finetune(a, C, tok, x, seed):
    """Layers [split, 6) trainable (+ a zero-initialised linear layer on the mean pool); the
    embeddings and layers below stay frozen (split 0 = every encoder layer)."""
    tr, va, te = (load(a, x, s) for s in ("train", "val", "test"))
    torch.manual_seed(seed)
    rng = random.Random(seed)
    b = torch.jit.load(f"{a.minilm}/backbone.pt").train()
    for p in b.parameters():
        p.requires_grad_(False)
    params = [p for i in range(a.split, 6) for p in layer(b, i).parameters()]
    for p in params:
        p.requires_grad_(True)
    head = torch.nn.Linear(384, 1)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    opt = torch.optim.AdamW([{"params": params, "lr": a.lr, "weight_decay": a.wd},
                             {"params": head.parameters(), "lr": a.head_lr, "weight_decay": a.wd}])
    steps = a.epochs * ((len(tr) + a.bs - 1) // a.bs)
    warm = 0.1 * steps
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / (steps - warm)))

    def trunk(texts):
        if a.split == CACHE_SPLIT:
            hs = [C[t][0].float() for t in texts]
            T = max(h.shape[0] for h in hs)
            h = torch.zeros(len(hs), T, 384)
            mask = torch.zeros(len(hs), T, dtype=torch.int64)
            for r, z in enumerate(hs):
                h[r, :z.shape[0]] = z
                mask[r, :z.shape[0]] = 1
            return h, mask
        ids, mask = pad([tok.encode(t, a.max_tokens) for t in texts])
        with torch.no_grad():
            h = run_layers(b, b.embeddings(ids, torch.zeros_like(ids)), mask, 0, a.split)
        return h, mask

    def logits(texts):
        h, mask = trunk(texts)
        return head(meanpool(run_layers(b, h, mask, a.split, 6), mask)).squeeze(-1)

    def accuracy(data):
        right = 0
        with torch.no_grad():
            for s in range(0, len(data), 128):
                chunk = data[s:s + 128]
                y = torch.tensor([float(v) for _, v in chunk])
                right += ((logits([t for t, _ in chunk]) > 0).float() == y).sum().item()
        return right / len(data)

    t0, hist = time.time(), []
    for ep in range(a.epochs):
        order = list(range(len(tr)))
        rng.shuffle(order)
        total = 0.0
        for s in range(0, len(order), a.bs):
            idx = order[s:s + a.bs]
            y = torch.tensor([float(tr[i][1]) for i in idx])
            loss = F.binary_cross_entropy_with_logits(logits([tr[i][0] for i in idx]), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        hist.append([ep + 1, total / len(tr), accuracy(va), accuracy(te)])
    print(json.dumps({"x": x, "mode": f"ft{6 - a.split}", "seed": seed, "epochs": a.epochs, "lr": a.lr,
                      "hist": hist, "val": hist[-1][2], "test": hist[-1][3],
                      "seconds": round(time.time() - t0, 1)}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["cache", "probe", "ft"])
    p.add_argument("--data", default=os.path.join(REPO, "examples/data/textbench"))
    p.add_argument("--base", default="act")
    p.add_argument("--x", default="event,cognition,communication,attribute")
    p.add_argument("--minilm", default=os.path.join(REPO, "..", "shared", "models", "minilm"))
    p.add_argument("--cache", default=os.path.join(REPO, "build", "textbench-cache4.pt"))
    p.add_argument("--max-tokens", type=int, default=32)
    p.add_argument("--split", type=int, default=4, help="first trainable layer (4 = top 2 layers, 0 = all)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--wd", type=float, default=0.01)
    p.add_argument("--bs", type=int, default=32)
    p.add_argument("--seeds", default="0")
    a = p.parse_args()
    a.x = a.x.split(",")
    torch.set_num_threads(1)
    tok = WordPiece(f"{a.minilm}/tokenizer.json")
    if a.what == "cache":
        os.makedirs(os.path.dirname(a.cache), exist_ok=True)
        return build_cache(a, tok)
    C = torch.load(a.cache) if (a.what == "probe" or a.split == CACHE_SPLIT) else None
    if a.what == "probe":
        return probe(a, C)
    for x in a.x:
        for seed in (int(s) for s in a.seeds.split(",")):
            finetune(a, C, tok, x, seed)


if __name__ == "__main__":
    main()
