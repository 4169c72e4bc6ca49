"""FILL-OCC and FILL-HOLES of BENCHMARKS.md."""

from __future__ import annotations

import cv2
import numpy as np

from ..datasets import load, scenes
from ..io import read_depth
from ._core import Case, Method, Task
from ._peers import fill_biharmonic, fill_cv2_ns, fill_cv2_telea, fill_griddata, fill_nearest

__all__ = ["FILL_OCC", "FILL_HOLES", "occlusion_mask", "sensor_hole_mask", "fill_methods"]


def occlusion_mask(disp, disp_right) -> np.ndarray:
    """Left-view pixels not visible in the right view (BENCHMARKS.md FILL-OCC).

    (y, x) is occluded when x - round(D) < 0, or Dr[y, x - round(D)] == 0 (unknown), or
    |D - Dr[y, x - round(D)]| > 1. ``disp``/``disp_right`` in px, NaN or 0 = unknown.
    """
    d = np.nan_to_num(np.asarray(disp, np.float64), nan=0.0)
    dr = np.nan_to_num(np.asarray(disp_right, np.float64), nan=0.0)
    h, w = d.shape
    xs = np.arange(w)[None, :] - np.rint(d).astype(np.int64)
    out = xs < 0
    xc = np.clip(xs, 0, w - 1)
    target = dr[np.arange(h)[:, None], xc]
    return out | (target == 0) | (np.abs(d - target) > 1)


def sensor_hole_mask(shape, kinect_raw, *, n_discs=40, radius=(3, 15), seed=0, border=16):
    """Kinect-style dropouts united with random discs (BENCHMARKS.md FILL-HOLES).

    The interior zero pixels (``border`` px excluded) of the NYU raw depth, resized to
    ``shape`` with nearest neighbour, united with ``n_discs`` discs whose radius, centre row
    and centre column are drawn as three vectors, in that order, from
    ``numpy.random.default_rng(seed)``, each uniform (radius in ``radius``, centres over
    the image).
    """
    h, w = shape
    raw = np.nan_to_num(np.asarray(kinect_raw, np.float64), nan=0.0)
    holes = raw == 0
    interior = np.zeros_like(holes)
    interior[border:-border, border:-border] = True
    holes &= interior
    m = cv2.resize(holes.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    rng = np.random.default_rng(seed)
    r = rng.uniform(radius[0], radius[1], n_discs)
    cy = rng.uniform(0, h, n_discs)
    cx = rng.uniform(0, w, n_discs)
    yy, xx = np.mgrid[0:h, 0:w]
    for ri, yi, xi in zip(r, cy, cx, strict=True):
        m |= (yy - yi) ** 2 + (xx - xi) ** 2 <= ri * ri
    return m


def _score(pred, case) -> dict:
    gt, holes = case.truth["gt"], case.truth["holes"]
    err = pred[holes].astype(np.float64) - gt[holes].astype(np.float64)
    if not np.isfinite(err).all():
        return {"rmse": float("nan"), "bad1": float("nan"), "unfilled": float(
            (~np.isfinite(err)).mean() * 100)}
    return {"rmse": float(np.sqrt(np.mean(err ** 2))),
            "bad1": float(100 * np.mean(np.abs(err) > 1.0))}


def _case(s, invalid, holes):
    valid = s.valid & ~invalid
    depth = np.where(valid, s.depth, np.nan).astype(np.float32)
    return Case(s.name.split("/", 1)[1], {"depth": depth, "valid": valid, "guide": s.rgb},
                {"gt": s.depth, "holes": holes & s.valid, "shape": s.depth.shape})


def _occ_cases(root):
    for f in scenes("middlebury", root, require=("disp_gt_right.png",)):
        s = load(f)
        occ = occlusion_mask(s.depth, s.extra["disp_right"])
        yield _case(s, occ, occ)


def _hole_cases(root):
    raw = read_depth(root / "nyu_v2" / "sample_00000" / "depth_raw.png")
    for f in scenes("middlebury", root):
        s = load(f)
        holes = sensor_hole_mask(s.depth.shape, raw)
        yield _case(s, holes, holes)


def fill_methods(occlusion: bool) -> list[Method]:
    """Our registered fill methods, then the classical peers."""
    from .. import fill

    ours = [Method(n, _ours(fn, occlusion), "ours") for n, fn in fill.METHODS.items()]
    peers = [
        Method("nearest", fill_nearest),
        Method("griddata linear", fill_griddata),
        Method("cv2.inpaint NS", fill_cv2_ns),
        Method("cv2.inpaint Telea", fill_cv2_telea),
        Method("skimage biharmonic", fill_biharmonic),
    ]
    return ours + peers + list(getattr(fill, "BENCH_PEERS", lambda occ: [])(occlusion))


def _ours(fn, occlusion):
    def call(depth, valid, guide):
        return fn(depth, guide, valid=valid, **({"occlusion": True} if occlusion else {}))
    return call


FILL_OCC = Task(
    "FILL-OCC",
    "Stereo occlusion filling on every Middlebury scene with a right GT; RMSE (px) and bad-1 (%) "
    "over occluded pixels with known GT.",
    _occ_cases, _score, lambda: fill_methods(True), columns=("rmse", "bad1"))

FILL_HOLES = Task(
    "FILL-HOLES",
    "Kinect-style dropouts (NYU sample_00000 zero pattern + 40 random discs) on every "
    "Middlebury scene; RMSE (px) and bad-1 (%) over the holes with known GT.",
    _hole_cases, _score, lambda: fill_methods(False), columns=("rmse", "bad1"))
