"""Scanline background fill (stereo occlusions filled from the farther side)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._validate import check_positive
from ..ops import beyond, nearest_fill
from ._common import prepare, scanline_far

__all__ = ["background"]


@njit(cache=True)
def _edge_aware_smooth(x, valid, guide, radius, sigma_color, rel):
    """One pass of a range-limited, color-weighted box mean over hole pixels only.

    ``x`` float32 is read in float64 (the sums too) and the result is a float32 copy; the
    colour distance is taken in float32 per channel from the guide's 8-bit levels (a uint8
    guide is read as is), so no frame-sized float64 or guide copy is made.
    """
    h, w = x.shape
    nc = guide.shape[2]
    out = x.copy()
    kc = -0.5 / (sigma_color * sigma_color * nc)
    for y in range(h):
        for xx in range(w):
            if valid[y, xx]:
                continue
            c = np.float64(x[y, xx])
            s = 0.0
            t = 0.0
            for yy in range(max(0, y - radius), min(h, y + radius + 1)):
                for x2 in range(max(0, xx - radius), min(w, xx + radius + 1)):
                    v = np.float64(x[yy, x2])
                    if beyond(abs(v - c), rel * abs(c)):  # a tie is within, any units
                        continue
                    dc = 0.0
                    for ch in range(nc):
                        e = np.float32(guide[y, xx, ch]) - np.float32(guide[yy, x2, ch])
                        dc += e * e
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
    out = np.asarray(scanline_far(d, v, disparity=disparity), np.float32)  # our own array
    np.copyto(out, d, where=v)
    bad = ~np.isfinite(out)
    if bad.any():
        out = nearest_fill(out, valid=~bad)
    del bad
    if radius:
        gg = (np.zeros((1, 1, 1), np.uint8) if g is None  # a constant guide: colour weight 1
              else g.uint8 if g.uint8 is not None else g.levels)
        if g is None:
            gg = np.broadcast_to(gg, d.shape + (1,))
        out = _edge_aware_smooth(out, v, gg, radius, sigma_color, range_tol)
    return out
