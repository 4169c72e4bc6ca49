"""Edge-aware global smoothing: the fast global smoother (separable weighted least squares)."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._numba import parallel_njit
from .._validate import (
    InputError,
    check_confidence,
    check_depth,
    check_guide,
    check_positive,
    check_valid,
)

__all__ = ["fast_global_smoother", "fgs_normalized"]


def fast_global_smoother(depth, guide, *, lam: float = 30.0, sigma_color: float = 8.0,
                         iterations: int = 3, valid=None, confidence=None,
                         min_weight: float = 1e-6) -> np.ndarray:
    """Confidence-aware fast global smoother (weighted least squares, Min et al. 2014).

    Minimises, one image row (then column) at a time,
    ``sum_p c_p (u_p - f_p)^2 + lam * sum_(p,q) w_pq (u_p - u_q)^2`` with neighbour
    weights ``w_pq = exp(-|I_p - I_q| / sigma_color)`` (Euclidean color distance in
    8-bit steps, whatever the guide's dtype). Each 1-D problem is tridiagonal and solved
    exactly in O(W) (Thomas algorithm); ``iterations`` horizontal+vertical sweeps with the
    paper's decreasing ``lam_t = 1.5 * 4^(T-t) / (4^T - 1) * lam``
    remove the streaks of a single sweep.
    Confidence (``valid * confidence``) enters as normalized filtering: the same smoother
    is applied to ``c f`` and to ``c`` and the two are divided, so pixels with zero
    confidence never influence the result and are filled from their neighbours.

    Parameters
    ----------
    depth : (H, W) array            depth in any units; invalid pixels are never read
    guide : (H, W[, C]) array       uint8, uint16, or float guide in [0, 1]
    lam : float                     smoothness strength (larger: smoother, farther reach)
    sigma_color : float             range scale of the edge weights, in 8-bit steps
    iterations : int                number of horizontal+vertical sweeps
    valid, confidence : (H, W) arrays, optional
    min_weight : float              below this propagated confidence the output is NaN

    Returns
    -------
    (H, W) float32 array; NaN where no valid pixel reaches.

    References
    ----------
    .. [1] D. Min, S. Choi, J. Lu, B. Ham, K. Sohn and M. N. Do, "Fast global image
       smoothing based on weighted least squares", IEEE TIP 23(12), 2014.
    """
    d = check_depth(depth)
    gd = check_guide(guide, d.shape)
    lam = check_positive(lam, "lam", allow_zero=True)
    sc = check_positive(sigma_color, "sigma_color")
    if int(iterations) != iterations or iterations < 1:
        raise InputError(f"iterations must be an integer >= 1, got {iterations!r}")
    # lean buffers (issue #16): the (c d, c) pair is made in one pass into the array the
    # sweeps work on in place, the edge weights are read from a uint8 guide as is (no float
    # copy of the guide), and the ratio is one pass; the arithmetic is that of
    # prepare_weights / fgs_normalized (bit-identical)
    v = check_valid(valid, d, require_any=False)
    conf = None if confidence is None else check_confidence(confidence, d.shape)
    a = np.empty(d.shape + (2,), np.float32)
    _pair(d, v, conf if conf is not None else np.ones((1, 1), np.float32), conf is not None, a)
    del conf
    g = gd.uint8 if gd.uint8 is not None else gd.levels
    fgs_planes(a, None, lam, sc, int(iterations),
               weights=_edge_weights(g, np.float32(1.0 / sc)))
    out = np.empty(d.shape, np.float32)
    _ratio(a, np.float32(min_weight), out)
    return out


@nb.njit(cache=True)
def _pair(d, v, conf, has_conf, a):
    """``a[..., 0] = c d``, ``a[..., 1] = c`` with ``c = valid * confidence`` (float32,
    the products of :func:`~depthsmith.ops._bilateral.prepare_weights`; invalid pixels are
    never read)."""
    h, w = d.shape
    for y in range(h):
        for x in range(w):
            if v[y, x]:
                c = np.float32(1.0) * conf[y, x] if has_conf else np.float32(1.0)
                a[y, x, 0] = d[y, x] * c
                a[y, x, 1] = c
            else:
                a[y, x, 0] = np.float32(0.0)
                a[y, x, 1] = np.float32(0.0)


@nb.njit(cache=True)
def _ratio(a, min_weight, out):
    """``out = a[..., 0] / a[..., 1]`` where ``a[..., 1] > min_weight``, NaN elsewhere."""
    h, w = out.shape
    for y in range(h):
        for x in range(w):
            den = a[y, x, 1]
            out[y, x] = a[y, x, 0] / den if den > min_weight else np.float32(np.nan)


def fgs_weights(guide, sigma_color):
    """Neighbour weights ``exp(-|I_p - I_q| / sigma_color)`` as float32 arrays:
    horizontal (H, W-1) and vertical (H-1, W)."""
    g = np.ascontiguousarray(guide, np.float32)
    return _edge_weights(g, np.float32(1.0 / sigma_color))


def fgs_normalized(num, den, guide, lam, sigma_color, iterations, weights=None):
    """Apply the FGS sweeps to the pair (num, den) with the weights of ``guide``.

    ``guide`` float32 (H, W, C) on the 8-bit scale (unused when ``weights`` from
    :func:`fgs_weights` are given); returns float32 (num, den) smoothed by the same operator.
    """
    a = np.ascontiguousarray(np.stack([num, den], axis=-1), np.float32)
    fgs_planes(a, guide, lam, sigma_color, iterations, weights)
    return a[:, :, 0], a[:, :, 1]


def fgs_planes(a, guide, lam, sigma_color, iterations, weights=None):
    """In place: the FGS sweeps (Min et al. 2014) on every channel of ``a``.

    ``a`` float32 C-contiguous (H, W, C); ``guide`` float32 (H, W, C') on the 8-bit scale
    (unused when ``weights`` from :func:`fgs_weights` are given). The operator maps a constant to
    itself, so a plain smoothing of fully valid depth needs one channel, not two.
    """
    wx, wy = fgs_weights(guide, sigma_color) if weights is None else weights
    for t in range(1, iterations + 1):
        lt = 1.5 * 4.0 ** (iterations - t) / (4.0 ** iterations - 1.0) * lam
        _sweep_rows(a, wx, lt)
        _sweep_cols(a, wy, lt)
    return a


@parallel_njit(fastmath=True)
def _edge_weights(g, inv_sc):
    h, w, nc = g.shape
    wx = np.empty((h, max(w - 1, 0)), np.float32)
    wy = np.empty((max(h - 1, 0), w), np.float32)
    for y in nb.prange(h):
        for x in range(w - 1):
            s = np.float32(0.0)
            for c in range(nc):
                t = np.float32(g[y, x + 1, c]) - np.float32(g[y, x, c])
                s += t * t
            wx[y, x] = np.exp(-np.sqrt(s) * inv_sc)
        if y < h - 1:
            for x in range(w):
                s = np.float32(0.0)
                for c in range(nc):
                    t = np.float32(g[y + 1, x, c]) - np.float32(g[y, x, c])
                    s += t * t
                wy[y, x] = np.exp(-np.sqrt(s) * inv_sc)
    return wx, wy


@parallel_njit(fastmath=True)
def _sweep_rows(a, wx, lam):
    """In place: solve (I + lam L_w) u = a along every row (Thomas algorithm).

    Rows are taken in blocks of 16 and advanced together, column by column, so the
    recurrences of different rows interleave instead of waiting on one another; the
    blocks are independent and run in parallel.
    """
    h, w, nv = a.shape
    lam = np.float32(lam)
    one = np.float32(1.0)
    if w == 1:
        return
    blk = 16
    for b in nb.prange((h + blk - 1) // blk):
        y0 = b * blk
        y1 = min(h, y0 + blk)
        cp = np.empty((w, blk), np.float32)
        for y in range(y0, y1):
            b0 = one + lam * wx[y, 0]
            cp[0, y - y0] = -lam * wx[y, 0] / b0
            for c in range(nv):
                a[y, 0, c] = a[y, 0, c] / b0
        for x in range(1, w):
            for y in range(y0, y1):
                al = -lam * wx[y, x - 1]
                cr = -lam * wx[y, x] if x < w - 1 else np.float32(0.0)
                m = one - al - cr - al * cp[x - 1, y - y0]
                im = one / m
                cp[x, y - y0] = cr * im
                for c in range(nv):
                    a[y, x, c] = (a[y, x, c] - al * a[y, x - 1, c]) * im
        for x in range(w - 2, -1, -1):
            for y in range(y0, y1):
                for c in range(nv):
                    a[y, x, c] = a[y, x, c] - cp[x, y - y0] * a[y, x + 1, c]


@parallel_njit(fastmath=True)
def _sweep_cols(a, wy, lam):
    """In place: solve (I + lam L_w) u = a along every column (Thomas algorithm).

    Rows are visited in order and the inner loop runs along a row, so memory is read
    contiguously and the loop vectorises across columns; bands of 64 columns are
    independent and run in parallel.
    """
    h, w, nv = a.shape
    lam = np.float32(lam)
    one = np.float32(1.0)
    if h == 1:
        return
    band = 64
    for b in nb.prange((w + band - 1) // band):
        x0 = b * band
        x1 = min(w, x0 + band)
        cp = np.empty((h, x1 - x0), np.float32)  # the band's scratch, not the frame's
        for x in range(x0, x1):
            b0 = one + lam * wy[0, x]
            cp[0, x - x0] = -lam * wy[0, x] / b0
            for c in range(nv):
                a[0, x, c] = a[0, x, c] / b0
        for y in range(1, h):
            for x in range(x0, x1):
                al = -lam * wy[y - 1, x]
                cr = -lam * wy[y, x] if y < h - 1 else np.float32(0.0)
                m = one - al - cr - al * cp[y - 1, x - x0]
                im = one / m
                cp[y, x - x0] = cr * im
                for c in range(nv):
                    a[y, x, c] = (a[y, x, c] - al * a[y - 1, x, c]) * im
        for y in range(h - 2, -1, -1):
            for x in range(x0, x1):
                for c in range(nv):
                    a[y, x, c] = a[y, x, c] - cp[y, x - x0] * a[y + 1, x, c]
