"""Choose the defocus patch estimator's settings on images OUTSIDE the benchmarks.

DFD-PATCH uses the 21 Middlebury 2005/2006 scenes; this script draws its patches from
Middlebury 2014 (motorcycle), HCI 4D (antinous), three NYU v2 frames and two KITTI 2015 frames
(`../shared/data`), with the DFD-PATCH protocol (r in 1..5, noise 0.001; `--noise 0.005
--quantize` for DFD-PATCH-REAL's), and prints the share of patches within 0.5 px and the
median |error| of the log L maximiser on the 0.05-px grid for each setting:

    .venv/bin/python benchmarks/dfd_heldout.py [--sizes 51,101] [--per 8] [--model disc]
        [--settings 'SUBSTRING;SUBSTRING'] [--noise 0.001] [--quantize]

The default of `depthsmith.defocus.ml` (i.i.d. prior, the gradients' periodic component, sigma
matched to its energy at scale 1) was picked from this table, not from DFD-PATCH.
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

_ETA = {"true": lambda b: 0.001}


def _s(**kw):
    return dict(prior="iid", sigma="energy", **kw)


SETTINGS = {  # name -> loglik_at keyword arguments; "periodic" and "taper" go to spectrum,
    # "eta": a key of _ETA (default: Immerkaer's estimate); a tuple sigma_scale is profiled
    "AR(1) 0.3/0.6, sigma 0.1 (issue)": dict(prior="ar1", rho=(0.3, 0.6), sigma=0.1),
    "AR(1) 0.5/0.5, sigma 0.1": dict(prior="ar1", rho=(0.5, 0.5), sigma=0.1),
    "AR(1) 0.3/0.6, sigma 0.2": dict(prior="ar1", rho=(0.3, 0.6), sigma=0.2),
    "iid, sigma 0.1": dict(prior="iid", sigma=0.1),
    "iid, raw energy x1": _s(sigma_scale=1.0),
    "iid, raw energy x2 (previous default)": _s(sigma_scale=2.0),
    "iid, raw energy x3": _s(sigma_scale=3.0),
    "AR(1) 0.3/0.6, raw energy x2": dict(prior="ar1", rho=(0.3, 0.6), sigma="energy",
                                         sigma_scale=2.0),
    "iid, raw energy x2, eta known (oracle)": _s(sigma_scale=2.0, eta="true"),
    "iid, raw energy, scale profiled over 1.5/2/3": _s(sigma_scale=(1.5, 2.0, 3.0)),
    "iid, raw energy x2, leakage cross left out (1 bin)": _s(sigma_scale=2.0, cross=1),
    "iid, raw energy x2, leakage cross left out (2 bins)": _s(sigma_scale=2.0, cross=2),
    "iid, raw energy x2, leakage cross left out (3 bins)": _s(sigma_scale=2.0, cross=3),
    "iid, raw energy x2, exact finite-window spectra": _s(sigma_scale=2.0, finite=True),
    "iid, raw energy x1, exact finite-window spectra": _s(sigma_scale=1.0, finite=True),
    "iid, tapered energy x2, Tukey 0.5 taper (exact tapered spectra)": _s(sigma_scale=2.0,
                                                                         taper=0.5),
    "iid, tapered energy x1, Tukey 0.5 taper (exact tapered spectra)": _s(sigma_scale=1.0,
                                                                         taper=0.5),
    "iid, tapered energy x2, Hann taper (exact tapered spectra)": _s(sigma_scale=2.0,
                                                                    taper=1.0),
    "iid, periodic component, its energy x3": _s(sigma_scale=3.0, periodic=True),
    "iid, periodic component, its energy x2": _s(sigma_scale=2.0, periodic=True),
    "iid, periodic component, its energy x1.5": _s(sigma_scale=1.5, periodic=True),
    "iid, periodic component, its energy x1.25": _s(sigma_scale=1.25, periodic=True),
    "iid, periodic component, its energy x1 (default)": _s(sigma_scale=1.0, periodic=True),
    "iid, periodic component, its energy x0.75": _s(sigma_scale=0.75, periodic=True),
    "AR(1) 0.3/0.6, periodic component, its energy x1": dict(
        prior="ar1", rho=(0.3, 0.6), sigma="energy", sigma_scale=1.0, periodic=True),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="51,101")
    ap.add_argument("--per", type=int, default=8, help="patches per image and radius")
    ap.add_argument("--settings", default="",
                    help="';'-separated substrings of setting names (default: all)")
    ap.add_argument("--model", default="disc", help="kernel model of ops.blur_kernel")
    ap.add_argument("--noise", type=float, default=0.001)
    ap.add_argument("--quantize", action="store_true", help="8-bit, as DFD-PATCH-REAL")
    args = ap.parse_args()
    root = data_root()
    if root is None:
        raise SystemExit("benchmark data absent: set DEPTHSMITH_DATA")
    imgs = [read_image(root / f).astype(np.float64) @ [0.299, 0.587, 0.114] / 255.0
            for f in FILES if (root / f).exists()]
    rng = np.random.default_rng(1)
    idx = np.arange(R_GRID.size)
    print(f"{date.today()}, {platform.processor() or platform.machine()}, {len(imgs)} images, "
          f"{args.model}, noise {args.noise}{', 8-bit' if args.quantize else ''}")
    for p in (int(s) for s in args.sizes.split(",")):
        cases = []
        for g in imgs:
            for r in (1, 2, 3, 4, 5):
                k = blur_kernel(args.model, r)
                n = p + k.shape[0] - 1
                for _ in range(args.per):
                    y = int(rng.integers(0, g.shape[0] - n + 1))
                    x = int(rng.integers(0, g.shape[1] - n + 1))
                    b = signal.fftconvolve(g[y:y + n, x:x + n], k, mode="valid")
                    b = b + rng.normal(0, args.noise, b.shape)
                    if args.quantize:
                        b = np.clip(np.round(255.0 * b) / 255.0, 0.0, 1.0)
                    cases.append((r, b, estimate_noise(b)))
        print(f"\n**p = {p}** ({len(cases)} patches)\n")
        print("| setting | within 0.5 px % | median abs err px | s |")
        print("|---|---|---|---|")
        pick = [t for t in args.settings.split(";") if t]
        for name, kw in SETTINGS.items():
            if pick and not any(t in name for t in pick):
                continue
            t0 = time.perf_counter()
            err = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for r, b, eta in cases:
                    sp = spectrum(b, taper=kw.get("taper", 0.0),
                                  periodic=kw.get("periodic", False))
                    e = _ETA[kw["eta"]](b) if "eta" in kw else eta
                    kw2 = {k: v for k, v in kw.items() if k not in ("eta", "periodic")}
                    scales = np.atleast_1d(kw2.pop("sigma_scale", 2.0))
                    ll = np.max([loglik_at(sp, idx, model=args.model, kappa=0.5, eta=e,
                                           sigma_scale=float(sc), **kw2) for sc in scales],
                                axis=0)
                    err.append(abs(R_GRID[int(np.argmax(ll))] - r))
            err = np.array(err)
            print(f"| {name} | {100 * np.mean(err <= 0.5):.1f} | {np.median(err):.3f} | "
                  f"{time.perf_counter() - t0:.1f} |")


if __name__ == "__main__":
    main()
