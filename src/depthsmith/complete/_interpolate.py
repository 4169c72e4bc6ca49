"""Delaunay linear interpolation with nearest outside the hull (the honest baseline)."""

from __future__ import annotations

import numpy as np
from scipy import interpolate as _si

from .._validate import InputError, check_depth, check_valid
from ..ops import nearest_fill

__all__ = ["interpolate"]


def interpolate(depth, guide=None, *, valid=None):
    """Piecewise-linear interpolation of the valid samples over their Delaunay triangulation.

    Every pixel inside the convex hull of the samples gets the barycentric (linear)
    interpolation of its triangle's three corners; pixels outside the hull get the value of
    their nearest sample (Euclidean). Valid pixels are returned unchanged, so a planar depth
    sampled at three or more non-collinear pixels is reproduced exactly inside the hull.

    Parameters
    ----------
    depth : (H, W) array
        Sparse depth in any units (never rescaled); invalid pixels are never read.
    guide : ignored
        Accepted for a uniform call shape.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.

    Returns
    -------
    (H, W) float32 ndarray, dense.

    References
    ----------
    .. [1] B. Delaunay, "Sur la sphere vide", 1934; scipy.interpolate.LinearNDInterpolator
       (Qhull: C. B. Barber, D. P. Dobkin and H. Huhdanpaa, ACM TOMS 1996).
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    out = np.where(v, d, 0).astype(np.float32)
    qy, qx = np.nonzero(~v)
    if qy.size == 0:
        return out
    ys, xs = np.nonzero(v)
    near = nearest_fill(d, valid=v)
    if ys.size < 3 or np.linalg.matrix_rank(np.column_stack([ys - ys[0], xs - xs[0]])) < 2:
        return near  # fewer than three non-collinear samples: no triangle
    pts = np.column_stack([ys, xs]).astype(np.float64)
    try:
        f = _si.LinearNDInterpolator(pts, d[ys, xs].astype(np.float64))
    except Exception as e:  # Qhull failures on degenerate input
        raise InputError(f"depth: the samples cannot be triangulated ({e})") from None
    est = f(np.column_stack([qy, qx]).astype(np.float64))
    bad = ~np.isfinite(est)
    est[bad] = near[qy[bad], qx[bad]]
    out[qy, qx] = est
    return out
