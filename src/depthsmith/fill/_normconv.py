"""Normalized-convolution fill: a certainty pyramid, then a colour-steered pass on the holes."""

from __future__ import annotations

import cv2
import numpy as np
from numba import njit

from .._tasks import hint_not_supported
from .._validate import check_positive
from ..ops import color_dist2, halve_sums
from ._common import prepare

__all__ = ["normconv"]

#: The colour-steered pass reaches twice as far as the pyramid's Gaussian (its spatial
#: sigma is ``COLOR_PASS_SPACE_FACTOR * sigma_space``), chosen by hand on FILL-HOLES.
COLOR_PASS_SPACE_FACTOR = 2.0
#: Certainty of the pyramid's estimate at hole pixels in the colour-steered pass (valid
#: pixels have 1), chosen by hand on FILL-HOLES (21 Middlebury scenes, docs/bench_fill.md).
COARSE_CERTAINTY = 0.25
#: Certainty with which a coarser level's estimate enters a finer level of the pyramid.
COARSE_BLEND = 1e-3


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
                    dc = color_dist2(guide, y, x, yy, xx)
                    wt = c * np.exp(ks * ((yy - y) ** 2 + (xx - x) ** 2) + kc * dc)
                    s += wt * num[yy, xx]
                    t += wt
            if t > 1e-12:
                out[y, x] = s / t
    return out


def normconv(depth, guide=None, *, valid=None, occlusion: bool = False,
             disparity: bool = False, sigma_space: float = 1.0,
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
    occlusion : bool          must be False: this fill has no notion of a background side
                              (an :class:`InputError` otherwise; use ``guided``)
    disparity : bool          accepted (larger = nearer); it does not change this fill
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
    if occlusion:
        raise hint_not_supported("normconv", "occlusion", "it has no notion of a background "
                                 "side; use 'guided' or 'background'")
    d, v, g = prepare(depth, guide, valid)
    s = check_positive(sigma_space, "sigma_space")
    if sigma_color is not None:
        sigma_color = check_positive(sigma_color, "sigma_color")
    radius = int(check_positive(radius, "radius"))
    if v.all():
        return d.copy()
    ks = int(2 * np.ceil(3 * s) + 1)
    # the certainty pyramid: 2x2 sums of (value x certainty, certainty), ops.halve_sums
    num = [np.where(v, d, 0).astype(np.float32)]
    den = [v.astype(np.float32)]
    while (den[-1] <= 0).any() and min(den[-1].shape) > 1:
        n2, c2, _ = halve_sums(num[-1], den[-1])
        num.append(n2)
        den.append(c2)
    est = None
    for lev in range(len(num) - 1, -1, -1):
        n = cv2.GaussianBlur(num[lev].astype(np.float64), (ks, ks), s,
                             borderType=cv2.BORDER_REFLECT)
        c = cv2.GaussianBlur(den[lev].astype(np.float64), (ks, ks), s,
                             borderType=cv2.BORDER_REFLECT)
        if est is not None:
            h, w = num[lev].shape
            up = cv2.resize(est, (w, h), interpolation=cv2.INTER_LINEAR)
            # coarse estimate enters with a small certainty where the level has none
            n = n + COARSE_BLEND * up
            c = c + COARSE_BLEND
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
        cert = np.where(v, 1.0, COARSE_CERTAINTY).astype(np.float64)
        vals = np.where(v, d, out).astype(np.float64)
        bil = _bilateral_nc(vals, cert, g.levels, inv, radius, s * COLOR_PASS_SPACE_FACTOR,
                            float(sigma_color))
        out = np.where(inv & np.isfinite(bil), bil, out).astype(np.float32)
    return out
