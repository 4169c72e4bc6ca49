"""Time per megapixel of the DFD-MAP default against the fast Zhuo & Sim peer, interleaved.

    .venv/bin/python benchmarks/dfd_map_speed.py [--scenes 6] [--repeat 3]

Each DFD-MAP synthetic image is processed by every method in turn, ``--repeat`` times (the
best kept, caches warm), so load on a shared machine hits all methods alike; prints the
ms per megapixel summed over the images and the ratio to the peer.
"""

from __future__ import annotations

import argparse
import time
import warnings

from depthsmith.bench._core import machine
from depthsmith.bench._dfd_tasks import map_cases, peer_map_gradient_ratio_fast
from depthsmith.datasets import data_root
from depthsmith.defocus import blur_map

METHODS = {
    "auto (ours)": lambda img, rgb: blur_map(img).radius,
    "auto with the previous window estimator (raw gradients, energy x 2)":
        lambda img, rgb: blur_map(img, periodic="smooth", sigma_scale=2.0).radius,
    "gradient ratio + nearest edge + JBF (Zhuo & Sim fast)": peer_map_gradient_ratio_fast,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = data_root()
    if root is None:
        raise SystemExit("benchmark data absent: set DEPTHSMITH_DATA")
    cases = []
    for c in map_cases(root):
        if c.group == "middlebury synthetic":
            cases.append(c)
        if len(cases) >= args.scenes:
            break
    tot = {k: 0.0 for k in METHODS}
    mp = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in METHODS.values():
            f(cases[0].inputs["image"], cases[0].inputs["rgb"])
        for c in cases:
            img, rgb = c.inputs["image"], c.inputs["rgb"]
            mp += img.size / 1e6
            best = {k: float("inf") for k in METHODS}
            for _ in range(args.repeat):
                for k, f in METHODS.items():
                    t0 = time.perf_counter()
                    f(img, rgb)
                    best[k] = min(best[k], time.perf_counter() - t0)
            for k in METHODS:
                tot[k] += best[k]
    peer = tot["gradient ratio + nearest edge + JBF (Zhuo & Sim fast)"]
    print(f"{machine()}; {len(cases)} DFD-MAP synthetic images, {mp:.2f} MP\n")
    print("| method | ms / MP | vs fast peer |")
    print("|---|---|---|")
    for k, v in tot.items():
        print(f"| {k} | {1000 * v / mp:.0f} | {v / peer:.2f}x |")


if __name__ == "__main__":
    main()
