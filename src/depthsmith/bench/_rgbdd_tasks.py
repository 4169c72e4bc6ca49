"""The -RGBDD variants of BENCHMARKS.md: the Middlebury degradations on real ToF depth.

``rgbdd/*``: ``D`` = ``depth_hr_mm.png`` in mm (0 = unknown), ``V = D > 0``, ``I`` =
``rgb.jpg``. The degradations are the Middlebury tasks' own (:mod:`depthsmith.degrade`), the
methods and peers too; only the units of the scores change (mm, bad-10mm, a 10 mm jump for
the edge band).
"""

from __future__ import annotations

import numpy as np

from ..datasets import load, scenes
from ..degrade import refine_degrade, sample_inputs, sensor_hole_mask
from ..io import read_depth
from ..metrics import edge_band
from ._complete_tasks import _sample_score, complete_methods
from ._core import Case, Task
from ._fill_tasks import fill_methods
from ._refine_tasks import _score as _refine_score
from ._refine_tasks import refine_methods

__all__ = ["FILL_HOLES_RGBDD", "REFINE_RGBDD", "COMPLETE_SAMPLES_RGBDD", "BAD_MM", "JUMP_MM"]

BAD_MM = 10.0  # bad-10mm threshold
JUMP_MM = 10.0  # GT discontinuity for the edge band


def _frames(root):
    for f in scenes("rgbdd", root):
        s = load(f)
        yield s.name.split("/", 1)[1], s


def _fill_cases(root):
    raw = read_depth(root / "nyu_v2" / "sample_00000" / "depth_raw.png")
    holes = None
    for name, s in _frames(root):
        if holes is None or holes.shape != s.depth.shape:
            holes = sensor_hole_mask(s.depth.shape, raw)
        valid = s.valid & ~holes
        depth = np.where(valid, s.depth, np.nan).astype(np.float32)
        yield Case(name, {"depth": depth, "valid": valid, "guide": s.rgb},
                   {"gt": s.depth, "holes": holes & s.valid, "shape": s.depth.shape})


def _fill_score(pred, case) -> dict:
    gt, holes = case.truth["gt"], case.truth["holes"]
    err = np.asarray(pred)[holes].astype(np.float64) - gt[holes].astype(np.float64)
    if not np.isfinite(err).all():
        return {"rmse": float("nan"), "bad10": float("nan")}
    return {"rmse": float(np.sqrt(np.mean(err ** 2))),
            "bad10": float(100 * np.mean(np.abs(err) > BAD_MM))}


def _refine_cases(root):
    for name, s in _frames(root):
        deg = refine_degrade(s.depth, s.valid)
        band = edge_band(s.depth, valid=s.valid, radius=3, jump=JUMP_MM)
        yield Case(name, {"depth": deg, "guide": s.rgb},
                   {"gt": s.depth, "valid": s.valid, "band": band, "shape": s.depth.shape})


def _sample_cases(root):
    for name, s in _frames(root):
        d = np.nan_to_num(s.depth, nan=0.0)
        for grp, m in sample_inputs(d, s.valid, s.rgb).items():
            depth = np.where(m, d, np.nan).astype(np.float32)
            yield Case(name, {"depth": depth, "valid": m, "guide": s.rgb},
                       {"gt": d, "mask": s.valid, "shape": d.shape}, group=grp)


FILL_HOLES_RGBDD = Task(
    "FILL-HOLES-RGBDD",
    "FILL-HOLES on real ToF depth: every rgbdd frame (depth_hr_mm, mm), the FILL-HOLES mask "
    "(NYU sample_00000 dropouts + 40 discs, seed 0) at 512x384; our methods get "
    "disparity=False (depth: farther = larger), so does the scanline peer; RMSE (mm) and "
    "bad-10mm (% of |err| > 10 mm) over the holes with known GT.",
    _fill_cases, _fill_score, lambda: fill_methods(False, disparity=False),
    columns=("rmse", "bad10"))

REFINE_RGBDD = Task(
    "REFINE-RGBDD",
    "REFINE on real ToF depth: every rgbdd frame (mm), area-down x4, bicubic up, Gaussian blur "
    "sigma 2 px, noise sigma 2 % of the range (seed 0); RMSE (mm) over known GT and over the "
    "3-px band around GT discontinuities (|dD| > 10 mm between 4-neighbours).",
    _refine_cases, _refine_score, refine_methods, columns=("rmse", "rmse_edge"))

COMPLETE_SAMPLES_RGBDD = Task(
    "COMPLETE-SAMPLES-RGBDD",
    "COMPLETE-SAMPLES on real ToF depth: every rgbdd frame (mm) from 1 % of the pixels "
    "(uniform, gradient, uniform+gradient, grid); RMSE (mm) and rel over known GT.",
    _sample_cases, _sample_score, lambda: complete_methods(False), columns=("rmse", "rel"))
