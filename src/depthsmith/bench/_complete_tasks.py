"""COMPLETE-KITTI and COMPLETE-SAMPLES of BENCHMARKS.md (inputs: :mod:`depthsmith.degrade`)."""

from __future__ import annotations

import numpy as np

from ..datasets import load, scenes
from ..degrade import kitti_inputs, kitti_variant_inputs, sample_inputs
from ._core import Case, Method, Task
from ._peers import fill_griddata, fill_nearest

__all__ = ["COMPLETE_KITTI", "COMPLETE_SAMPLES", "complete_methods", "KITTI_GROUPS"]

#: COMPLETE-KITTI groups, in table order: the main patterns (unchanged since the first
#: figures), then the robustness variants (seed 0 and phase 0 are the main groups).
KITTI_GROUPS = ("random", "lines", "random seed 1", "random seed 2", "lines phase 1",
                "lines phase 2", "lines phase 3")


def _kitti_cases(root):
    for f in scenes("kitti_depth", root):
        s = load(f)
        g = np.nan_to_num(s.depth, nan=0.0)
        masks = {**kitti_inputs(g), **kitti_variant_inputs(g)}
        for grp in KITTI_GROUPS:
            m = masks[grp]
            depth = np.where(m, g, np.nan).astype(np.float32)
            yield Case(f.name, {"depth": depth, "valid": m, "guide": s.rgb},
                       {"gt": g, "mask": (g > 0) & ~m, "shape": g.shape}, group=grp)


def _kitti_score(pred, case) -> dict:
    gt, m = case.truth["gt"], case.truth["mask"]
    p = pred[m].astype(np.float64)
    g = gt[m].astype(np.float64)
    if not np.isfinite(p).all():
        return {"rmse": float("nan"), "mae": float("nan"), "irmse": float("nan"),
                "imae": float("nan")}
    e = p - g
    ip = np.where(p > 0, 1.0 / np.where(p > 0, p, 1.0), 0.0)  # prediction <= 0 counts as 0 m
    ie = 1000.0 * (ip - 1.0 / g)  # 1/km
    return {"rmse": float(1000 * np.sqrt(np.mean(e ** 2))),
            "mae": float(1000 * np.mean(np.abs(e))),
            "irmse": float(np.sqrt(np.mean(ie ** 2))), "imae": float(np.mean(np.abs(ie)))}


def _sample_cases(root):
    for f in scenes("middlebury", root):
        s = load(f)
        disp = np.nan_to_num(s.depth, nan=0.0)
        for grp, m in sample_inputs(disp, s.valid, s.rgb).items():
            depth = np.where(m, disp, np.nan).astype(np.float32)
            yield Case(f.name, {"depth": depth, "valid": m, "guide": s.rgb},
                       {"gt": disp, "mask": s.valid, "shape": disp.shape}, group=grp)


def _sample_score(pred, case) -> dict:
    gt, m = case.truth["gt"], case.truth["mask"]
    p = pred[m].astype(np.float64)
    g = gt[m].astype(np.float64)
    if not np.isfinite(p).all():
        return {"rmse": float("nan"), "rel": float("nan")}
    e = p - g
    return {"rmse": float(np.sqrt(np.mean(e ** 2))), "rel": float(np.mean(np.abs(e) / g))}


def _ours(fn):
    def call(depth, valid, guide):
        return fn(depth, guide, valid=valid)
    return call


def _ip_basic(depth, valid, guide=None):
    from ..complete import morphological

    return morphological(depth, valid=valid, preset="paper")


def _levin(depth, valid, guide):
    from ..ops import colorization_fill

    return colorization_fill(depth, guide, valid=valid, solver="direct")


def complete_methods(kitti: bool) -> list[Method]:
    """Our registered completion methods, then the peers of the task."""
    from .. import complete

    skip = {"morphological"} if kitti else set()  # on KITTI it runs as the IP_Basic peer
    ours = [Method(n, _ours(fn), "ours") for n, fn in complete.METHODS.items()
            if n not in skip]
    if kitti:
        peers = [Method("IP_Basic-style (paper defaults)", _ip_basic,
                        note="depthsmith.complete.morphological(preset='paper')"),
                 Method("griddata linear", fill_griddata),
                 Method("nearest", fill_nearest)]
    else:
        peers = [Method("nearest", fill_nearest),
                 Method("griddata linear", fill_griddata),
                 Method("griddata cubic", lambda depth, valid, guide=None: fill_griddata(
                     depth, valid, method="cubic")),
                 Method("Levin colorization", _levin)]
    return ours + peers


COMPLETE_KITTI = Task(
    "COMPLETE-KITTI",
    "Sparse LiDAR-like completion on every kitti_depth frame (8; `--scenes frame_` selects "
    "the 3 of the figures before 2026-12): a random 25 % of the annotated GT (seed 0) and the "
    "GT on every 4th row (y mod 4 == 0); robustness variants as their own groups: random with "
    "seeds 1 and 2, lines at row phases 1, 2, 3 (seed 0 and phase 0 are the main groups); "
    "RMSE and MAE (mm), iRMSE and iMAE (1/km) on GT pixels that are not input.",
    _kitti_cases, _kitti_score, lambda: complete_methods(True),
    columns=("rmse", "mae", "irmse", "imae"))

COMPLETE_SAMPLES = Task(
    "COMPLETE-SAMPLES",
    "Sparse-to-dense interpolation of every Middlebury disparity from 1 % of the pixels "
    "(uniform, gradient, uniform+gradient, grid); RMSE (px) and rel over known GT.",
    _sample_cases, _sample_score, lambda: complete_methods(False), columns=("rmse", "rel"))
