"""Hole-only smoothing sweeps and the edge-softness measure that sets how much to soften.

Both work on the compact set of a fill (hole pixels and their border seeds, see
:func:`depthsmith.ops.compact_set`), so their memory follows the holes, not the frame.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..ops import beyond

__all__ = ["smooth_holes", "edge_sharpness"]

# 8-neighbourhood as 4 opposite pairs (axis pairs weight 1, diagonal pairs 1/2)
_PAIRS = np.array([[0, 1], [1, 0], [1, 1], [1, -1]], np.int64)
_PAIR_W = np.array([1.0, 1.0, 0.5, 0.5])


@njit(cache=True)
def _sweeps(dz, pix, tgt, tol, iters, pairs, pw):
    h, w = dz.shape
    n = 0
    for c in range(pix.size):
        n += tgt[c]
    ys = np.empty(n, np.int32)
    xs = np.empty(n, np.int32)
    i = 0
    for c in range(pix.size):
        if tgt[c]:
            ys[i] = pix[c] // w
            xs[i] = pix[c] - ys[i] * w
            i += 1
    new = np.empty(n, np.float32)
    for _ in range(iters):
        for i in range(n):
            y = ys[i]
            x = xs[i]
            cur = dz[y, x]
            lim = tol * abs(cur)
            s = 0.0
            k = 0.0
            for j in range(4):
                dy = pairs[j, 0]
                dx = pairs[j, 1]
                ya, xa, yb, xb = y + dy, x + dx, y - dy, x - dx
                if not (0 <= ya < h and 0 <= xa < w and 0 <= yb < h and 0 <= xb < w):
                    continue
                a = dz[ya, xa]
                b = dz[yb, xb]
                if tol >= 0 and (beyond(abs(a - cur), lim) or beyond(abs(b - cur), lim)):
                    continue
                s += pw[j] * 0.5 * (a + b)
                k += pw[j]
            new[i] = s / k if k > 0 else cur
        for i in range(n):
            dz[ys[i], xs[i]] = new[i]


def smooth_holes(dz, pix, tgt, *, iters: int, tol: float | None = None):
    """Jacobi smoothing sweeps over the hole pixels of a filled map, in place.

    Each sweep replaces every hole pixel by the weighted mean of the midpoints of its four
    pairs of opposite 8-neighbours (axis pairs weight 1, diagonal pairs 1/2); valid pixels
    are read, never changed. Using only *pairs* (both ends inside the frame and, with
    ``tol``, both on the pixel's surface) keeps a plane exactly a plane, at the frame's
    border and next to a discontinuity too, so the sweeps remove noise and seams of a
    piecewise-planar fill without bending its planes. This is a few steps of the discrete
    harmonic (membrane) relaxation of the holes with the valid pixels as Dirichlet data.

    Parameters
    ----------
    dz : (H, W) float32
        The filled map (modified in place at the hole pixels).
    pix, tgt : ndarray
        The compact set of :func:`depthsmith.ops.compact_set`: flat indices and which of them
        are holes.
    iters : int
        Number of sweeps (0: none).
    tol : float, optional
        A pair whose ends differ from the pixel by more than ``tol`` (relative) lies across a
        discontinuity and is skipped, so surfaces are smoothed separately; None: every pair
        counts (the sweeps then also soften the discontinuities inside the holes).
    """
    if iters <= 0 or not tgt.any():
        return dz
    _sweeps(dz, pix, tgt, -1.0 if tol is None else float(tol), int(iters), _PAIRS, _PAIR_W)
    return dz


@njit(cache=True)
def _sharp_hist(d, valid, span, tau, nbins, transpose):
    h, w = d.shape
    hist = np.zeros(nbins, np.int64)
    n1 = w if transpose else h
    n2 = h if transpose else w
    for i in range(n1):
        for j in range(n2 - span):
            ok = True
            for k in range(span + 1):
                if transpose:
                    if not valid[j + k, i]:
                        ok = False
                        break
                elif not valid[i, j + k]:
                    ok = False
                    break
            if not ok:
                continue
            if transpose:
                a = d[j, i]
                b = d[j + span, i]
            else:
                a = d[i, j]
                b = d[i, j + span]
            jump = abs(b - a)
            if not beyond(jump, tau * max(abs(a), abs(b))):
                continue
            mx = 0.0
            for k in range(span):
                if transpose:
                    s = abs(d[j + k + 1, i] - d[j + k, i])
                else:
                    s = abs(d[i, j + k + 1] - d[i, j + k])
                mx = max(mx, s)
            r = min(1.0, mx / jump)
            hist[min(nbins - 1, int(r * nbins))] += 1
    return hist


def edge_sharpness(d, valid, *, span: int = 4, tau: float = 0.1):
    """How sharp the depth discontinuities of the valid pixels are: 1 = one-pixel steps.

    Every run of ``span + 1`` consecutive valid pixels along a row or a column whose ends
    differ by more than ``tau`` (relative) is a discontinuity; its sharpness is the largest
    single step of the run over the whole jump: 1 for every run over a clean one-pixel
    step, down to ``1 / width`` for runs over a linear ramp ``width`` pixels wide (the runs
    that only partly overlap it score higher: 0.5 is the median of a 4-px ramp). Returns
    the median over all such runs (binned to 1/256), 1.0 when there is none. Relative and
    ratio-based, so the same in any units. Stereo disparities (and their ground truth) have
    one-pixel steps; time-of-flight and other active sensors blur their edges over a few
    pixels.

    Parameters
    ----------
    d : (H, W) float32
        Depth or disparity; only ``valid`` pixels are read.
    valid : (H, W) bool
    span : int
        Run length, in steps.
    tau : float
        Relative jump that makes a run a discontinuity.

    Returns
    -------
    float
        Median sharpness in (0, 1].
    """
    nb = 256
    hist = _sharp_hist(d, valid, int(span), float(tau), nb, False)
    hist += _sharp_hist(d, valid, int(span), float(tau), nb, True)
    total = int(hist.sum())
    if total == 0:
        return 1.0
    k = int(np.searchsorted(np.cumsum(hist), (total + 1) // 2))
    return (k + 0.5) / nb
