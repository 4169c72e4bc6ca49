"""Tuning split for the constants of ``refine``'s default (issue #13 item 4; docs/tuning.md).

Splits (``../shared/BENCHMARKS.md``):

* **A** = REFINE: the 21 Middlebury scenes (disparity, px) under the REFINE degradation;
* **B** = REFINE-RGBDD: the 204 RGB-D-D frames (real ToF depth, mm), same degradation.
  Fixed rule for its halves: frames sorted by name, **B1** = even positions (0, 2, ...),
  **B2** = odd positions. Tuning "on B" uses B1 only (half the cost); its figures on B2
  are a held-out check inside the same sensor.

Objective on a split (lower is better, unit-free so that px and mm splits compare)::

    J = mean RMSE / mean RMSE(input) + mean edge-band RMSE / mean edge-band RMSE(input)

where "input" is the degraded map itself (the ``identity`` row of the benchmark), means over
the split's scenes, RMSE and edge band exactly as the benchmark scores them.

Search: coordinate descent from the constants before this tuning (0.3.0; ``--start``),
the constants in the order of :data:`GRID`; for each, every value of its grid with the
others fixed; the best value is taken only if it lowers J by more than :data:`MIN_GAIN`
(0.2 %, relative) below the current value's J, so that noise-level differences do not move
a constant; rounds until one changes nothing (at most :data:`MAX_ROUNDS`).

Output: the constants chosen on A and on B1, a table of the scores of the 0.3.0 constants,
the A constants and the B1 constants on A, B (all 204), B1 and B2, with the best peer of
the benchmark (cv2 guidedFilter radius 2, eps 50) from the same run, and the sensitivity
table: J on the tuning split over each constant's grid with the others at the optimum.

Usage::

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/tune_refine.py [--json F]
    python benchmarks/tune_refine.py --only A     # tune on A only (scores still on both)
    python benchmarks/tune_refine.py --every 4    # every 4th frame of B (a quick look)
    python benchmarks/tune_refine.py --time       # the default's time vs cv2 JBF d=9
    python benchmarks/tune_refine.py --gf-check   # precise vs OpenCV guided filter, pixels
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import cv2
import numpy as np

from coordinate_descent import coordinate_descent
from depthsmith.bench import machine
from depthsmith.bench._refine_tasks import REFINE, peer_guided
from depthsmith.bench._rgbdd_tasks import REFINE_RGBDD
from depthsmith.datasets import data_root
from depthsmith.refine import _auto
from depthsmith.refine._common import prepare

#: Candidate values of every tuned constant (field of :class:`depthsmith.refine._auto.Constants`).
GRID = {
    "lam": [3.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0],
    "sigma_color": [1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0],
    "sweeps": [1, 2, 3],
    "tau": [0.0075, 0.01, 0.015, 0.02, 0.03, 0.045],
    "floor": [0.0, 1e-3, 1e-2, 0.1],
    "toggle_radius": [1, 2, 3, 4, 5],
    "toggle_ramp": [0.05, 0.1, 0.2, 0.4],
    "gf_radius": [1, 2, 3, 4],
    "gf_eps": [1.0, 3.0, 10.0, 30.0, 100.0],
}
#: The constants of 0.3.0, before this tuning (the descent's start).
START = _auto.Constants(lam=30.0, sigma_color=4.0, sweeps=1, tau=0.015, floor=1e-3,
                        toggle_radius=3, toggle_ramp=0.1, gf_radius=2, gf_eps=10.0)
MIN_GAIN = 2e-3
MAX_ROUNDS = 4


def load_split(task, every=1):
    """(name, inputs, case) of the task's cases sorted by name, every ``every``-th."""
    cases = sorted(task.cases(data_root()), key=lambda c: c.scene)
    out = []
    for c in cases[::every]:
        d, g, v, _ = prepare(c.inputs["depth"], c.inputs["guide"], None, None)
        g8 = g.uint8 if g.uint8 is not None else g.levels
        out.append((c, (d, g.levels, v, g8)))
    return out


def evaluate(cases, task, fn):
    """Mean RMSE and mean edge-band RMSE of ``fn(case, prepared)`` over ``cases``."""
    r, e = [], []
    for case, prep in cases:
        s = task.score(fn(case, prep), case)
        r.append(s["rmse"])
        e.append(s["rmse_edge"])
    return float(np.mean(r)), float(np.mean(e))


def ours(k):
    def fn(case, prep):
        d, g, v, g8 = prep
        return _auto._pipeline(d, g, v, None, guide_gf=g8, k=k)
    return fn


def identity(case, prep):
    return case.inputs["depth"]


def peer(case, prep):
    return peer_guided(case.inputs["depth"], case.inputs["guide"])


class Split:
    """A named set of cases with its task's scorer and a cache of evaluated constants."""

    def __init__(self, name, task, cases):
        self.name, self.task, self.cases = name, task, cases
        self.ref = evaluate(cases, task, identity)
        self.cache = {}

    def scores(self, k):
        if k not in self.cache:
            self.cache[k] = evaluate(self.cases, self.task, ours(k))
        return self.cache[k]

    def objective(self, k):
        r, e = self.scores(k)
        return r / self.ref[0] + e / self.ref[1]


def descend(split, start, log=print):
    """Coordinate descent of :meth:`Split.objective` over :data:`GRID` from ``start``;
    returns the constants and the last round's J per grid value of each constant."""
    def step_log(rnd, name, js, k):
        log(f"  [{split.name} round {rnd}] {name}: "
            + ", ".join(f"{x:g}: {j:.4f}" for x, j in js.items()) + f" -> {k[name]:g}")

    k = _auto.Constants(**coordinate_descent(
        lambda d: split.objective(_auto.Constants(**d)), dataclasses.asdict(start), GRID,
        min_gain=MIN_GAIN, max_rounds=MAX_ROUNDS, log=step_log))
    # the sensitivity table at the final constants
    table = {name: {x: split.objective(dataclasses.replace(k, **{name: x})) for x in values}
             for name, values in GRID.items()}
    return k, table


def precision_check(split, k):
    """Per-frame change of the scores when ``k``'s guided stage runs OpenCV's float32 filter
    instead of the precise one (``guided_core(precise=True)``, float64 solves; "float64" in
    the output): (largest RMSE change, largest edge-band change, means)."""
    keep = _auto.GF_EPS_FLOAT64_BELOW
    res = {}
    try:
        for name, below in (("float64", float("inf")), ("float32", 0.0)):
            _auto.GF_EPS_FLOAT64_BELOW = below
            res[name] = [split.task.score(ours(k)(c, p), c) for c, p in split.cases]
    finally:
        _auto.GF_EPS_FLOAT64_BELOW = keep
    pairs = list(zip(res["float64"], res["float32"], strict=True))
    dr = [abs(a["rmse"] - b["rmse"]) for a, b in pairs]
    de = [abs(a["rmse_edge"] - b["rmse_edge"]) for a, b in pairs]
    means = {n: (np.mean([s["rmse"] for s in r]), np.mean([s["rmse_edge"] for s in r]))
             for n, r in res.items()}
    return max(dr), max(de), means


def gf_check(cases, radius=_auto.GF_RADIUS, eps=_auto.GF_EPS):
    """Largest pixel difference, over ``cases``, of the precise guided filter
    (``guided_core(precise=True)``) and of OpenCV's float32 one from the all-float64
    confidence-weighted code with uniform weights, on each case's degraded depth (centred)
    and guide at the shipped radius and eps."""
    from depthsmith.ops import _guided, guided_core

    worst = {"precise": 0.0, "OpenCV float32": 0.0}
    for _case, (d, _g, _v, g8) in cases:
        p = (d - d.mean()).astype(np.float32)
        c = np.ones(p.shape, np.float32)
        ref = _guided._weighted_core(p, g8, c, radius, eps, 1e-6)
        for name, precise in (("precise", True), ("OpenCV float32", False)):
            q = guided_core(p, g8, c, radius, eps, precise=precise)
            worst[name] = max(worst[name], float(np.abs(q - ref).max()))
    return worst


def timing(cases, rounds=5):
    """Median over ``cases`` of the best-of-``rounds`` ms/MP of the default with the 0.3.0
    constants (OpenCV's float32 guided filter), with the shipped constants (the precise
    one) and of cv2 jointBilateralFilter d=9 (the REFINE time reference), the three called
    in turn on each case after a warm-up (all threads)."""
    fns = {"0.3.0 constants": ours(START), "shipped constants": ours(_auto.CONSTANTS),
           "cv2 jointBilateralFilter d=9": lambda c, p: cv2.ximgproc.jointBilateralFilter(
               c.inputs["guide"].astype(np.float32),
               c.inputs["depth"].astype(np.float32), 9, 20.0, 4.5)}
    per = {m: [] for m in fns}
    for case, prep in cases:
        best = dict.fromkeys(fns, float("inf"))
        for f in fns.values():
            f(case, prep)
        for _ in range(rounds):
            for m, f in fns.items():
                t = time.perf_counter()
                f(case, prep)
                best[m] = min(best[m], time.perf_counter() - t)
        for m in fns:
            per[m].append(1e3 * best[m] / (case.inputs["depth"].size / 1e6))
    return {m: float(np.median(v)) for m, v in per.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["A", "B"], help="tune on one split only")
    ap.add_argument("--every", type=int, default=1, help="every N-th frame of B (default 1)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--time", action="store_true",
                    help="only time the default (0.3.0 vs shipped constants) against cv2 "
                         "jointBilateralFilter d=9 on every 4th scene of A and every 40th "
                         "frame of B, best of 5, calls interleaved")
    ap.add_argument("--gf-check", action="store_true",
                    help="only compare the guided filters on every 10th frame of B")
    a = ap.parse_args(argv)
    t0 = time.time()
    if a.gf_check:
        cases = load_split(REFINE_RGBDD, 10)
        for m, e in gf_check(cases).items():
            print(f"- {m}: largest difference from all-float64 {e:.4f} "
                  f"({len(cases)} frames, radius {_auto.GF_RADIUS}, eps {_auto.GF_EPS:g})")
        return
    if a.time:
        cases = load_split(REFINE, 4) + load_split(REFINE_RGBDD, 40)
        print(f"{machine()}; {len(cases)} cases; load average {os.getloadavg()[0]:.1f}")
        for m, ms in timing(cases).items():
            print(f"- {m}: median {ms:.1f} ms/MP")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        return
    cv2.setNumThreads(1)  # the search is single-threaded (with OMP / NUMBA_NUM_THREADS=1)
    A = Split("A", REFINE, load_split(REFINE))
    b = load_split(REFINE_RGBDD, a.every)
    B = Split("B", REFINE_RGBDD, b)
    B1 = Split("B1", REFINE_RGBDD, b[0::2])
    B2 = Split("B2", REFINE_RGBDD, b[1::2])
    print(f"{machine()}; A {len(A.cases)} scenes, B {len(B.cases)} frames "
          f"(B1 {len(B1.cases)}, B2 {len(B2.cases)})", flush=True)
    chosen = {"0.3.0": START}
    tables = {}
    for name, split in (("A", A), ("B1", B1)):
        if a.only and not name.startswith(a.only):
            continue
        print(f"tuning on {name}", flush=True)
        chosen[f"tuned on {name}"], tables[name] = descend(split, START,
                                                           lambda s: print(s, flush=True))
    splits = (A, B, B1, B2)
    print("\n### Constants\n")
    print("| constant | grid | " + " | ".join(chosen) + " |")
    print("|---|---|" + "---|" * len(chosen))
    for f in GRID:
        print(f"| {f} | {', '.join(f'{x:g}' for x in GRID[f])} | "
              + " | ".join(f"{getattr(k, f):g}" for k in chosen.values()) + " |")
    print("\n### Scores (mean RMSE / mean edge-band RMSE; A in px, B in mm)\n")
    print("| constants | " + " | ".join(f"{s.name} ({len(s.cases)})" for s in splits) + " |")
    print("|---|" + "---|" * len(splits))
    rows = {}
    for label, k in chosen.items():
        rows[label] = [s.scores(k) for s in splits]
    for s in splits:
        s.peer = evaluate(s.cases, s.task, peer)
    rows["cv2 guidedFilter r2 eps50 (best peer on B)"] = [s.peer for s in splits]
    rows["input (identity)"] = [s.ref for s in splits]
    for label, sc in rows.items():
        print(f"| {label} | " + " | ".join(f"{r:.4f} / {e:.4f}" for r, e in sc) + " |")
    print("\nedge band vs the peer: " + "; ".join(
        f"{label} on {s.name} {rows[label][i][1] / s.peer[1]:.3f}x"
        for label in chosen for i, s in enumerate(splits)))
    for name, table in tables.items():
        print(f"\n### Sensitivity on {name} (J; others at the {name} constants)\n")
        for f, js in table.items():
            lo, hi = min(js.values()), max(js.values())
            print(f"- {f}: " + ", ".join(f"{x:g}: {j:.4f}" for x, j in js.items())
                  + f" (spread {100 * (hi - lo) / lo:.1f} %)")
    print("\n### Guided stage: OpenCV float32 vs float64 (per-frame score change on B)\n")
    for label, k in (("0.3.0", START), *((n, v) for n, v in chosen.items() if n != "0.3.0")):
        dr, de, means = precision_check(B, k)
        print(f"- {label} (gf_eps {k.gf_eps:g}): largest change RMSE {dr:.4f}, edge band "
              f"{de:.4f}; means float64 {means['float64'][0]:.4f} / {means['float64'][1]:.4f}, "
              f"float32 {means['float32'][0]:.4f} / {means['float32'][1]:.4f}")
    print(f"\n{time.time() - t0:.0f} s")
    if a.json:
        out = {"constants": {k: dataclasses.asdict(v) for k, v in chosen.items()},
               "scores": {k: {s.name: v[i] for i, s in enumerate(splits)}
                          for k, v in rows.items()},
               "sensitivity": {n: {f: {str(x): j for x, j in t.items()} for f, t in tab.items()}
                               for n, tab in tables.items()},
               "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                time.gmtime())}
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
