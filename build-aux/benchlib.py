# benchlib.py: what build-aux/bench's figure scripts share (Python ones
# import it; a script in another language prints the same JSON lines).
#
# A figure script (build-aux/bench.d/NAME, executable) measures one figure
# or a few, Corral against its peer in the same run, and prints one JSON
# object per line on stdout, one per table row; progress goes to stderr.
#
#   {"figure": "P3", "what": "display: full frame, cairo", "unit": "ms",
#    "corral": [...], "peer": "gvncviewer", "peer_values": [...],
#    "goal": "<= 1x", "note": "..."}
#
# corral[i] and peer_values[i] are the i-th pair of runs (measured one
# after the other, alternating), so the ratio is taken pair by pair. A
# figure with no peer leaves "peer_values" out; one that could not be
# measured here gives "skipped": "why" instead of the values.
import json
import os
import sys

REPEATS = max(1, int(os.environ.get("BENCH_REPEATS", "5")))
TOP = os.environ.get("BENCH_TOP") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILDDIR = os.environ.get("BENCH_BUILDDIR") or os.path.join(TOP, "_build-bench")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def emit(figure, what, unit, corral, peer=None, peer_values=None, goal=None, note=None):
    row = {"figure": figure, "what": what, "unit": unit, "corral": list(corral)}
    if peer is not None:
        row["peer"] = peer
    if peer_values is not None:
        row["peer_values"] = list(peer_values)
    if goal:
        row["goal"] = goal
    if note:
        row["note"] = note
    print(json.dumps(row), flush=True)


def skip(figure, what, why, peer=None, goal=None):
    row = {"figure": figure, "what": what, "skipped": why}
    if peer:
        row["peer"] = peer
    if goal:
        row["goal"] = goal
    print(json.dumps(row), flush=True)


def paired(n, corral, peer):
    """Runs corral() and peer() alternately n times (which one goes first
    alternates too, so neither always gets the warmer caches); returns the
    two lists of results, paired by index."""
    a, b = [], []
    for i in range(n):
        if i % 2 == 0:
            a.append(corral())
            b.append(peer())
        else:
            b.append(peer())
            a.append(corral())
        log(f"    run {i + 1}/{n}: corral {a[-1]!r}  peer {b[-1]!r}")
    return a, b
