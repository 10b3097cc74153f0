#!/usr/bin/env python3
# Turns the JSON lines of build-aux/bench's figure scripts (stdin, see
# build-aux/benchlib.py) into the one Markdown table: per figure the
# median with min and max over its runs, Corral's and its peer's, and the
# ratio Corral / peer taken pair by pair (median, min, max).
import json
import statistics
import sys


def num(v):
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def spread(values, unit=""):
    unit = f" {unit}" if unit else ""
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{num(med)}{unit}"
    return f"{num(med)}{unit} ({num(min(values))}–{num(max(values))})"


def main():
    rows = []
    for line in sys.stdin:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            print(f"bench-table: not a result line: {line}", file=sys.stderr)
    print("| | what | Corral | peer | peer's | Corral / peer | goal |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        fig, what, goal = r.get("figure", ""), r.get("what", ""), r.get("goal", "")
        peer = r.get("peer", "")
        if "skipped" in r:
            print(f"| {fig} | {what} | not measured: {r['skipped']} | {peer} | | | {goal} |")
            continue
        unit = r.get("unit", "")
        corral = r.get("corral", [])
        peer_values = r.get("peer_values")
        if peer_values:
            ratios = [c / p for c, p in zip(corral, peer_values) if p]
            ratio = spread(ratios)
            peer_cell = spread(peer_values, unit)
        else:
            ratio = peer_cell = "–"
        note = r.get("note")
        what_cell = f"{what} ({note})" if note else what
        print(f"| {fig} | {what_cell} | {spread(corral, unit)} | {peer} | {peer_cell} | {ratio} | {goal} |")


if __name__ == "__main__":
    main()
