"""Our fast joint bilateral filter (colour lattice x spatial grid) vs OpenCV's jointBilateralFilter.

The fast path (``ops.joint_bilateral_lattice``, ``spatial='grid'``) is a permutohedral lattice
in the 3 colour dimensions crossed with a regular bilinear grid in x, y (``spatial='lattice'``,
the 5-D permutohedral lattice, is timed too, for reference).

Setting: the seed's 25x25 window, ``d=25, sigmaSpace=12.5, sigmaColor=20`` for OpenCV and
``refine(..., method="joint_bilateral", radius=12, sigma_space=12.5, sigma_color=20)`` for us,
on 640x480 and 1280x720 inputs (the REFINE degradation of the bundled Middlebury cones sample,
resized), timed in the same process, best of ``--repeat`` calls after a warm-up, the OpenCV
and our calls alternating so that both see the same load of a shared machine. Accuracy: RMSE
of each output against our exact windowed filter with the same parameters, as a percentage
of the depth range. With the benchmark data present, also the REFINE score (BENCHMARKS.md) of
the fast and exact filters on every Middlebury scene. Prints a markdown table (machine, date).

    .venv/bin/python benchmarks/bench_joint_bilateral.py [--repeat 5] [--no-refine]
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from depthsmith.bench import TASKS, machine
from depthsmith.degrade import refine_degrade
from depthsmith.io import read_depth, read_image
from depthsmith.ops import joint_bilateral_lattice
from depthsmith.refine import joint_bilateral, lattice_sigma

REFINE = TASKS["REFINE"]

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "cones"
R, SS, SC = 12, 12.5, 20.0


def best_time(fn, repeat):
    fn()  # warm-up (numba compilation, caches)
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def best_times_interleaved(fns, repeat):
    """Best-of-``repeat`` time of each function, calls alternating (A B A B ...).

    The machine is shared with other jobs whose load comes and goes; alternating the calls
    exposes the peer and ours to the same load, so their ratio is fairer than with one
    block of calls after the other."""
    outs = [fn() for fn in fns]  # warm-up (numba compilation, caches)
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            outs[i] = fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return outs, best


def inputs(size):
    disp = read_depth(SAMPLE / "disp_gt.png", scale=4)
    rgb = read_image(SAMPLE / "rgb.png")
    valid = np.isfinite(disp) & (disp > 0)
    deg = refine_degrade(disp, valid)
    w, h = size
    d = cv2.resize(deg, (w, h), interpolation=cv2.INTER_LINEAR)
    g = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(d, np.float32), np.ascontiguousarray(g)


def speed_table(repeat):
    rows = []
    for size in [(640, 480), (1280, 720)]:
        d, g = inputs(size)
        g32 = g.astype(np.float32)
        (cv_out, fast, _), (t_cv, t_fast, t_lat) = best_times_interleaved([
            lambda d=d, g32=g32: cv2.ximgproc.jointBilateralFilter(g32, d, 2 * R + 1, SC, SS),
            lambda d=d, g=g: joint_bilateral(d, g, radius=R, sigma_space=SS, sigma_color=SC,
                                             fast=True),
            lambda d=d, g=g: joint_bilateral_lattice(d, g, sigma_space=lattice_sigma(R, SS),
                                                     sigma_color=SC, spatial="lattice")],
            repeat)
        exact, t_exact = best_time(lambda d=d, g=g: joint_bilateral(
            d, g, radius=R, sigma_space=SS, sigma_color=SC, fast=False), 1)
        span = float(np.ptp(d))
        rows.append({
            "size": f"{size[0]}x{size[1]}", "cv_ms": 1e3 * t_cv, "fast_ms": 1e3 * t_fast,
            "exact_ms": 1e3 * t_exact, "speedup": t_cv / t_fast, "lat_ms": 1e3 * t_lat,
            "fast_err": 100 * float(np.sqrt(np.mean((fast - exact) ** 2))) / span,
            "cv_err": 100 * float(np.sqrt(np.mean((cv_out - exact) ** 2))) / span,
        })
    return rows


def refine_table():
    from depthsmith.datasets import data_root

    root = data_root()
    if root is None:
        return None
    acc = {"fast": [], "exact": [], "cv2 d=25": [], "diff": []}
    for case in REFINE.cases(root):
        d, g = case.inputs["depth"], case.inputs["guide"]
        fa = joint_bilateral(d, g, radius=R, sigma_space=SS, sigma_color=SC, fast=True)
        ex = joint_bilateral(d, g, radius=R, sigma_space=SS, sigma_color=SC, fast=False)
        cv = cv2.ximgproc.jointBilateralFilter(g.astype(np.float32), d, 2 * R + 1, SC, SS)
        for k, out in (("fast", fa), ("exact", ex), ("cv2 d=25", cv)):
            acc[k].append(REFINE.score(out, case))
        v = case.truth["valid"]
        acc["diff"].append(100 * float(np.sqrt(np.mean((fa - ex)[v] ** 2)))
                           / float(np.ptp(case.truth["gt"][v])))
    n = len(acc["diff"])
    mean = {k: (float(np.mean([s["rmse"] for s in acc[k]])),
                float(np.mean([s["rmse_edge"] for s in acc[k]])))
            for k in ("fast", "exact", "cv2 d=25")}
    return n, mean, float(np.max(acc["diff"])), float(np.mean(acc["diff"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-refine", action="store_true", help="skip the REFINE score table")
    a = ap.parse_args()
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"### Fast joint bilateral vs cv2.ximgproc.jointBilateralFilter ({date})\n")
    print(f"Machine: {machine()}. Setting d=25 (radius 12), sigma_space 12.5 px, "
          f"sigma_color 20 (uint8 guide units); best of {a.repeat} after a warm-up, OpenCV, "
          "ours and the 5-D lattice called in turn (the machine is shared with other jobs).\n")
    print("| input | cv2 d=25 ms | ours fast ms | speed-up | 5-D lattice ms (speed-up) | "
          "ours exact ms | fast vs exact RMSE (% range) | cv2 vs exact RMSE (% range) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in speed_table(a.repeat):
        print(f"| {r['size']} | {r['cv_ms']:.1f} | {r['fast_ms']:.1f} | {r['speedup']:.2f}x | "
              f"{r['lat_ms']:.1f} ({r['cv_ms'] / r['lat_ms']:.2f}x) | {r['exact_ms']:.0f} | "
              f"{r['fast_err']:.3f} | {r['cv_err']:.3f} |")
    if not a.no_refine:
        res = refine_table()
        if res is None:
            print("\n(REFINE scores skipped: benchmark data absent)")
        else:
            n, mean, dmax, dmean = res
            print(f"\nREFINE (BENCHMARKS.md) with the same setting, {n} Middlebury scenes, mean "
                  "RMSE (px):\n")
            print("| filter | rmse | rmse_edge | vs exact |")
            print("|---|---|---|---|")
            for k, (rm, re) in mean.items():
                rel = 100 * (rm / mean["exact"][0] - 1)
                print(f"| {k} | {rm:.3f} | {re:.3f} | {rel:+.2f} % |")
            print(f"\nfast vs exact output RMSE over V: mean {dmean:.3f} %, max {dmax:.3f} % "
                  "of the GT range.")


if __name__ == "__main__":
    main()
