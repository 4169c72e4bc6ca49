"""Guided filter (He, Sun & Tang) with a gray or color guide, O(N) box filters, confidence."""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import InputError, check_depth, check_guide, check_positive, check_valid

__all__ = ["guided_filter", "box_mean"]


def box_mean(a: np.ndarray, radius: int) -> np.ndarray:
    """Mean over the (2r+1)x(2r+1) window of each pixel, reflected borders, O(N).

    ``a`` is (H, W) or (H, W, K) float32/float64; the window is clipped by reflection
    (``cv2.BORDER_REFLECT``), so every output is an average of 2r+1 squared values.
    """
    k = 2 * int(radius) + 1
    a = np.ascontiguousarray(a)
    if a.ndim == 3 and a.shape[2] > 4:
        # cv2 filters handle at most 4 channels quickly; go plane group by plane group
        out = np.empty_like(a)
        for i in range(0, a.shape[2], 4):
            out[:, :, i:i + 4] = box_mean(a[:, :, i:i + 4], radius).reshape(
                a.shape[0], a.shape[1], -1)
        return out
    return cv2.blur(a, (k, k), borderType=cv2.BORDER_REFLECT)


def guided_filter(depth, guide, *, radius: int = 8, eps: float = 100.0, valid=None,
                  confidence=None, min_weight: float = 1e-6) -> np.ndarray:
    """Edge-preserving smoothing of ``depth`` by a local linear model of ``guide``.

    Inside every (2r+1)x(2r+1) window the output is an affine function of the guide,
    ``q = a . I + b``, fitted to the depth by (confidence-weighted) ridge regression; the
    per-window coefficients are averaged over the windows covering each pixel [1]_. With a
    3-channel guide ``a`` is a 3-vector and the 3x3 guide covariance is inverted per window.
    All sums are box filters, so the cost is O(N) whatever the radius.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (any integer or float dtype; never rescaled).
    guide : (H, W) or (H, W, 3) array
        Gray or color image, uint8/uint16 or float, in its own units.
    radius : int
        Window half-width in pixels (window side ``2 * radius + 1``; OpenCV's ``radius``).
    eps : float
        Ridge regularisation in squared guide units (e.g. ``10.0 ** 2`` for a uint8 guide,
        ``0.04 ** 2`` for a [0, 1] float guide): guide variations well below ``sqrt(eps)``
        are smoothed over, those well above it are kept as edges.
    valid : (H, W) bool array, optional
        Trusted depth pixels; default finite & > 0. Invalid pixels are never read.
    confidence : (H, W) float array, optional
        Per-pixel weight >= 0 (multiplied by ``valid``): the regression in each window is
        weighted by it (the confidence-weighted guided filter).
    min_weight : float
        Windows whose mean weight is below this do not contribute; pixels with no
        contributing window come back NaN.

    Returns
    -------
    (H, W) float32 array
        Filtered depth; NaN where no valid pixel lies within ``2 * radius`` pixels.

    References
    ----------
    .. [1] K. He, J. Sun and X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    """
    d = check_depth(depth)
    g = check_guide(guide, d.shape)
    v = check_valid(valid, d, require_any=False)
    r = _check_radius(radius)
    e = check_positive(eps, "eps", allow_zero=True)
    c = v.astype(np.float64)
    if confidence is not None:
        conf = np.asarray(confidence, np.float64)
        if conf.shape != d.shape:
            raise InputError(f"confidence shape {tuple(conf.shape)} does not match depth shape "
                             f"{tuple(d.shape)}")
        if not np.isfinite(conf).all() or (conf < 0).any():
            raise InputError("confidence must be finite and >= 0")
        c = c * conf
    p = np.where(v, d, 0.0).astype(np.float64)
    # centre and scale the guide so that float64 moments stay well conditioned
    gi = g.astype(np.float64)
    mu = gi.reshape(-1, gi.shape[2]).mean(axis=0)
    scale = max(float(np.abs(gi - mu).max()), 1e-12)
    gi = (gi - mu) / scale
    e = e / scale ** 2
    if gi.shape[2] == 1:
        a, b, w = _coeffs_gray(p, gi[:, :, 0], c, r, e, min_weight)
    else:
        a, b, w = _coeffs_color(p, gi, c, r, e, min_weight)
    # average the coefficients of every window covering a pixel, weighted by window support
    stack = np.concatenate([a * w[..., None], (b * w)[..., None], w[..., None]], axis=2)
    m = box_mean(stack, r)
    den = m[:, :, -1]
    ok = den > 0
    safe = np.where(ok, den, 1.0)
    am = m[:, :, :-2] / safe[..., None]
    bm = m[:, :, -2] / safe
    q = np.einsum("hwc,hwc->hw", am, gi) + bm
    return np.where(ok, q, np.nan).astype(np.float32)


def _check_radius(radius) -> int:
    try:
        r = int(radius)
    except (TypeError, ValueError):
        raise InputError(f"radius must be an integer >= 0, got {radius!r}") from None
    if r != radius or r < 0:
        raise InputError(f"radius must be an integer >= 0, got {radius!r}")
    return r


def _coeffs_gray(p, gi, c, r, e, min_weight):
    m = box_mean(np.dstack([c, c * gi, c * p, c * gi * gi, c * gi * p]), r)
    w = m[:, :, 0]
    ok = w > min_weight
    ws = np.where(ok, w, 1.0)
    mi, mp = m[:, :, 1] / ws, m[:, :, 2] / ws
    var = m[:, :, 3] / ws - mi * mi
    cov = m[:, :, 4] / ws - mi * mp
    a = cov / (np.maximum(var, 0.0) + e + 1e-12)
    b = mp - a * mi
    w = np.where(ok, w, 0.0)
    return np.where(ok, a, 0.0)[..., None], np.where(ok, b, 0.0), w


def _coeffs_color(p, gi, c, r, e, min_weight):
    g0, g1, g2 = gi[:, :, 0], gi[:, :, 1], gi[:, :, 2]
    planes = [c, c * g0, c * g1, c * g2, c * p,
              c * g0 * g0, c * g0 * g1, c * g0 * g2, c * g1 * g1, c * g1 * g2, c * g2 * g2,
              c * g0 * p, c * g1 * p, c * g2 * p]
    m = box_mean(np.dstack(planes), r)
    w = m[:, :, 0]
    ok = w > min_weight
    ws = np.where(ok, w, 1.0)
    mean = m[:, :, 1:5] / ws[..., None]
    m0, m1, m2, mp = mean[:, :, 0], mean[:, :, 1], mean[:, :, 2], mean[:, :, 3]
    reg = e + 1e-12
    s00 = m[:, :, 5] / ws - m0 * m0 + reg
    s01 = m[:, :, 6] / ws - m0 * m1
    s02 = m[:, :, 7] / ws - m0 * m2
    s11 = m[:, :, 8] / ws - m1 * m1 + reg
    s12 = m[:, :, 9] / ws - m1 * m2
    s22 = m[:, :, 10] / ws - m2 * m2 + reg
    c0 = m[:, :, 11] / ws - m0 * mp
    c1 = m[:, :, 12] / ws - m1 * mp
    c2 = m[:, :, 13] / ws - m2 * mp
    # symmetric 3x3 inverse by cofactors
    i00 = s11 * s22 - s12 * s12
    i01 = s02 * s12 - s01 * s22
    i02 = s01 * s12 - s02 * s11
    i11 = s00 * s22 - s02 * s02
    i12 = s01 * s02 - s00 * s12
    i22 = s00 * s11 - s01 * s01
    det = s00 * i00 + s01 * i01 + s02 * i02
    good = ok & (np.abs(det) > 1e-300)
    det = np.where(good, det, 1.0)
    a0 = (i00 * c0 + i01 * c1 + i02 * c2) / det
    a1 = (i01 * c0 + i11 * c1 + i12 * c2) / det
    a2 = (i02 * c0 + i12 * c1 + i22 * c2) / det
    a = np.dstack([a0, a1, a2])
    b = mp - a0 * m0 - a1 * m1 - a2 * m2
    a = np.where(good[..., None], a, 0.0)
    b = np.where(good, b, 0.0)
    w = np.where(good, w, 0.0)
    return a, b, w
