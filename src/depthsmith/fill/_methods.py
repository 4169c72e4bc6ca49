"""Normalized-convolution, colorization and scanline-background fills."""

from __future__ import annotations

import cv2
import numpy as np
from numba import njit

from .._validate import check_positive
from ..ops import colorization_fill as _colorization
from ._common import prepare, scanline_far

__all__ = ["normconv_fill", "colorization_fill", "background_fill"]


def _down(a):
    """2x2 sum-pooling (odd sizes padded with zeros)."""
    h, w = a.shape
    if h % 2 or w % 2:
        a = np.pad(a, ((0, h % 2), (0, w % 2)))
    return a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]


@njit(cache=True)
def _bilateral_nc(num, den, guide, inv, radius, sigma_space, sigma_color):
    """Color-steered normalized convolution evaluated on ``inv`` pixels only."""
    h, w = num.shape
    nc = guide.shape[2]
    out = np.full((h, w), np.nan, np.float32)
    ks = -0.5 / (sigma_space * sigma_space)
    kc = -0.5 / (sigma_color * sigma_color * nc)
    for y in range(h):
        for x in range(w):
            if not inv[y, x]:
                continue
            s = 0.0
            t = 0.0
            for yy in range(max(0, y - radius), min(h, y + radius + 1)):
                for xx in range(max(0, x - radius), min(w, x + radius + 1)):
                    c = den[yy, xx]
                    if c <= 0:
                        continue
                    dc = 0.0
                    for ch in range(nc):
                        e = guide[y, x, ch] - guide[yy, xx, ch]
                        dc += e * e
                    wt = c * np.exp(ks * ((yy - y) ** 2 + (xx - x) ** 2) + kc * dc)
                    s += wt * num[yy, xx]
                    t += wt
            if t > 1e-12:
                out[y, x] = s / t
    return out


def normconv_fill(depth, guide=None, *, valid=None, sigma_space: float = 1.0,
                  sigma_color: float | None = 12.0, radius: int = 3):
    """Multi-scale normalized convolution ``G*(d c) / G*c`` (Knutsson & Westin, 1993).

    A pyramid of the certainty-weighted depth ``d c`` and the certainty ``c`` (c = valid,
    2x2 sums per level) is built until no hole is left; going back up, each level's holes
    take the normalized convolution of the level below (bilinear upsampling of ``d c`` and
    ``c`` before dividing, so the certainty steers the interpolation). Any hole size fills.
    On the finest level, hole pixels are evaluated with a color-steered (joint bilateral)
    applicability ``exp(-|p-q|^2 / 2 sigma_space^2 - |I_p - I_q|^2 / 2 sigma_color^2)``
    over the valid pixels and the coarse estimate (certainty 0.25) when a guide is given.
    Invalid pixels never enter: their certainty is exactly zero at every level.

    Parameters
    ----------
    depth : (H, W) array     depth in any units; invalid pixels are never read
    guide : (H, W[, 3]) array, optional   color guide (uint8, uint16 or float in [0, 1])
    valid : (H, W) bool, optional          default finite & > 0
    sigma_space : float       Gaussian applicability in pixels at every level
    sigma_color : float or None   color scale per 8-bit level; None: no color steering
    radius : int              window radius of the color-steered pass

    Returns
    -------
    (H, W) float32, valid pixels unchanged, every hole filled.

    References
    ----------
    .. [1] H. Knutsson and C.-F. Westin, "Normalized and differential convolution",
       CVPR 1993.
    .. [2] J. Kopf et al., "Joint bilateral upsampling", SIGGRAPH 2007 (color-steered
       applicability).
    """
    d, v, g = prepare(depth, guide, valid)
    s = check_positive(sigma_space, "sigma_space")
    if sigma_color is not None:
        sigma_color = check_positive(sigma_color, "sigma_color")
    radius = int(check_positive(radius, "radius"))
    if v.all():
        return d.copy()
    ks = int(2 * np.ceil(3 * s) + 1)
    num = [np.where(v, d, 0).astype(np.float64)]
    den = [v.astype(np.float64)]
    while (den[-1] <= 0).any() and min(den[-1].shape) > 1:
        num.append(_down(num[-1]))
        den.append(_down(den[-1]))
    est = None
    for lev in range(len(num) - 1, -1, -1):
        n = cv2.GaussianBlur(num[lev], (ks, ks), s, borderType=cv2.BORDER_REFLECT)
        c = cv2.GaussianBlur(den[lev], (ks, ks), s, borderType=cv2.BORDER_REFLECT)
        if est is not None:
            h, w = num[lev].shape
            up = cv2.resize(est, (w, h), interpolation=cv2.INTER_LINEAR)
            # coarse estimate enters with a small certainty where the level has none
            eps = 1e-3
            n = n + eps * up
            c = c + eps
        with np.errstate(invalid="ignore", divide="ignore"):
            cur = np.where(c > 0, n / np.where(c > 0, c, 1), np.nan)
        if lev == 0:
            est = cur
        else:
            est = np.where(np.isfinite(cur), cur, np.nanmean(cur) if np.isfinite(cur).any()
                           else 0.0)
    out = np.where(v, d, est).astype(np.float32)
    if g is not None and sigma_color is not None:
        inv = ~v
        cert = np.where(v, 1.0, 0.25).astype(np.float64)
        vals = np.where(v, d, out).astype(np.float64)
        bil = _bilateral_nc(vals, cert, g, inv, radius, s * 2, float(sigma_color))
        out = np.where(inv & np.isfinite(bil), bil, out).astype(np.float32)
    return out


def colorization_fill(depth, guide=None, *, valid=None, solver: str = "fast"):
    """Levin et al. colorization fill with the NYU Depth v2 toolbox's weights.

    A thin wrapper of :func:`depthsmith.ops.colorization_fill` (see there for the system
    and solvers) that keeps the valid pixels exactly (the toolbox also smooths them).

    References
    ----------
    .. [1] A. Levin, D. Lischinski and Y. Weiss, "Colorization using optimization",
       SIGGRAPH 2004; N. Silberman et al., ECCV 2012.
    """
    d, v, _ = prepare(depth, None, valid)
    out = _colorization(d, guide, valid=v, solver=solver)
    return np.where(v, d, out).astype(np.float32)


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
                    if abs(v - c) > rel * abs(c):
                        continue
                    dc = 0.0
                    for ch in range(nc):
                        e = guide[y, xx, ch] - guide[yy, x2, ch]
                        dc += e * e
                    wt = np.exp(kc * dc)
                    s += wt * v
                    t += wt
            out[y, xx] = s / t
    return out


def background_fill(depth, guide=None, *, valid=None, disparity: bool = False,
                    radius: int = 3, sigma_color: float = 12.0, range_tol: float = 0.05):
    """Scanline fill from the farther side, then edge-aware smoothing of the filled pixels.

    Each invalid pixel takes the value of the farther (larger depth, or smaller disparity
    when ``disparity=True``) of the nearest valid pixels to its left and right on its row:
    in a stereo occlusion the hidden surface is the background [1]_. Rows with no valid
    pixel take the nearest filled value. The filled pixels are then smoothed by a
    color-weighted mean (``sigma_color`` per 8-bit level) over a (2 radius + 1)^2 window
    restricted to values within ``range_tol`` (relative), which removes scanline streaks
    without crossing depth edges; valid pixels are never changed.

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
        from ..ops import nearest_fill

        out = nearest_fill(out, valid=~bad)
    if radius:
        gg = g if g is not None else np.zeros(d.shape + (1,), np.float32)
        out = _edge_aware_smooth(out.astype(np.float64), ~v, gg, radius, sigma_color,
                                 range_tol).astype(np.float32)
    return out
