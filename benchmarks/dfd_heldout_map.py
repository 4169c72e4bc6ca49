"""Choose the defocus MAP method's settings on scenes OUTSIDE the benchmarks.

DFD-MAP uses the 21 Middlebury 2005/2006 scenes and the SYNDOF renders; this script renders
DFD-MAP's synthetic protocol (disc radius 0.5 + 4.5 |D - D_f| / max |D - D_f| from the
disparity D, D_f its median, layered rendering in 0.25-px bins, noise 0.001) on Middlebury 2014
(motorcycle), HCI 4D (antinous), two NYU v2 dense frames (disparity = 1 / depth), two Scene
Flow frames and the Sintel frame (`../shared/data`), and prints the mean per-scene Spearman,
RMSE and time per megapixel of each setting, next to the fast Zhuo & Sim peer of DFD-MAP:

    .venv/bin/python benchmarks/dfd_heldout_map.py [--settings 'SUBSTRING;SUBSTRING'] [--scenes N]

The map default of `depthsmith.defocus.blur_map` was picked from this table, not from DFD-MAP.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import date

import numpy as np
from scipy import stats

from depthsmith.bench._dfd_tasks import _gray, peer_map_gradient_ratio_fast, render_defocus
from depthsmith.datasets import data_root, load
from depthsmith.defocus import blur_map
from depthsmith.io import read_image

SCENES = ["middlebury2014/motorcycle", "hci4d/antinous", "nyu_v2_dense/labeled_1000",
          "nyu_v2_dense/labeled_1001", "sceneflow/flyingthings3d_TEST_A-0000-0006",
          "sceneflow/flyingthings3d_TRAIN_B-0749-0015", "sintel/market_2_frame_0001"]


def _scene(root, name):
    """(gray photo in [0, 1], disparity-like map, valid) of one held-out scene."""
    f = root / name
    if name.startswith("nyu_v2_dense"):
        rgb = read_image(f / "rgb.jpg")[8:-8, 8:-8]  # the white border of the NYU frames
        z = np.load(f / "depth_filled_m.npy")[8:-8, 8:-8].astype(np.float64)
        return _gray(rgb), 1.0 / np.maximum(z, 1e-3), z > 0
    s = load(f)
    d = np.asarray(s.depth, np.float64)
    v = np.asarray(s.valid, bool) & np.isfinite(d)
    if s.kind == "depth":
        d = np.where(v, 1.0 / np.maximum(d, 1e-3), 0.0)
    d = np.where(v, d, np.median(d[v]))
    return _gray(s.rgb), d, v


def cases(root, seed=0):
    for name in SCENES:
        if not (root / name).exists():
            continue
        gray, d, v = _scene(root, name)
        dev = np.abs(d - float(np.median(d[v])))
        r = 0.5 + 4.5 * dev / max(float(dev[v].max()), 1e-9)
        yield name, render_defocus(gray, r, rng=seed).astype(np.float32), r, v


def _ours(**kw):
    def run(img):
        return blur_map(img, **kw).radius
    return run


def _peer(img):
    return peer_map_gradient_ratio_fast(img, None)


SETTINGS = {
    "patches 41 px / 10, raw gradients, energy x 2 (previous default)": _ours(
        method="patches", periodic="smooth", sigma_scale=2.0),
    "patches 41 px / 10, periodic component, its energy x 2": _ours(
        method="patches", periodic=True, sigma_scale=2.0),
    "patches 41 px / 10, periodic component, its energy x 1 (default, = the patch default)":
        _ours(method="patches"),
    "patches 41 px / 10, periodic component, its energy x 1, largest covering estimate":
        _ours(method="patches", cover="max"),
    "patches 41 px / 10, periodic component, its energy x 1, largest covering, conf 0.05":
        _ours(method="patches", cover="max", cover_conf=0.05),
    "patches 41 px / 10, periodic component, its energy x 1, largest covering, conf 0.2":
        _ours(method="patches", cover="max", cover_conf=0.2),
    "patches 41 px / 10, raw gradients, energy x 2, largest covering estimate": _ours(
        method="patches", periodic="smooth", sigma_scale=2.0, cover="max"),
    "patches 51 px / 25, periodic component, its energy x 1": _ours(
        method="patches", window=51, stride=25),
    "patches 31 px / 8, periodic component, its energy x 1": _ours(
        method="patches", window=31, stride=8),
    "patches 21 px / 5, raw gradients, energy x 2, smooth 24": _ours(
        method="patches", window=21, stride=5, smooth=24.0, periodic="smooth",
        sigma_scale=2.0),
    "patches 21 px / 5, periodic component, its energy x 2, smooth 24": _ours(
        method="patches", window=21, stride=5, smooth=24.0, sigma_scale=2.0),
    "patches 21 px / 5, periodic component, its energy x 1, smooth 12": _ours(
        method="patches", window=21, stride=5, smooth=12.0),
    "patches 21 px / 5, periodic component, its energy x 1, smooth 24": _ours(
        method="patches", window=21, stride=5, smooth=24.0),
    "patches 21 px / 5, periodic component, its energy x 1, smooth 48": _ours(
        method="patches", window=21, stride=5, smooth=48.0),
    "gradient ratio + nearest edge + JBF (Zhuo & Sim fast)": _peer,
}
# the window stride (the final guided filter's radius grows with it): 0.3.2's sweep
SETTINGS.update({f"patches 41 px / {st}, periodic component, its energy x 1":
                 _ours(method="patches", stride=st) for st in (15, 20, 25, 30, 35, 40)})


def score(fn, data):
    """Per-scene Spearman and RMSE (px) of ``fn``'s map over V and its finite pixels (a
    constant map ranks 0), and its time in ms per megapixel over ``data``."""
    rho, rmse, t, mp = [], [], 0.0, 0.0
    for _name, img, r, v in data:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            pred = np.asarray(fn(img), np.float64)
            t += time.perf_counter() - t0
        mp += img.size / 1e6
        vv = v & np.isfinite(pred)
        rho.append(float(stats.spearmanr(pred[vv], r[vv]).statistic)
                   if pred[vv].std() > 0 else 0.0)
        rmse.append(float(np.sqrt(np.mean((pred[vv] - r[vv]) ** 2))))
    return rho, rmse, 1e3 * t / max(mp, 1e-9)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settings", default="",
                    help="';'-separated substrings of setting names (default: all)")
    ap.add_argument("--scenes", type=int, default=len(SCENES))
    args = ap.parse_args()
    root = data_root()
    if root is None:
        raise SystemExit("benchmark data absent: set DEPTHSMITH_DATA")
    data = list(cases(root))[: args.scenes]
    pick = [t for t in args.settings.split(";") if t]
    names = [n for n in SETTINGS if not pick or any(t in n for t in pick)]
    print(f"{date.today()}, {platform.processor() or platform.machine()}, {len(data)} scenes")
    print("\n| setting | spearman | rmse px | ms/MP | per scene |")
    print("|---|---|---|---|---|")
    for name in names:
        rho, rmse, ms = score(SETTINGS[name], data)
        per = " ".join(f"{x:.2f}" for x in rho)
        print(f"| {name} | {np.mean(rho):.3f} | {np.mean(rmse):.3f} | {ms:.0f} | {per} |",
              flush=True)

if __name__ == "__main__":
    main()
