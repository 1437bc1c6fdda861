#!/usr/bin/env python3
"""Collect the text benchmark's arms over seeds from the bundles' metrics.json (issue 13, item 4).

Reads build/bundles/textbench-<arm>/<seed>/metrics.json (arm (c): one bundle per task,
textbench-full-<task>/<seed>) and prints markdown: per head test accuracy and AUROC as
mean +- sample sd over the seeds found, the per-seed mean over the four heads, and the served
unknown policy's AUROC / FPR95 vs the OOD set. With --logs it also reads the fine-tuning logs
(build/logs/s7-<run>-<seed>.log) for the validation accuracy of the last epoch of each own top,
which is what the schedule comparison is decided on (never test accuracy).

Usage: tools/experiments/textbench_arms.py [--bundles build/bundles] [--logs build/logs]
       [--json OUT.json]
"""
import argparse
import json
import re
import statistics
from pathlib import Path

TASKS = ["event", "cognition", "communication", "attribute"]
# arm key -> (label, bundle folder or None for the per-task arm (c), log prefix)
ARMS = {
    "a": ("(a) linear heads, frozen MiniLM", "textbench-linear", "a"),
    "b1": ("(b) own tops, 1 layer", "textbench-own-top1", "b1"),
    "b2": ("(b) own tops, 2 layers", "textbench-own-top2", "b2"),
    "b2w": ("(b) own tops, 2 layers, warmup_linear", "textbench-own-top2-warmup", "b2w"),
    "b3": ("(b) own tops, 3 layers", "textbench-own-top3", "b3"),
    "c": ("(c) four full fine-tunes", None, "c"),
    "d": ("(d) one shared top, joint", "textbench-shared-top2", "d"),
}
SEEDS = [42, 43, 44]


def head_metrics(metrics):
    return {h["head"]: (h["accuracy"], h.get("auroc")) for h in metrics["heads"] if not h.get("gate")}


def served_ood(metrics):
    served = [o for o in metrics.get("ood", []) if o.get("served")]
    return (served[0]["auroc"], served[0]["fpr95"], served[0]["method"]) if served else None


def load_seed(bundles, arm, folder, seed):
    """{task: (accuracy, auroc)} and served OOD rows, or None when the run is missing."""
    if folder is None:
        heads, oods = {}, []
        for task in TASKS:
            path = bundles / f"textbench-full-{task}" / str(seed) / "metrics.json"
            if not path.exists():
                return None
            metrics = json.loads(path.read_text())
            heads.update(head_metrics(metrics))
            oods.append(served_ood(metrics))
        return heads, oods
    path = bundles / folder / str(seed) / "metrics.json"
    if not path.exists():
        return None
    metrics = json.loads(path.read_text())
    return head_metrics(metrics), [served_ood(metrics)]


VAL_LINE = re.compile(r"top of '(\w+)': epoch (\d+)/(\d+): .* val accuracy ([0-9.]+)")


def last_val_accuracy(log):
    """{head: validation accuracy after the last epoch} from a fine-tuning log."""
    found = {}
    for match in VAL_LINE.finditer(log.read_text(errors="replace")):
        head, epoch, epochs, acc = match.groups()
        if epoch == epochs:
            found[head] = float(acc)
    return found


def spread(values):
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} +- {statistics.stdev(values):.3f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", type=Path, default=Path("build/bundles"))
    parser.add_argument("--logs", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    rows, raw = [], {}
    print("| arm | seeds | " + " | ".join(TASKS) + " | mean accuracy | served unknown AUROC / FPR95 vs fortunes |")
    print("|---|---|" + "---:|" * len(TASKS) + "---:|---|")
    for arm, (label, folder, _) in ARMS.items():
        per_seed = {s: load_seed(args.bundles, arm, folder, s) for s in SEEDS}
        per_seed = {s: v for s, v in per_seed.items() if v is not None}
        if not per_seed:
            continue
        raw[arm] = {s: {"heads": v[0], "served_ood": v[1]} for s, v in per_seed.items()}
        cells = [spread([v[0][t][0] for v in per_seed.values() if t in v[0]]) for t in TASKS]
        means = [statistics.mean(v[0][t][0] for t in TASKS) for v in per_seed.values()]
        oods = [o for v in per_seed.values() for o in v[1] if o]
        ood_cell = (f"{spread([o[0] for o in oods])} / {spread([o[1] for o in oods])} ({oods[0][2]})"
                    if oods else "-")
        seeds = ",".join(str(s) for s in per_seed)
        print(f"| {label} | {seeds} | " + " | ".join(cells) + f" | {spread(means)} | {ood_cell} |")
        rows.append((arm, means))

    if args.logs:
        print("\nValidation accuracy after the last fine-tuning epoch (mean over the four heads):\n")
        print("| arm | " + " | ".join(f"seed {s}" for s in SEEDS) + " | mean |")
        print("|---|" + "---:|" * (len(SEEDS) + 1))
        for arm in ("b2", "b2w"):
            vals = []
            for s in SEEDS:
                log = args.logs / f"s7-{ARMS[arm][2]}-{s}.log"
                found = last_val_accuracy(log) if log.exists() else {}
                vals.append(statistics.mean(found.values()) if len(found) == len(TASKS) else None)
            got = [v for v in vals if v is not None]
            print(f"| {ARMS[arm][0]} | " + " | ".join("-" if v is None else f"{v:.4f}" for v in vals)
                  + f" | {spread(got)} |")
            raw.setdefault("validation", {})[arm] = vals
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
