"""Scanline background fill (stereo occlusions filled from the farther side)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._validate import check_positive
from ..ops import beyond, color_dist2, nearest_fill
from ._common import prepare, scanline_far

__all__ = ["background"]


@njit(cache=True)
def _edge_aware_smooth(x, inv, guide, radius, sigma_color, rel):
    """One pass of a range-limited, color-weighted box mean over hole pixels only."""
    h, w = x.shape
    nc = guide.shape[2]
    out = x.copy()
    kc = -0.5 / (sigma_color * sigma_color * nc)
    for y in range(h):
        for xx in range(w):
            if not inv[y, xx]:
                continue
            c = x[y, xx]
            s = 0.0
            t = 0.0
            for yy in range(max(0, y - radius), min(h, y + radius + 1)):
                for x2 in range(max(0, xx - radius), min(w, xx + radius + 1)):
                    v = x[yy, x2]
                    if beyond(abs(v - c), rel * abs(c)):  # a tie is within, any units
                        continue
                    dc = color_dist2(guide, y, xx, yy, x2)
                    wt = np.exp(kc * dc)
                    s += wt * v
                    t += wt
            out[y, xx] = s / t
    return out


def background(depth, guide=None, *, valid=None, occlusion: bool = False,
               disparity: bool = False, radius: int = 3, sigma_color: float = 12.0,
               range_tol: float = 0.05):
    """Scanline fill from the farther side, then edge-aware smoothing of the filled pixels.

    Each invalid pixel takes the value of the farther (larger depth, or smaller disparity
    when ``disparity=True``) of the nearest valid pixels to its left and right on its row:
    in a stereo occlusion the hidden surface is the background [1]_. Rows with no valid
    pixel take the nearest filled value. The filled pixels are then smoothed by a
    color-weighted mean (``sigma_color`` per 8-bit level) over a (2 radius + 1)^2 window
    restricted to values within ``range_tol`` (relative), which removes scanline streaks
    without crossing depth edges; valid pixels are never changed. The fill always takes
    the background side, so ``occlusion`` (True or False) changes nothing; ``disparity``
    says which side that is.

    References
    ----------
    .. [1] D. Scharstein and R. Szeliski, "A taxonomy and evaluation of dense two-frame
       stereo correspondence algorithms", IJCV 2002 (occluded pixels filled from the
       background side along the scanline).
    """
    d, v, g = prepare(depth, guide, valid)
    radius = int(check_positive(radius, "radius", allow_zero=True))
    sigma_color = check_positive(sigma_color, "sigma_color")
    range_tol = check_positive(range_tol, "range_tol", allow_zero=True)
    if v.all():
        return d.copy()
    far = scanline_far(d, v, disparity=disparity)
    out = np.where(v, d, far).astype(np.float32)
    bad = ~np.isfinite(out)
    if bad.any():
        out = nearest_fill(out, valid=~bad)
    if radius:
        gg = g.levels if g is not None else np.zeros(d.shape + (1,), np.float32)
        out = _edge_aware_smooth(out.astype(np.float64), ~v, gg, radius, sigma_color,
                                 range_tol).astype(np.float32)
    return out
