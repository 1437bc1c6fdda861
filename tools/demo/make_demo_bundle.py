#!/usr/bin/python3
"""Builds the built-in demo bundle models/fashion/1/ (bundle format v1, docs/bundle.md).

Interim heads until the trainer module writes bundles: a linear softmax head `category` over
four Fashion-MNIST classes (trouser, bag, sneaker, dress), fitted on frozen MobileNetV2
features, with a max_softmax unknown threshold calibrated on a held-out validation split.

Run with Debian's interpreter (torch 1.13 + numpy):
  /usr/bin/python3 tools/demo/make_demo_bundle.py                       # models/fashion/1
  /usr/bin/python3 tools/demo/make_demo_bundle.py --extra-heads 15 --out /tmp/fashion16/fashion/1
  /usr/bin/python3 tools/demo/make_demo_bundle.py --separate-heads 16 --out /tmp/fashion-separate

Features are cached in build/demo-cache/ (keyed by the backbone's sha256, the data files'
sha256 and the preprocessing), so re-runs and variants skip the backbone.
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fashion_mnist as fm  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, "models", "fashion", "1")
TOOL = "tools/demo/make_demo_bundle.py"
TOOL_VERSION = 1

# The four known classes, in head label order: (kebab name, Fashion-MNIST label).
KNOWN = [("trouser", 1), ("bag", 8), ("sneaker", 7), ("dress", 3)]
EXTRA_FIT_ITEMS = 4000  # training items per extra (benchmark) head
LAMBDAS = [3e-2, 1e-2, 3e-3, 1e-3]  # L2 strengths tried, strong to weak (warm-started)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


# --------------------------------------------------------------------------------------------
# Preprocessing + feature extraction (exactly what bundle.json's "input.image" says)

def preprocess(batch_u8, size):
    """uint8 [B,28,28] gray -> float32 [B,3,size,size]: replicate to RGB, bilinear resize
    (half-pixel centres, align_corners=False, no antialias), then / 255."""
    x = torch.from_numpy(np.ascontiguousarray(batch_u8)).to(torch.float32).unsqueeze(1)
    x = x.expand(-1, 3, -1, -1)
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return (x / 255.0).contiguous()


def extract(backbone_path, images, size, batch, what):
    """Runs the backbone over uint8 images in batches, with progress (rate, ETA)."""
    model = torch.jit.load(backbone_path, map_location="cpu").eval()
    n = images.shape[0]
    out = np.empty((n, 1280), dtype=np.float32)
    t0 = time.time()
    last = 0.0
    # The profiling executor's optimisation passes made this network ~3x slower in torch 1.13.
    with torch.jit.optimized_execution(False), torch.inference_mode():
        for s in range(0, n, batch):
            e = min(n, s + batch)
            out[s:e] = model(preprocess(images[s:e], size)).numpy()
            now = time.time()
            if now - last >= 5 or e == n:
                last = now
                rate = e / max(now - t0, 1e-9)
                log(f"  [{what}] {e}/{n} images  {rate:6.1f} img/s  ETA {(n - e) / rate:5.0f} s")
    dt = time.time() - t0
    return out, n / dt


def cached_features(args, key, name, images, what, stats):
    path = os.path.join(args.cache, f"{key}-{name}.npy")
    if os.path.exists(path):
        f = np.load(path)
        if f.shape == (images.shape[0], 1280):
            log(f"  [{what}] cached: {path}")
            return f
    log(f"  [{what}] extracting {images.shape[0]} images at {args.size}x{args.size} ...")
    f, rate = extract(args.backbone, images, args.size, args.batch, what)
    stats.setdefault("extraction_img_per_s", []).append(rate)
    os.makedirs(args.cache, exist_ok=True)
    tmp = path + f".tmp{os.getpid()}.npy"
    np.save(tmp, f)
    os.replace(tmp, path)
    return f


# --------------------------------------------------------------------------------------------
# Head fitting: L2-regularised logistic regression, full batch L-BFGS in float64

def fit_linear(x, y, k, lam, binary=False, init=None, max_iter=150):
    """x: float64 standardised [N,F]; y: int labels in [0,k). Returns (W [out,F], b [out]).
    multiclass: softmax cross-entropy, out = k; binary: logistic loss on y in {0,1}, out = 1.
    Loss = mean loss + lam/2 * ||W||^2 (bias not penalised). Deterministic."""
    X = torch.from_numpy(x)
    out = 1 if binary else k
    if init is None:
        W = torch.zeros(out, X.shape[1], dtype=torch.float64, requires_grad=True)
        b = torch.zeros(out, dtype=torch.float64, requires_grad=True)
    else:
        W = torch.tensor(init[0], dtype=torch.float64, requires_grad=True)
        b = torch.tensor(init[1], dtype=torch.float64, requires_grad=True)
    Y = torch.from_numpy(y.astype(np.int64))
    Yf = Y.to(torch.float64)
    opt = torch.optim.LBFGS([W, b], lr=1, max_iter=max_iter, tolerance_grad=1e-9,
                            tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = X @ W.T + b
        if binary:
            loss = F.binary_cross_entropy_with_logits(z[:, 0], Yf)
        else:
            loss = F.cross_entropy(z, Y)
        loss = loss + 0.5 * lam * (W * W).sum()
        loss.backward()
        return loss

    opt.step(closure)
    n_iter = opt.state[opt._params[0]]["n_iter"]
    return W.detach().numpy().copy(), b.detach().numpy().copy(), n_iter


class Standardizer:
    def __init__(self, x):
        self.mu = x.mean(0)
        sd = x.std(0)
        self.sd = np.where(sd > 1e-6, sd, 1.0)

    def __call__(self, x):
        return (x - self.mu) / self.sd

    def fold(self, W, b):
        """Weights on standardised features -> float32 weights on raw features."""
        Wr = W / self.sd
        br = b - Wr @ self.mu
        return Wr.astype(np.float32), br.astype(np.float32)


def logits32(x, W, b):
    """What the server computes: float32 x W^T + b."""
    return x.astype(np.float32) @ W.T + b


def softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def nll(p, y):
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))


def auroc(pos, neg):
    """P(score of a positive > score of a negative), ties count 1/2 (Mann-Whitney U)."""
    s = np.concatenate([pos, neg]).astype(np.float64)
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1
        i = j + 1
    r = ranks[:len(pos)].sum()
    return float((r - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def threshold_at_tpr(val_scores, tpr):
    """Smallest threshold accepting (score <= threshold) at least `tpr` of the validation
    items, placed halfway to the next score so float noise does not flip decisions."""
    s = np.sort(val_scores.astype(np.float64))
    k = min(len(s) - 1, max(0, math.ceil(tpr * len(s)) - 1))
    if k + 1 < len(s):
        return float(0.5 * (s[k] + s[k + 1]))
    return float(s[k])


# --------------------------------------------------------------------------------------------
# Bundle writing

def save_npy(path, arr):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, np.ascontiguousarray(arr, dtype="<f4"))


def write_bundle(out, name, description, heads, unknown, provenance, metrics, backbone_src,
                 backbone_sha, size):
    os.makedirs(out, exist_ok=True)
    dst = os.path.join(out, "backbone.pt")
    if os.path.abspath(dst) != os.path.abspath(backbone_src):
        shutil.copyfile(backbone_src, dst)
        for extra in ("MODEL_CARD.md", "LICENSE-weights"):
            src = os.path.join(os.path.dirname(os.path.abspath(backbone_src)), extra)
            if not os.path.exists(src):
                src = os.path.join(DEFAULT_OUT, extra)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(out, extra))
    # remove heads of a previous run so the folder holds exactly this manifest's files
    shutil.rmtree(os.path.join(out, "heads"), ignore_errors=True)
    head_json = []
    for h in heads:
        layers = []
        for i, (W, b) in enumerate(h["layers"]):
            wp = f"heads/{h['name']}/{i}.weight.npy"
            bp = f"heads/{h['name']}/{i}.bias.npy"
            save_npy(os.path.join(out, wp), W)
            save_npy(os.path.join(out, bp), b)
            layers.append({"weight": wp, "bias": bp})
        head_json.append({"name": h["name"], "kind": h["kind"], "labels": h["labels"],
                          "layers": layers})
    manifest = {
        "schema_version": 1,
        "name": name,
        "version": os.path.basename(os.path.normpath(out)),
        "description": description,
        "input": {"kind": "image", "image": {
            "width": size, "height": size, "resize": "bilinear", "channels": "rgb",
            "scale": 255.0, "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]}},
        "backbone": {"file": "backbone.pt", "output": "pooled", "feature_size": 1280,
                     "sha256": backbone_sha},
        "flip_features": False,
        "heads": head_json,
        "unknown": unknown,
        "provenance": provenance,
        "metrics": metrics,
    }
    with open(os.path.join(out, "bundle.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


# --------------------------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=fm.DEFAULT_DIR)
    p.add_argument("--backbone", default=os.path.join(DEFAULT_OUT, "backbone.pt"))
    p.add_argument("--out", default=DEFAULT_OUT, help="bundle folder (…/<name>/<version>)")
    p.add_argument("--name", default="fashion")
    p.add_argument("--cache", default=os.path.join(REPO, "build", "demo-cache"))
    p.add_argument("--size", type=int, default=96, help="input width = height")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=20240611)
    p.add_argument("--val-per-class", type=int, default=1000,
                   help="training images per known class held out for validation/calibration")
    p.add_argument("--target-tpr", type=float, default=0.97,
                   help="fraction of in-distribution validation items accepted (default 0.97)")
    p.add_argument("--report-tprs", default="0.90,0.95,0.97,0.98,0.99")
    p.add_argument("--extra-heads", type=int, default=0,
                   help="add N extra heads (one-vs-rest, grouping, pairwise, resampled) for benchmarks")
    p.add_argument("--separate-heads", type=int, default=0,
                   help="instead write N single-head bundles <out>/<name>-hNN/1 (naive deployment)")
    p.add_argument("--report-json", default=None, help="also write the full report here")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)

    t_start = time.time()
    log(f"backbone {a.backbone}")
    backbone_sha = fm.sha256_file(a.backbone)
    data_sha = fm.file_hashes(a.data)
    prep = f"rgb-bilinear-ac0-{a.size}-div255"
    key = sha256_bytes(json.dumps([backbone_sha, data_sha, prep], sort_keys=True).encode())[:16]
    log(f"backbone sha256 {backbone_sha}; cache key {key}")

    tr_img, tr_lbl = fm.load("train", a.data)
    te_img, te_lbl = fm.load("test", a.data)
    known_labels = [lbl for _, lbl in KNOWN]
    names = [n for n, _ in KNOWN]
    to_head = {lbl: i for i, lbl in enumerate(known_labels)}

    # training images of the known classes, in dataset order; all test images
    tr_idx = np.nonzero(np.isin(tr_lbl, known_labels))[0]
    stats = {}
    f_tr = cached_features(a, key, "train-" + "-".join(map(str, sorted(known_labels))),
                           tr_img[tr_idx], "train", stats)
    f_te = cached_features(a, key, "test-all", te_img, "test", stats)
    y_tr_all = np.array([to_head[v] for v in tr_lbl[tr_idx]])

    # deterministic validation split: val_per_class per class from a seeded permutation
    rng = np.random.RandomState(a.seed)
    val_mask = np.zeros(len(tr_idx), dtype=bool)
    for c in range(len(KNOWN)):
        members = np.nonzero(y_tr_all == c)[0]
        val_mask[rng.permutation(members)[:a.val_per_class]] = True
    x_fit, y_fit = f_tr[~val_mask], y_tr_all[~val_mask]
    x_val, y_val = f_tr[val_mask], y_tr_all[val_mask]
    te_known = np.isin(te_lbl, known_labels)
    x_te, y_te = f_te[te_known], np.array([to_head[v] for v in te_lbl[te_known]])
    x_ood = f_te[~te_known]
    log(f"fit {len(y_fit)}  val {len(y_val)}  test known {len(y_te)}  test other-6 {len(x_ood)}")

    std = Standardizer(x_fit.astype(np.float64))
    xs_fit = std(x_fit.astype(np.float64))

    # choose L2 strength by validation log-loss (ties -> stronger regularisation)
    best = None
    sweep = []
    init = None
    fit_key = sha256_bytes(json.dumps([key, a.seed, a.val_per_class, LAMBDAS, TOOL_VERSION]).encode())[:16]
    for lam in LAMBDAS:
        t0 = time.time()
        fit_cache = os.path.join(a.cache, f"{key}-category-fit-{fit_key}-l2_{lam:g}.npz")
        if os.path.exists(fit_cache):
            c = np.load(fit_cache)
            Ws, bs, it = c["W"], c["b"], int(c["iters"])
        else:
            Ws, bs, it = fit_linear(xs_fit, y_fit, len(KNOWN), lam, init=init)
            tmp = fit_cache + f".tmp{os.getpid()}.npz"
            np.savez(tmp, W=Ws, b=bs, iters=it)
            os.replace(tmp, fit_cache)
        init = (Ws, bs)
        W, b = std.fold(Ws, bs)
        pv = softmax(logits32(x_val, W, b))
        v_nll, v_acc = nll(pv, y_val), float((pv.argmax(1) == y_val).mean())
        sweep.append({"l2": lam, "val_nll": round(v_nll, 5), "val_accuracy": round(v_acc, 5)})
        log(f"  l2={lam:g}: val nll {v_nll:.4f}  val acc {v_acc:.4f}  ({it} L-BFGS iterations, {time.time() - t0:.0f} s)")
        if best is None or v_nll < best[0] - 1e-9:
            best = (v_nll, lam, W, b)
    _, lam, W, b = best
    log(f"chosen l2 = {lam:g}")

    p_val = softmax(logits32(x_val, W, b))
    p_te = softmax(logits32(x_te, W, b))
    p_ood = softmax(logits32(x_ood, W, b))
    s_val, s_te, s_ood = 1 - p_val.max(1), 1 - p_te.max(1), 1 - p_ood.max(1)
    correct = p_te.argmax(1) == y_te
    acc = float(correct.mean())
    au = auroc(s_ood, s_te)

    tradeoff = []
    for tpr in [float(t) for t in a.report_tprs.split(",")] + [a.target_tpr]:
        if any(abs(r["target_tpr"] - tpr) < 1e-12 for r in tradeoff):
            continue
        thr = threshold_at_tpr(s_val, tpr)
        acc_te = s_te <= thr
        rej_ood = s_ood > thr
        tradeoff.append({
            "target_tpr": tpr, "threshold": thr,
            "val_acceptance": float((s_val <= thr).mean()),
            "test_acceptance": float(acc_te.mean()),
            "test_right_decision": float((correct & acc_te).mean()),
            "test_accuracy_of_accepted": float(correct[acc_te].mean()) if acc_te.any() else 0.0,
            "other6_rejection": float(rej_ood.mean()),
            "all10_right_decision": float(((correct & acc_te).sum() + rej_ood.sum())
                                          / (len(s_te) + len(s_ood))),
        })
    tradeoff.sort(key=lambda r: r["target_tpr"])
    log("\ntarget TPR  threshold  val acc.  test acc.  right-dec.  acc|accepted  other-6 rej.  all-10 right")
    for r in tradeoff:
        mark = "  <- default" if abs(r["target_tpr"] - a.target_tpr) < 1e-12 else ""
        log(f"  {r['target_tpr']:.2f}     {r['threshold']:.5f}   {r['val_acceptance']:.4f}   "
            f"{r['test_acceptance']:.4f}    {r['test_right_decision']:.4f}      "
            f"{r['test_accuracy_of_accepted']:.4f}        {r['other6_rejection']:.4f}       "
            f"{r['all10_right_decision']:.4f}{mark}")
    chosen = next(r for r in tradeoff if abs(r["target_tpr"] - a.target_tpr) < 1e-12)
    log(f"\ntest accuracy (4 known classes) {acc:.4f}; AUROC max_softmax other-6 vs known-4 {au:.4f}")

    heads = [{"name": "category", "kind": "multiclass", "labels": names,
              "layers": [(W, b)], "val_accuracy": float((p_val.argmax(1) == y_val).mean()),
              "threshold": chosen["threshold"]}]
    if a.extra_heads > 0 or a.separate_heads > 0:
        n_extra = max(a.extra_heads, a.separate_heads - 1)
        heads += extra_heads(n_extra, xs_fit, y_fit, x_val, y_val, std, lam, names, s_val_fn=None,
                             seed=a.seed, tpr=a.target_tpr)

    provenance = {
        "tool": TOOL, "tool_version": TOOL_VERSION,
        "note": ("Interim demo heads, to be replaced by the trainer module. Linear softmax head on "
                 "frozen MobileNetV2 features of Fashion-MNIST; L2-regularised logistic regression "
                 "(full-batch L-BFGS, float64, on standardised features, folded back into the raw "
                 "weights); L2 strength chosen by validation log-loss; unknown threshold = "
                 "max_softmax score quantile on the validation split at calibrated_tpr."),
        "dataset": "Fashion-MNIST (Debian package dataset-fashion-mnist)",
        "data": data_sha,
        "classes": {n: lbl for n, lbl in KNOWN},
        "preprocessing": ("28x28 gray -> replicate to RGB -> F.interpolate(size=96, mode='bilinear', "
                          "align_corners=False, no antialias) -> /255").replace("96", str(a.size)),
        "seed": a.seed,
        "counts": {"train_fit": int(len(y_fit)), "validation": int(len(y_val)),
                   "test_known": int(len(y_te)), "test_other6": int(len(x_ood))},
        "validation_split": f"{a.val_per_class} per class from the training set, numpy RandomState(seed) permutation",
        "l2": lam, "l2_sweep": sweep,
        "backbone_sha256": backbone_sha,
        "torch": torch.__version__, "numpy": np.__version__,
    }
    metrics = {
        "test_accuracy": round(acc, 6),
        "test_acceptance": round(chosen["test_acceptance"], 6),
        "test_right_decision": round(chosen["test_right_decision"], 6),
        "test_accuracy_of_accepted": round(chosen["test_accuracy_of_accepted"], 6),
        "val_accuracy": round(heads[0]["val_accuracy"], 6),
        "val_acceptance": round(chosen["val_acceptance"], 6),
        "auroc_max_softmax_other6_vs_known4": round(au, 6),
        "other6_rejection": round(chosen["other6_rejection"], 6),
        "test_known_count": int(len(y_te)),
        "test_other6_count": int(len(x_ood)),
    }
    for r in tradeoff:
        t = f"{r['target_tpr']:.2f}".replace("0.", "tpr")
        metrics[f"{t}_threshold"] = round(r["threshold"], 6)
        metrics[f"{t}_test_right_decision"] = round(r["test_right_decision"], 6)
        metrics[f"{t}_test_acceptance"] = round(r["test_acceptance"], 6)
        metrics[f"{t}_other6_rejection"] = round(r["other6_rejection"], 6)
    for h in heads[1:]:
        metrics[f"head_{h['name']}_val_accuracy"] = round(h["val_accuracy"], 6)
    unknown = {"method": "max_softmax", "head": "category",
               "threshold": round(chosen["threshold"], 6), "calibrated_tpr": a.target_tpr}

    known_desc = ", ".join(names)
    if a.separate_heads > 0:
        for i, h in enumerate(heads[:a.separate_heads]):
            out = os.path.join(a.out, f"{a.name}-h{i:02d}", "1")
            unk = ({"method": "max_softmax", "head": h["name"], "threshold": round(h["threshold"], 6),
                    "calibrated_tpr": a.target_tpr} if h["kind"] == "multiclass" else {"method": "none"})
            write_bundle(out, f"{a.name}-h{i:02d}", f"Fashion-MNIST demo, single head '{h['name']}' "
                         f"(naive one-model-per-head deployment, benchmark variant)", [h], unk,
                         provenance, {f"head_{h['name']}_val_accuracy": round(h["val_accuracy"], 6)},
                         a.backbone, backbone_sha, a.size)
            log(f"wrote {out}")
    else:
        desc = f"Fashion-MNIST: four known classes ({known_desc}) plus unknown"
        if a.extra_heads:
            desc += f"; benchmark variant with {a.extra_heads} extra heads"
        write_bundle(a.out, a.name, desc, heads, unknown, provenance, metrics, a.backbone,
                     backbone_sha, a.size)
        log(f"wrote {a.out} ({len(heads)} head(s))")

    report = {"metrics": metrics, "tradeoff": tradeoff, "l2_sweep": sweep,
              "extraction_img_per_s": stats.get("extraction_img_per_s", []),
              "seconds": time.time() - t_start}
    if a.report_json:
        os.makedirs(os.path.dirname(os.path.abspath(a.report_json)), exist_ok=True)
        with open(a.report_json, "w") as f:
            json.dump(report, f, indent=2)
    if stats.get("extraction_img_per_s"):
        log("feature extraction: " + ", ".join(f"{r:.1f} img/s" for r in stats["extraction_img_per_s"])
            + f" ({a.size}x{a.size}, batch {a.batch}, {a.threads} threads, torch {torch.__version__})")
    log(f"done in {time.time() - t_start:.0f} s")


def extra_heads(n, xs_fit, y_fit, x_val, y_val, std, lam, names, s_val_fn, seed, tpr):
    """N extra heads on the same features, distinct names, in a fixed order:
    one-vs-rest binaries (is-<class>), a grouping multiclass head (garment-type), pairwise
    binaries (<a>-vs-<b>), then multiclass refits of `category` on bootstrap resamples."""
    k = len(names)
    specs = []
    for c in range(k):
        specs.append(("is-" + names[c], "binary", ["other", names[c]], lambda y, c=c: (y == c).astype(int), None))
    group_of = {"trouser": 0, "dress": 0, "bag": 1, "sneaker": 2}
    gmap = np.array([group_of[nm] for nm in names])
    specs.append(("garment-type", "multiclass", ["garment", "accessory", "footwear"], lambda y: gmap[y], None))
    for i in range(k):
        for j in range(i + 1, k):
            specs.append((f"{names[i]}-vs-{names[j]}", "binary", [names[i], names[j]],
                          lambda y, j=j: (y == j).astype(int), (i, j)))
    r = 1
    while len(specs) < n:
        specs.append((f"category-r{r}", "multiclass", list(names), lambda y: y, ("bootstrap", r)))
        r += 1
    # Benchmark heads only need to be real and distinct, not best: fit each on a fixed
    # subsample (EXTRA_FIT_ITEMS, seeded) with at most 50 L-BFGS iterations to keep this quick.
    sub = np.sort(np.random.RandomState(seed + 1000).permutation(len(y_fit))[:EXTRA_FIT_ITEMS])
    xs_fit, y_fit = xs_fit[sub], y_fit[sub]
    heads = []
    t0 = time.time()
    for idx, (name, kind, labels, target, subset) in enumerate(specs[:n]):
        xf, yf = xs_fit, y_fit
        xv, yv = x_val, y_val
        if isinstance(subset, tuple) and subset[0] == "bootstrap":
            sel = np.random.RandomState(seed + subset[1]).randint(0, len(y_fit), len(y_fit))
            xf, yf = xs_fit[sel], y_fit[sel]
        elif subset is not None:
            m = np.isin(yf, subset)
            xf, yf = xf[m], yf[m]
            mv = np.isin(yv, subset)
            xv, yv = xv[mv], yv[mv]
        tf, tv = target(yf), target(yv)
        binary = kind == "binary"
        Ws, bs, _ = fit_linear(xf, tf, len(labels), lam, binary=binary, max_iter=50)
        W, b = std.fold(Ws, bs)
        z = logits32(xv, W, b)
        if binary:
            pred = (z[:, 0] > 0).astype(int)
            thr = 0.0
        else:
            pv = softmax(z)
            pred = pv.argmax(1)
            thr = threshold_at_tpr(1 - pv.max(1), tpr)
        va = float((pred == tv).mean())
        heads.append({"name": name, "kind": kind, "labels": labels, "layers": [(W, b)],
                      "val_accuracy": va, "threshold": thr})
        log(f"  extra head {idx + 1}/{n} {name:22s} val acc {va:.4f}  ({time.time() - t0:.0f} s)")
    return heads


if __name__ == "__main__":
    main()
