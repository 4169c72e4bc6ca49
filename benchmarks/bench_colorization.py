"""Fast colorization solve vs ``scipy.sparse.linalg.spsolve`` on the same system.

The NYU Depth v2 toolbox fill (Levin et al. 2004 weights, ``fill_depth_colorization``) is one
sparse linear system per frame; users solve it with a direct sparse solve. We build the system
once (``depthsmith.ops.colorization_system``) and time, in the same process, best of
``--repeat`` calls after a warm-up:

* ``direct``: ``colorization_fill(..., solver="direct")`` (build + ``spsolve``);
* ``fast``: ``colorization_fill(..., solver="fast")`` (build + multifrontal LU of the hole
  rows only + a few exchanges with Gauss-Seidel sweeps over the known pixels).

Inputs: the three NYU v2 raw Kinect frames with their own holes (the toolbox's use case) and the
FILL-HOLES inputs of ``--scenes`` Middlebury scenes (default: 6 of them). Accuracy of the fast
solve ("within 1 % RMSE" of the direct solve): RMS of (fast - direct) over the filled (invalid)
pixels, relative to the RMS of the direct solution over those pixels, and (Middlebury) the
FILL-HOLES RMSE of both against the ground truth.
Prints a markdown table with machine and date.

    .venv/bin/python benchmarks/bench_colorization.py [--repeat 3] [--scenes 6]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone

import numpy as np

from depthsmith.bench import TASKS, machine
from depthsmith.datasets import load, require_data_root, scenes
from depthsmith.ops import colorization_fill

FILL_HOLES = TASKS["FILL-HOLES"]


def best_time(fn, repeat):
    """Output, best wall-clock time and best CPU time (all threads of the process)."""
    out = fn()  # warm-up (numba compilation)
    best = cpu = float("inf")
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return out, best, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scenes", type=int, default=6, help="Middlebury scenes (0: none)")
    args = ap.parse_args()
    root = require_data_root()
    items = []
    for f in scenes("nyu_v2", root):
        s = load(f)
        items.append((f"nyu_v2/{f.name}", s.depth, s.valid, s.rgb, None))
    if args.scenes:
        cases = list(FILL_HOLES.cases(root))
        step = max(1, len(cases) // args.scenes)
        for c in cases[::step][: args.scenes]:
            k = c.inputs
            items.append((f"middlebury/{c.scene}", k["depth"], k["valid"], k["guide"], c))
    rows = []
    for name, d, v, g, case in items:
        direct, td, cd = best_time(lambda d=d, v=v, g=g: colorization_fill(
            d, g, valid=v, solver="direct"), args.repeat)
        fast, tf, cf = best_time(lambda d=d, v=v, g=g: colorization_fill(d, g, valid=v),
                                 args.repeat)
        hole = ~v
        diff = np.sqrt(np.mean((fast[hole].astype(np.float64) - direct[hole]) ** 2))
        rel = 100 * diff / np.sqrt(np.mean(direct[hole].astype(np.float64) ** 2))
        row = {"name": name, "mp": d.size / 1e6, "holes": 100 * (~v).mean(), "direct": td,
               "fast": tf, "cpu_x": cd / cf, "rel": rel, "rmse_d": float("nan"),
               "rmse_f": float("nan")}
        if case is not None:
            row["rmse_d"] = FILL_HOLES.score(direct, case)["rmse"]
            row["rmse_f"] = FILL_HOLES.score(fast, case)["rmse"]
        rows.append(row)
        print(f"{name}: direct {td:.2f} s, fast {tf:.3f} s, x{td / tf:.1f} (CPU time "
              f"x{cd / cf:.1f}), rel {rel:.4f} %", flush=True)
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    print(f"\n### Colorization fill: fast solve vs spsolve ({date})\n")
    print(f"Machine: {machine()}. Best of {args.repeat} after a warm-up; both include building "
          "the system. Speed-up: ratio of the best wall-clock times; CPU: ratio of the best "
          "process CPU times (less sensitive to other jobs on the machine).\n")
    print("| input | MP | holes % | spsolve s | fast s | speed-up | speed-up CPU "
          "| hole RMS diff (% of RMS) | FILL-HOLES RMSE spsolve / fast |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        gt = (f"{r['rmse_d']:.4f} / {r['rmse_f']:.4f}" if r["rmse_d"] == r["rmse_d"] else "-")
        print(f"| {r['name']} | {r['mp']:.3f} | {r['holes']:.1f} | {r['direct']:.2f} | "
              f"{r['fast']:.3f} | {r['direct'] / r['fast']:.1f}x | {r['cpu_x']:.1f}x | "
              f"{r['rel']:.4f} | {gt} |")
    sp = [r["direct"] / r["fast"] for r in rows]
    sc = [r["cpu_x"] for r in rows]
    worst = max(r["rel"] for r in rows)
    print(f"\nMedian speed-up {statistics.median(sp):.1f}x (min {min(sp):.1f}x, max "
          f"{max(sp):.1f}x); in CPU time {statistics.median(sc):.1f}x (min {min(sc):.1f}x, max "
          f"{max(sc):.1f}x); largest RMS difference over the holes {worst:.4f} % of the direct "
          "solution's RMS there.")


if __name__ == "__main__":
    main()
