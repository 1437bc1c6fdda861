#!/usr/bin/python3
"""Prints the README summary of a full run: bench/scripts/summarise.py bench/results/latest.json"""
import json
import sys

d = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest.json"))
r, raw = d["ratios"], d["raw"]
targets = {
    "served_stream_vs_offline": (">=", 0.90), "unary_c32_vs_offline": (">=", 0.80),
    "heads16_vs_heads1": (">=", 0.95), "heads16_vs_separate16": (">=", 12), "vs_python_peer_c32": (">=", 3),
    "half_load_p99_vs_bound": ("<=", 1.0), "rss_growth": ("<=", 0.05),
}
print(f"Run {d['started']} .. {d['finished']}; load average at start {d['machine'].get('loadavg_at_start')}; "
      f"CPU {d['machine'].get('cpu')}, {d['machine']['cores']} cores.\n")
print("| ratio (median of rounds) | value | target | held | per round |")
print("|---|---:|---|---|---|")
for k, v in r.items():
    per = [round(x[k], 3) for x in d.get("ratios_per_round", {}).values() if k in x]
    t = targets.get(k)
    held = "" if t is None else ("yes" if (v >= t[1] if t[0] == ">=" else v <= t[1]) else "**no**")
    print(f"| `{k}` | {v} | {'' if t is None else t[0] + ' ' + str(t[1])} | {held} | {per} |")
print("\nRaw numbers (medians over rounds, items/s unless named):\n")
print("| key | value |\n|---|---:|")
for k, v in raw.items():
    print(f"| `{k}` | {round(v, 2) if isinstance(v, float) else v} |")
print("\nLoad average per round: " + ", ".join(f"{k}: {x['loadavg'].split()[0]}" for k, x in d.get("ratios_per_round", {}).items()))
