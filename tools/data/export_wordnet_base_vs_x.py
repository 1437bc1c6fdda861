#!/usr/bin/python3
"""Export the text "base vs X" benchmark from Debian packages into trainer JSONL files.

WordNet noun glosses (Debian wordnet-base; topic = the synset's lexicographer file): one base
topic (noun.artifact) against four others (animal, food, plant, person) as four binary heads.
Each head gets its OWN dataset (base glosses + X glosses) labelled ONLY for its task, so a joint
model must mask the other three tasks' losses. Base glosses are split disjointly between heads.
OOD: Debian fortunes (one quote per line, whitespace joined).

Deterministic. Usage:
  /usr/bin/python3 tools/data/export_wordnet_base_vs_x.py [--out examples/data/wordnet]
"""
import argparse, glob, json, os, random

LEX = {"artifact": 6, "animal": 5, "food": 13, "person": 18, "plant": 20}
BASE = "artifact"
XS = ["animal", "food", "plant", "person"]


def glosses(path="/usr/share/wordnet/data.noun"):
    by = {k: [] for k in LEX}
    inv = {v: k for k, v in LEX.items()}
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith("  ") or "|" not in line:
                continue  # licence header
            lex = int(line.split()[1])
            if lex in inv:
                g = line.split("|", 1)[1].strip()
                g = g.split(";")[0].strip().strip('"')  # the definition, without examples
                if len(g) >= 12:
                    by[inv[lex]].append(g)
    return by


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="examples/data/wordnet")
    ap.add_argument("--train", type=int, default=300, help="per class per head")
    ap.add_argument("--val", type=int, default=100)
    ap.add_argument("--test", type=int, default=200)
    ap.add_argument("--fortunes", type=int, default=600)
    ap.add_argument("--outlier-fortunes", type=int, default=600,
                    help="training outliers (fortunes-outliers.txt), disjoint from fortunes.txt")
    a = ap.parse_args()
    rng = random.Random(5)
    by = glosses()
    for k in by:
        by[k] = sorted(set(by[k]))
        rng.shuffle(by[k])
    os.makedirs(a.out, exist_ok=True)
    per = a.train + a.val + a.test
    base = by[BASE]
    if len(base) < per * len(XS):
        raise SystemExit(f"only {len(base)} base glosses, need {per * len(XS)}")
    for h, x in enumerate(XS):
        mine = base[h * per:(h + 1) * per]
        pos = by[x][:per]
        cut = {"train": (0, a.train), "val": (a.train, a.train + a.val), "test": (a.train + a.val, per)}
        for split, (lo, hi) in cut.items():
            rows = [(t, BASE) for t in mine[lo:hi]] + [(t, x) for t in pos[lo:hi]]
            rng.shuffle(rows)
            with open(f"{a.out}/{x}-{split}.jsonl", "w") as f:
                for t, lab in rows:
                    f.write(json.dumps({"text": t, "labels": {x: lab}}) + "\n")
    quotes = []
    for p in sorted(glob.glob("/usr/share/games/fortunes/*")):
        if "." in os.path.basename(p) or os.path.islink(p):
            continue
        with open(p, encoding="utf-8", errors="replace") as f:
            for q in f.read().split("\n%\n"):
                q = " ".join(q.split())
                if 12 <= len(q) <= 400:
                    quotes.append(q)
    rng.shuffle(quotes)
    with open(f"{a.out}/fortunes.txt", "w") as f:
        f.write("\n".join(quotes[:a.fortunes]) + "\n")
    # after fortunes.txt, so that file stays as it was; never the same quote in both
    with open(f"{a.out}/fortunes-outliers.txt", "w") as f:
        f.write("\n".join(quotes[a.fortunes:a.fortunes + a.outlier_fortunes]) + "\n")
    print({k: len(v) for k, v in by.items()}, "fortunes", len(quotes))


if __name__ == "__main__":
    main()
