"""Time per 101 x 101 DFD-PATCH patch: our default against the peers, interleaved.

    .venv/bin/python benchmarks/dfd_patch_speed.py [--n 200] [--p 101]

Each patch is estimated by every method in turn (caches warm), so load on a shared machine
hits all methods alike; prints the median ms per patch and the ratio to our default.
"""

from __future__ import annotations

import argparse
import functools
import time
import warnings

import numpy as np

from depthsmith.bench._core import machine
from depthsmith.bench._dfd_tasks import patch_cases, peer_patch_gradient_ratio
from depthsmith.datasets import data_root
from depthsmith.defocus import PATCH_METHODS


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--p", type=int, default=101)
    args = ap.parse_args()
    cases = [c for c in patch_cases(data_root(), models=("disc",), sizes=(args.p,))]
    cases = cases[:: max(len(cases) // args.n, 1)][: args.n]
    methods = {f"{k} (ours)" if k == "auto" else k: functools.partial(fn, kernel="disc")
               for k, fn in PATCH_METHODS.items() if k != "ml"}
    methods["gradient ratio (Zhuo & Sim)"] = lambda p: peer_patch_gradient_ratio(p, "disc")
    times = {k: [] for k in methods}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in methods.values():
            f(cases[0].inputs["patch"])
        for c in cases:
            for k, f in methods.items():
                t0 = time.perf_counter()
                f(c.inputs["patch"])
                times[k].append(time.perf_counter() - t0)
    print(f"{machine()}; {len(cases)} disc patches of {args.p} x {args.p}\n")
    print("| method | median ms / patch | vs ours |")
    print("|---|---|---|")
    ref = np.median(times["auto (ours)"])
    for k, v in times.items():
        print(f"| {k} | {1000 * np.median(v):.2f} | {np.median(v) / ref:.2f}x |")


if __name__ == "__main__":
    main()
