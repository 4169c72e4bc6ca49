"""Edge-aware global smoothing: the fast global smoother (separable weighted least squares)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .._validate import InputError, check_depth, check_guide, check_positive
from ._bilateral import prepare_weights

__all__ = ["fast_global_smoother", "fgs_normalized"]


def fast_global_smoother(depth, guide, *, lam: float = 30.0, sigma_color: float = 8.0,
                         iterations: int = 3, valid=None, confidence=None,
                         min_weight: float = 1e-6) -> np.ndarray:
    """Confidence-aware fast global smoother (weighted least squares, Min et al. 2014).

    Minimises, one image row (then column) at a time,
    ``sum_p c_p (u_p - f_p)^2 + lam * sum_(p,q) w_pq (u_p - u_q)^2`` with neighbour
    weights ``w_pq = exp(-|I_p - I_q| / sigma_color)`` (Euclidean color distance in the
    guide's units). Each 1-D problem is tridiagonal and solved exactly in O(W) (Thomas
    algorithm); ``iterations`` horizontal+vertical sweeps with the paper's decreasing
    ``lam_t = 1.5 * 4^(T-t) / (4^T - 1) * lam`` remove the streaks of a single sweep.
    Confidence (``valid * confidence``) enters as normalized filtering: the same smoother
    is applied to ``c f`` and to ``c`` and the two are divided, so pixels with zero
    confidence never influence the result and are filled from their neighbours.

    Parameters
    ----------
    depth : (H, W) array            depth in any units; invalid pixels are never read
    guide : (H, W[, C]) array       uint8, uint16 or float guide (any units)
    lam : float                     smoothness strength (larger: smoother, farther reach)
    sigma_color : float             range scale of the edge weights, in guide units
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
    g = check_guide(guide, d.shape)
    lam = check_positive(lam, "lam", allow_zero=True)
    sc = check_positive(sigma_color, "sigma_color")
    if int(iterations) != iterations or iterations < 1:
        raise InputError(f"iterations must be an integer >= 1, got {iterations!r}")
    dz, w = prepare_weights(d, valid, confidence)
    num, den = fgs_normalized(dz * w, w, g, lam, sc, int(iterations))
    out = np.full(d.shape, np.nan, np.float32)
    ok = den > min_weight
    out[ok] = num[ok] / den[ok]
    return out


def fgs_normalized(num, den, guide, lam, sigma_color, iterations):
    """Apply the FGS sweeps to the pair (num, den) with the weights of ``guide``.

    ``guide`` float32 (H, W, C); returns float32 (num, den) smoothed by the same operator.
    """
    g = np.ascontiguousarray(guide, np.float32)
    wx = _edge_weights(g, 1.0 / sigma_color, 1)
    wy = _edge_weights(g, 1.0 / sigma_color, 0)
    a = np.ascontiguousarray(np.stack([num, den], axis=-1), np.float32)
    for t in range(1, iterations + 1):
        lt = 1.5 * 4.0 ** (iterations - t) / (4.0 ** iterations - 1.0) * lam
        _sweep_rows(a, wx, lt)
        _sweep_cols(a, wy, lt)
    return a[:, :, 0], a[:, :, 1]


@nb.njit(cache=True)
def _edge_weights(g, inv_sc, axis):
    h, w, nc = g.shape
    if axis == 1:
        out = np.empty((h, w - 1), np.float32)
        for y in range(h):
            for x in range(w - 1):
                s = 0.0
                for c in range(nc):
                    t = g[y, x + 1, c] - g[y, x, c]
                    s += t * t
                out[y, x] = math.exp(-math.sqrt(s) * inv_sc)
    else:
        out = np.empty((h - 1, w), np.float32)
        for y in range(h - 1):
            for x in range(w):
                s = 0.0
                for c in range(nc):
                    t = g[y + 1, x, c] - g[y, x, c]
                    s += t * t
                out[y, x] = math.exp(-math.sqrt(s) * inv_sc)
    return out


@nb.njit(cache=True)
def _sweep_rows(a, wx, lam):
    """In place: solve (I + lam L_w) u = a along every row, for every channel of ``a``."""
    h, w, nv = a.shape
    for y in range(h):
        cp = np.empty(w)
        dp = np.empty((w, nv))
        # forward elimination of the tridiagonal system
        b0 = 1.0 + (lam * wx[y, 0] if w > 1 else 0.0)
        c0 = -lam * wx[y, 0] if w > 1 else 0.0
        cp[0] = c0 / b0
        for c in range(nv):
            dp[0, c] = a[y, 0, c] / b0
        for x in range(1, w):
            al = -lam * wx[y, x - 1]
            cr = -lam * wx[y, x] if x < w - 1 else 0.0
            b = 1.0 - al - cr
            m = b - al * cp[x - 1]
            cp[x] = cr / m
            for c in range(nv):
                dp[x, c] = (a[y, x, c] - al * dp[x - 1, c]) / m
        # back substitution
        for c in range(nv):
            a[y, w - 1, c] = dp[w - 1, c]
        for x in range(w - 2, -1, -1):
            for c in range(nv):
                a[y, x, c] = dp[x, c] - cp[x] * a[y, x + 1, c]


@nb.njit(cache=True)
def _sweep_cols(a, wy, lam):
    """In place: solve (I + lam L_w) u = a along every column (rows processed in order)."""
    h, w, nv = a.shape
    nblk = 8
    step = (w + nblk - 1) // nblk
    for blk in range(nblk):
        x0 = blk * step
        x1 = min(w, x0 + step)
        if x0 >= x1:
            continue
        cp = np.empty((h, x1 - x0))
        dp = np.empty((h, x1 - x0, nv))
        for x in range(x0, x1):
            b0 = 1.0 + (lam * wy[0, x] if h > 1 else 0.0)
            cp[0, x - x0] = (-lam * wy[0, x] if h > 1 else 0.0) / b0
            for c in range(nv):
                dp[0, x - x0, c] = a[0, x, c] / b0
        for y in range(1, h):
            for x in range(x0, x1):
                al = -lam * wy[y - 1, x]
                cr = -lam * wy[y, x] if y < h - 1 else 0.0
                m = 1.0 - al - cr - al * cp[y - 1, x - x0]
                cp[y, x - x0] = cr / m
                for c in range(nv):
                    dp[y, x - x0, c] = (a[y, x, c] - al * dp[y - 1, x - x0, c]) / m
        for x in range(x0, x1):
            for c in range(nv):
                a[h - 1, x, c] = dp[h - 1, x - x0, c]
        for y in range(h - 2, -1, -1):
            for x in range(x0, x1):
                for c in range(nv):
                    a[y, x, c] = dp[y, x - x0, c] - cp[y, x - x0] * a[y + 1, x, c]
