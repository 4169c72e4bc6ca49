"""``make demo``: every task on the bundled Middlebury Cones sample, with numbers and a picture.

Run as ``python -m depthsmith.demo OUTDIR``. For each task it degrades the ground truth the way
``BENCHMARKS.md`` does, runs our default method and a plain baseline, prints RMSE (disparity
px), writes the inputs and outputs as PFM files and one side-by-side picture ``demo.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

from .degrade import occlusion_mask, refine_degrade
from .io import colorize, error_map, read_depth, read_image, save_panel, write_depth
from .ops import nearest_fill

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "cones"


def _rmse(pred, gt, mask):
    return float(np.sqrt(np.mean((pred[mask].astype(np.float64) - gt[mask]) ** 2)))


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, 1000 * (time.perf_counter() - t0)


def _steps(gt, valid, rgb, right):
    """Yield (title, input, ours, baseline name, baseline, scored mask, ms)."""
    from . import complete, fill, refine, upsample

    occ = occlusion_mask(gt, right)
    d_in = np.where(valid & ~occ, gt, np.nan).astype(np.float32)
    ours, ms = _timed(fill.fill_holes, d_in, rgb, occlusion=True, disparity=True)
    yield ("fill occlusions", d_in, ours, "nearest", nearest_fill(d_in), occ & valid, ms)

    degraded = refine_degrade(gt, valid)
    ours, ms = _timed(refine.refine, degraded, rgb)
    yield ("refine noisy depth", degraded, ours, "identity", degraded, valid, ms)

    rng = np.random.default_rng(0)
    keep = valid & (rng.random(gt.shape) < 0.02)
    sparse = np.where(keep, gt, np.nan).astype(np.float32)
    ours, ms = _timed(complete.complete, sparse, rgb)
    yield ("complete 2 % samples", sparse, ours, "nearest", nearest_fill(sparse), valid, ms)

    s = 8
    h, w = (gt.shape[0] // s) * s, (gt.shape[1] // s) * s
    full = nearest_fill(gt)[:h, :w]
    low = cv2.resize(full, (w // s, h // s), interpolation=cv2.INTER_CUBIC)
    ours, ms = _timed(upsample.upsample, low, s, rgb[:h, :w])
    bic = cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC)
    low_show = cv2.resize(low, (w, h), interpolation=cv2.INTER_NEAREST)
    pad = np.full(gt.shape, np.nan, np.float32)
    out = []
    for a in (low_show, ours, bic):
        b = pad.copy()
        b[:h, :w] = a
        out.append(b)
    m = np.zeros_like(valid)
    m[:h, :w] = valid[:h, :w]
    yield ("upsample x8", out[0], out[1], "bicubic", out[2], m, ms)


def main(argv=None) -> int:
    out = Path((argv or sys.argv[1:] or ["demo_out"])[0])
    out.mkdir(parents=True, exist_ok=True)
    gt = read_depth(SAMPLE / "disp_gt.png", scale=4)
    right = read_depth(SAMPLE / "disp_gt_right.png", scale=4)
    rgb = read_image(SAMPLE / "rgb.png")
    valid = np.isfinite(gt)
    print(f"depthsmith demo on Middlebury Cones ({gt.shape[1]}x{gt.shape[0]}, disparity px)")
    images, titles = [], []
    lo, hi = np.nanpercentile(gt, [1, 99])
    for title, d_in, ours, base_name, base, mask, ms in _steps(gt, valid, rgb, right):
        key = title.split()[0]
        write_depth(out / f"{key}_input.pfm", d_in)
        write_depth(out / f"{key}_depthsmith.pfm", ours)
        r_ours, r_base = _rmse(ours, gt, mask), _rmse(base, gt, mask)
        print(f"  {title:22s} RMSE {r_ours:6.3f} px (ours, {ms:7.1f} ms)  vs {base_name} "
              f"{r_base:6.3f} px")
        shown = d_in
        if np.isfinite(d_in).mean() < 0.2:  # sparse samples: enlarge the dots for the eye only
            shown = ndimage.grey_dilation(np.nan_to_num(d_in, nan=-np.inf), size=3)
            shown = np.where(np.isfinite(shown), shown, np.nan).astype(np.float32)
        images += [colorize(shown, vmin=lo, vmax=hi), colorize(ours, vmin=lo, vmax=hi),
                   error_map(ours, gt, valid=mask, vmax=4.0)]
        titles += [f"{title}: input", f"depthsmith  RMSE {r_ours:.2f} px  ({base_name} "
                   f"{r_base:.2f})", "|error| (0-4 px)"]
    save_panel(out / "demo.png", images, titles, ncols=3, width_in=3.6,
               suptitle="depthsmith on Middlebury Cones: input, our default, error vs GT")
    print(f"wrote {out}/demo.png and the PFM outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
