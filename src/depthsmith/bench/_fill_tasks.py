"""FILL-OCC and FILL-HOLES of BENCHMARKS.md (their masks: :mod:`depthsmith.degrade`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..datasets import load, scenes
from ..degrade import occlusion_mask, sensor_hole_mask
from ..io import read_depth
from ..ops import nearest_fill
from ._core import Case, Method, Task
from ._peers import fill_biharmonic, fill_cv2_ns, fill_cv2_telea, fill_griddata, fill_nearest

__all__ = ["FILL_OCC", "FILL_HOLES", "fill_methods", "fill_seed_rings", "fill_levin_direct",
           "fill_scanline_background"]


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


@njit(cache=True)
def _seed_rings(d, filled, g):
    h, w = d.shape
    nc = g.shape[2]
    n = h * w
    ring = np.empty(n, np.int64)
    nxt = np.empty(n, np.int64)
    queued = np.zeros(n, np.bool_)
    m = 0
    for p in range(n):
        y, x = p // w, p % w
        if filled[y, x]:
            continue
        for dy in range(-1, 2):
            for dx in range(-1, 2):
                yy, xx = y + dy, x + dx
                if 0 <= yy < h and 0 <= xx < w and filled[yy, xx] and not queued[p]:
                    queued[p] = True
                    ring[m] = p
                    m += 1
    vals = np.empty(n, np.float32)
    while m > 0:
        for i in range(m):
            p = ring[i]
            y, x = p // w, p % w
            best = np.inf
            for dy in range(-1, 2):
                for dx in range(-1, 2):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < h and 0 <= xx < w and filled[yy, xx]:
                        c = 0.0
                        for ch in range(nc):
                            c += abs(g[yy, xx, ch] - g[y, x, ch])
                        if c < best:
                            best = c
                            vals[i] = d[yy, xx]
        for i in range(m):
            p = ring[i]
            d[p // w, p % w] = vals[i]
            filled[p // w, p % w] = True
        k = 0
        for i in range(m):
            p = ring[i]
            y, x = p // w, p % w
            for dy in range(-1, 2):
                for dx in range(-1, 2):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < h and 0 <= xx < w:
                        q = yy * w + xx
                        if not filled[yy, xx] and not queued[q]:
                            queued[q] = True
                            nxt[k] = q
                            k += 1
        ring, nxt = nxt, ring
        m = k
    return d


def fill_seed_rings(depth, valid, guide, **_):
    """Seed-style guided propagation: ring by ring, the most similar color wins.

    The classic occlusion fill of the seed paper: at each step every unfilled pixel that
    touches a filled one (8-neighbourhood) takes the depth of the filled neighbour whose
    color is closest (sum of absolute RGB differences); the ring is then marked filled.
    """
    d = np.where(valid, depth, 0).astype(np.float32)
    g = np.ascontiguousarray(guide, dtype=np.float32)
    if g.ndim == 2:
        g = g[:, :, None]
    return _seed_rings(d, valid.copy(), g)


def fill_levin_direct(depth, valid, guide, **_):
    """NYU-toolbox colorization fill (Levin et al., 2004) with ``spsolve`` (as users run it)."""
    from ..ops import colorization_fill

    return colorization_fill(depth, guide, valid=valid, solver="direct")


def fill_scanline_background(depth, valid, guide=None, *, disparity=True, **_):
    """Scanline occlusion fill: each hole pixel takes the farther of its row's two ends.

    Farther = smaller value for disparities (the benchmark's inputs). A row without any
    valid pixel falls back to the nearest valid pixel.
    """
    d = np.where(valid, depth, np.nan).astype(np.float32)
    f = -d if disparity else d
    h, w = d.shape
    cols = np.arange(w)[None, :]
    li = np.where(valid, cols, -1)
    np.maximum.accumulate(li, axis=1, out=li)
    ri = np.where(valid, cols, w)
    ri = np.minimum.accumulate(ri[:, ::-1], axis=1)[:, ::-1]
    rows = np.arange(h)[:, None]
    left = np.where(li >= 0, f[rows, np.clip(li, 0, w - 1)], np.nan)
    right = np.where(ri < w, f[rows, np.clip(ri, 0, w - 1)], np.nan)
    far = np.fmax(left, right)
    out = np.where(valid, d, -far if disparity else far)
    bad = ~np.isfinite(out)
    if bad.any():
        out = nearest_fill(out, valid=~bad)
    return out.astype(np.float32)


def fill_methods(occlusion: bool, disparity: bool = True) -> list[Method]:
    """Our registered fill methods, then the classical peers.

    ``disparity`` says what the inputs are (Middlebury: disparities; RGB-D-D: depth in mm):
    our methods get it as their shared hint, the scanline peer uses it for "farther".
    """
    from .. import fill

    ours = [Method(n, _ours(fn, occlusion, disparity), "ours") for n, fn in fill.METHODS.items()]
    peers = [
        Method("seed rings (most similar color)", fill_seed_rings),
        Method("nearest", fill_nearest),
        Method("griddata linear", fill_griddata),
        Method("cv2.inpaint NS", fill_cv2_ns),
        Method("cv2.inpaint Telea", fill_cv2_telea),
        Method("skimage biharmonic", fill_biharmonic, max_repeat=1),
        Method("Levin colorization (spsolve)", fill_levin_direct, max_repeat=1),
        Method("scanline background", fill_scanline_background if disparity else
               _scanline_depth),
    ]
    return ours + peers


def _scanline_depth(depth, valid, guide=None):
    """:func:`fill_scanline_background` on depth (farther = larger value)."""
    return fill_scanline_background(depth, valid, guide, disparity=False)


def _ours(fn, occlusion, disparity=True):
    """How our methods are called: the inputs are disparities (``disparity=True``) on the
    Middlebury tasks, depth on the -RGBDD ones; on FILL-OCC the caller also says the holes
    are stereo occlusions (``occlusion=True``). A method that cannot honour that raises, and
    the runner lists it as not run."""

    def call(depth, valid, guide):
        return fn(depth, guide, valid=valid, occlusion=occlusion, disparity=disparity)
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
