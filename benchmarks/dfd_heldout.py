"""Choose the defocus patch estimator's prior and sigma rule on images OUTSIDE the benchmarks.

DFD-PATCH uses the 21 Middlebury 2005/2006 scenes; this script draws its patches from
Middlebury 2014 (motorcycle), HCI 4D (antinous), three NYU v2 frames and two KITTI 2015 frames
(`../shared/data`), with the DFD-PATCH protocol (disc kernel, r in 1..5, noise 0.001), and
prints the share of patches within 0.5 px and the median |error| for each setting:

    .venv/bin/python benchmarks/dfd_heldout.py [--sizes 51,101] [--per 8]

The default of `depthsmith.defocus.ml` (i.i.d. prior, energy-matched sigma x 2) was picked from
this table, not from DFD-PATCH.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import date

import numpy as np
from scipy import signal

from depthsmith.datasets import data_root
from depthsmith.defocus._likelihood import R_GRID, estimate_noise, loglik_at, spectrum
from depthsmith.io import read_image
from depthsmith.ops import blur_kernel

FILES = ["middlebury2014/motorcycle/rgb.png", "hci4d/antinous/rgb.png",
         "nyu_v2/sample_00000/rgb.jpg", "nyu_v2/sample_00050/rgb.jpg",
         "kitti2015/000001_10/rgb.png", "kitti2015/000046_10/rgb.png"]

SETTINGS = {  # name -> loglik_at keyword arguments
    "AR(1) 0.3/0.6, sigma 0.1 (issue)": dict(prior="ar1", rho=(0.3, 0.6), sigma=0.1),
    "AR(1) 0.5/0.5, sigma 0.1": dict(prior="ar1", rho=(0.5, 0.5), sigma=0.1),
    "AR(1) 0.3/0.6, sigma 0.2": dict(prior="ar1", rho=(0.3, 0.6), sigma=0.2),
    "iid, sigma 0.1": dict(prior="iid", sigma=0.1),
    "iid, energy-matched x1": dict(prior="iid", sigma="energy", sigma_scale=1.0),
    "iid, energy-matched x2 (default)": dict(prior="iid", sigma="energy", sigma_scale=2.0),
    "iid, energy-matched x3": dict(prior="iid", sigma="energy", sigma_scale=3.0),
    "AR(1) 0.3/0.6, energy-matched x2": dict(prior="ar1", rho=(0.3, 0.6), sigma="energy",
                                             sigma_scale=2.0),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="51,101")
    ap.add_argument("--per", type=int, default=8, help="patches per image and radius")
    args = ap.parse_args()
    root = data_root()
    if root is None:
        raise SystemExit("benchmark data absent: set DEPTHSMITH_DATA")
    imgs = [read_image(root / f).astype(np.float64) @ [0.299, 0.587, 0.114] / 255.0
            for f in FILES if (root / f).exists()]
    rng = np.random.default_rng(1)
    idx = np.arange(R_GRID.size)
    print(f"{date.today()}, {platform.processor() or platform.machine()}, {len(imgs)} images")
    for p in (int(s) for s in args.sizes.split(",")):
        cases = []
        for g in imgs:
            for r in (1, 2, 3, 4, 5):
                k = blur_kernel("disc", r)
                n = p + k.shape[0] - 1
                for _ in range(args.per):
                    y = int(rng.integers(0, g.shape[0] - n + 1))
                    x = int(rng.integers(0, g.shape[1] - n + 1))
                    b = signal.fftconvolve(g[y:y + n, x:x + n], k, mode="valid")
                    b = b + rng.normal(0, 0.001, b.shape)
                    cases.append((r, spectrum(b), estimate_noise(b)))
        print(f"\n**p = {p}** ({len(cases)} patches)\n")
        print("| setting | within 0.5 px % | median abs err px | s |")
        print("|---|---|---|---|")
        for name, kw in SETTINGS.items():
            t0 = time.perf_counter()
            err = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for r, sp, eta in cases:
                    ll = loglik_at(sp, idx, model="disc", kappa=0.5, eta=eta, **kw)
                    err.append(abs(R_GRID[int(np.argmax(ll))] - r))
            err = np.array(err)
            print(f"| {name} | {100 * np.mean(err <= 0.5):.1f} | {np.median(err):.3f} | "
                  f"{time.perf_counter() - t0:.1f} |")


if __name__ == "__main__":
    main()
