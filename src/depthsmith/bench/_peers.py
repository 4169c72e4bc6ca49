"""Peer methods: what a user would otherwise reach for, wrapped to one call shape.

Every peer takes ``depth`` (NaN where invalid), ``valid`` and ``guide`` keywords and returns a
dense float32 map. They live here, not in the task packages: they are baselines, not product.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import interpolate, ndimage

from ..ops import nearest_fill

__all__ = ["fill_nearest", "fill_griddata", "fill_cv2_ns", "fill_cv2_telea",
           "fill_biharmonic"]


def fill_nearest(depth, valid, guide=None, **_):
    """Nearest valid pixel (Euclidean distance transform)."""
    return nearest_fill(depth, valid=valid)


def fill_griddata(depth, valid, guide=None, *, method="linear", **_):
    """scipy ``griddata`` (Delaunay) on the valid pixels; nearest outside the hull.

    With dense input only the valid pixels bordering a hole are triangulated (the usual
    way to make griddata affordable for hole filling); sparse input uses every sample.
    """
    pts_mask = valid
    if valid.mean() > 0.3:
        pts_mask = valid & ndimage.binary_dilation(~valid, np.ones((3, 3), bool))
    ys, xs = np.nonzero(pts_mask)
    qy, qx = np.nonzero(~valid)
    out = np.where(valid, depth, 0).astype(np.float32)
    if qy.size:
        pts = np.column_stack([ys, xs])
        vals = depth[ys, xs].astype(np.float64)
        est = interpolate.griddata(pts, vals, (qy, qx), method=method)
        bad = ~np.isfinite(est)
        if bad.any():
            est[bad] = interpolate.griddata(pts, vals, (qy[bad], qx[bad]), method="nearest")
        out[qy, qx] = est
    return out


def _to_u16(depth, valid):
    lo, hi = float(depth[valid].min()), float(depth[valid].max())
    step = max(hi - lo, 1e-6) / 60000.0
    q = np.where(valid, np.rint((np.where(valid, depth, lo) - lo) / step) + 1, 0)
    return q.astype(np.uint16), lo, step


def _cv2_inpaint(depth, valid, flag, radius):
    # OpenCV 5.0's Telea is broken on float32 depth: both run on a uint16 copy
    q, lo, step = _to_u16(depth, valid)
    out = cv2.inpaint(q, (~valid).astype(np.uint8), radius, flag).astype(np.float32)
    res = lo + (out - 1.0) * step
    return np.where(valid, depth, res).astype(np.float32)


def fill_cv2_ns(depth, valid, guide=None, *, radius=5, **_):
    """``cv2.inpaint`` Navier-Stokes (Bertalmio et al., 2001) on a uint16 copy."""
    return _cv2_inpaint(depth, valid, cv2.INPAINT_NS, radius)


def fill_cv2_telea(depth, valid, guide=None, *, radius=5, **_):
    """``cv2.inpaint`` Telea fast marching (Telea, 2004) on a uint16 copy."""
    return _cv2_inpaint(depth, valid, cv2.INPAINT_TELEA, radius)


def fill_biharmonic(depth, valid, guide=None, **_):
    """scikit-image ``inpaint_biharmonic`` (Damelin & Hoang, 2018)."""
    from skimage.restoration import inpaint_biharmonic

    base = np.where(valid, depth, 0).astype(np.float64)
    return inpaint_biharmonic(base, ~valid).astype(np.float32)
