"""Normalized-convolution fill: a certainty pyramid, then a colour-steered pass on the holes."""

from __future__ import annotations

import cv2
import numpy as np
from numba import njit

from .._tasks import hint_not_supported
from .._validate import check_positive
from ..ops import halve_sums
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
def _bilateral_nc(vals, valid, guide, radius, sigma_space, sigma_color, out):
    """Color-steered normalized convolution of ``vals`` (certainty 1 on ``valid`` pixels,
    :data:`COARSE_CERTAINTY` elsewhere), evaluated on the invalid pixels only and written
    into ``out`` there (where the weights sum to more than 1e-12).

    ``vals`` and ``out`` are float32 and distinct; the sums are float64, and the colour
    distance is taken in float32 per channel from the guide's 8-bit levels (a uint8 guide is
    read as is, without a float copy).
    """
    h, w = vals.shape
    nc = guide.shape[2]
    ks = -0.5 / (sigma_space * sigma_space)
    kc = -0.5 / (sigma_color * sigma_color * nc)
    for y in range(h):
        for x in range(w):
            if valid[y, x]:
                continue
            s = 0.0
            t = 0.0
            for yy in range(max(0, y - radius), min(h, y + radius + 1)):
                for xx in range(max(0, x - radius), min(w, x + radius + 1)):
                    c = 1.0 if valid[yy, xx] else COARSE_CERTAINTY
                    dc = 0.0
                    for ch in range(nc):
                        e = np.float32(guide[y, x, ch]) - np.float32(guide[yy, xx, ch])
                        dc += e * e
                    wt = c * np.exp(ks * ((yy - y) ** 2 + (xx - x) ** 2) + kc * dc)
                    s += wt * np.float64(vals[yy, xx])
                    t += wt
            if t > 1e-12:
                out[y, x] = s / t


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
    # lean buffers (issue #16): each level's float64 planes are updated in place and the
    # pyramid is dropped level by level; same operations, same order (bit-identical)
    est = None
    for lev in range(len(num) - 1, -1, -1):
        h, w = num[lev].shape
        n = cv2.GaussianBlur(num.pop().astype(np.float64), (ks, ks), s,
                             borderType=cv2.BORDER_REFLECT)
        c = cv2.GaussianBlur(den.pop().astype(np.float64), (ks, ks), s,
                             borderType=cv2.BORDER_REFLECT)
        if est is not None:
            up = cv2.resize(est, (w, h), interpolation=cv2.INTER_LINEAR)
            del est
            # coarse estimate enters with a small certainty where the level has none
            np.multiply(up, COARSE_BLEND, out=up)
            n += up
            del up
            c += COARSE_BLEND
        pos = c > 0
        np.divide(n, c, out=n, where=pos)  # n becomes the level's estimate
        del c
        n[~pos] = np.nan
        del pos
        if lev:
            fin = np.isfinite(n)
            if not fin.all():
                n[~fin] = np.nanmean(n) if fin.any() else 0.0
            del fin
        est = n
        del n
    out = est.astype(np.float32)
    del est
    np.copyto(out, d, where=v)
    if g is not None and sigma_color is not None:
        filled = out.copy()
        guide8 = g.uint8 if g.uint8 is not None else g.levels
        _bilateral_nc(out, v, guide8, radius, s * COLOR_PASS_SPACE_FACTOR,
                      float(sigma_color), filled)
        out = filled
    return out
