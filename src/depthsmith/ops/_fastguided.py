"""Fast guided filter: the guided filter's linear coefficients computed on a subsampled grid."""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import InputError, check_depth, check_guide, check_positive

__all__ = ["fast_guided_filter"]


def fast_guided_filter(depth, guide, *, radius: int = 8, eps: float = 100.0,
                       subsample: int = 2) -> np.ndarray:
    """Guided filter [1]_ with its coefficients fitted on a ``subsample``-times smaller grid.

    The local affine model ``q = a . I + b`` of the guided filter is fitted (ridge ``eps``)
    in every ``(2 r' + 1)^2`` window of the area-downsampled guide and depth, with
    ``r' = max(1, round(radius / subsample))``; the window-averaged coefficient maps are
    bilinearly upsampled and applied to the full-resolution guide [2]_. The edges of the
    output therefore still follow the full-resolution guide, at about ``1 / subsample^2``
    of the box-filter work. ``subsample=1`` is the exact guided filter (reflected borders).

    Parameters
    ----------
    depth : (H, W) array       depth in any units (never rescaled); must be finite
    guide : (H, W[, 3]) array  gray or color guide, uint8/uint16 or float, its own units
    radius : int               window half-width in full-resolution pixels
    eps : float                ridge regularisation in squared guide units
    subsample : int            grid reduction factor of the coefficient fit

    Returns
    -------
    (H, W) float32 array.

    References
    ----------
    .. [1] K. He, J. Sun and X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    .. [2] K. He and J. Sun, "Fast guided filter", arXiv:1505.00996, 2015.
    """
    p = check_depth(depth, allow_nonfinite=False)
    g = check_guide(guide, p.shape)
    if int(radius) != radius or radius < 1:
        raise InputError(f"radius must be an integer >= 1, got {radius!r}")
    if int(subsample) != subsample or subsample < 1:
        raise InputError(f"subsample must be an integer >= 1, got {subsample!r}")
    e = check_positive(eps, "eps")
    H, W = p.shape
    s = int(subsample)
    h, w = max(1, H // s), max(1, W // s)
    if (h, w) != (H, W):
        gs = cv2.resize(g, (w, h), interpolation=cv2.INTER_AREA).reshape(h, w, -1)
        ps = cv2.resize(p, (w, h), interpolation=cv2.INTER_AREA)
    else:
        gs, ps = g, p
    r = max(1, int(round(radius / s)))
    # centre values so float32 moments keep their precision
    pm = float(ps.mean())
    gm = gs.reshape(-1, gs.shape[2]).mean(0)
    gs = (gs - gm).astype(np.float32)
    ps = (ps - pm).astype(np.float32)

    def box(a):
        return cv2.boxFilter(a, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)

    nc = gs.shape[2]
    mi = [box(np.ascontiguousarray(gs[:, :, c])) for c in range(nc)]
    mp = box(ps)
    cov_ip = [box(gs[:, :, c] * ps) - mi[c] * mp for c in range(nc)]
    if nc == 1:
        var = box(gs[:, :, 0] * gs[:, :, 0]) - mi[0] * mi[0]
        a = [cov_ip[0] / (var + e)]
    else:
        v = {}
        for c in range(3):
            for d in range(c, 3):
                v[c, d] = box(gs[:, :, c] * gs[:, :, d]) - mi[c] * mi[d]
        s00, s01, s02 = v[0, 0] + e, v[0, 1], v[0, 2]
        s11, s12, s22 = v[1, 1] + e, v[1, 2], v[2, 2] + e
        i00 = s11 * s22 - s12 * s12
        i01 = s02 * s12 - s01 * s22
        i02 = s01 * s12 - s02 * s11
        i11 = s00 * s22 - s02 * s02
        i12 = s01 * s02 - s00 * s12
        i22 = s00 * s11 - s01 * s01
        det = s00 * i00 + s01 * i01 + s02 * i02
        c0, c1, c2 = cov_ip
        a = [(i00 * c0 + i01 * c1 + i02 * c2) / det,
             (i01 * c0 + i11 * c1 + i12 * c2) / det,
             (i02 * c0 + i12 * c1 + i22 * c2) / det]
    b = mp - sum(a[c] * mi[c] for c in range(nc))
    coef = np.stack([box(x) for x in (*a, b)], axis=-1).astype(np.float32)
    if (h, w) != (H, W):
        coef = cv2.resize(coef, (W, H), interpolation=cv2.INTER_LINEAR).reshape(H, W, -1)
    gc = g - gm.astype(np.float32)
    q = coef[:, :, nc] + pm
    for c in range(nc):
        q += coef[:, :, c] * gc[:, :, c]
    return q.astype(np.float32)
