"""Joint (cross) bilateral filtering: argument checks, the exact windowed kernel, and the
entry point of the two lattice back ends (:mod:`._lattice_grid`, :mod:`._permutohedral`).

All are normalized convolutions: each pixel's weight is ``valid * confidence``, so invalid
pixels never contribute, and the output is ``sum(w k d) / sum(w k)`` with ``k`` the product
of a spatial and a range (guide color) Gaussian (Petschnigg et al. and Eisemann & Durand,
SIGGRAPH 2004).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .._color import to_lab
from .._numba import parallel_njit
from .._validate import (
    InputError,
    check_confidence,
    check_depth,
    check_guide,
    check_positive,
    check_valid,
)
from ._colordist import color_dist2
from ._lattice_grid import _grid_filter
from ._permutohedral import _image_points, permutohedral_filter

__all__ = ["joint_bilateral_exact", "joint_bilateral_lattice", "prepare_weights"]

_RADIUS_SIGMAS = 2.0  # default half-window of the exact filter, in sigma_space (chosen by hand)


def prepare_weights(d: np.ndarray, valid, confidence) -> tuple[np.ndarray, np.ndarray]:
    """Zero the invalid pixels and form the per-pixel weights of a normalized convolution.

    Parameters
    ----------
    d : (H, W) array
        Checked depth map (e.g. from ``check_depth``); invalid pixels are never read.
    valid : (H, W) bool or None
        Trusted pixels (always & finite); None: finite & > 0. No valid pixel is allowed.
    confidence : (H, W) float or None
        Per-pixel certainty, finite and >= 0 (else ``InputError``), times ``valid``.

    Returns
    -------
    depth : (H, W) float32
        ``d`` with the invalid pixels set to 0.
    weight : (H, W) float32, C-contiguous
        ``valid * confidence``.
    """
    v = check_valid(valid, d, require_any=False)
    w = v.astype(np.float32)
    if confidence is not None:
        w *= check_confidence(confidence, d.shape)
    dz = np.where(v, d, 0).astype(np.float32)
    return dz, np.ascontiguousarray(w)


def _check_common(depth, guide, radius, sigma_space, sigma_color, color_space):
    d = check_depth(depth)
    g = check_guide(guide, d.shape)
    ss = check_positive(sigma_space, "sigma_space")
    sc = check_positive(sigma_color, "sigma_color")
    if radius is None:
        r = int(math.ceil(_RADIUS_SIGMAS * ss))
    else:
        try:
            r = int(radius)
        except (TypeError, ValueError):
            raise InputError(f"radius must be an integer >= 0, got {radius!r}") from None
        if r != radius or r < 0:
            raise InputError(f"radius must be an integer >= 0, got {radius!r}")
    if color_space not in ("rgb", "lab"):
        raise InputError(f"color_space must be 'rgb' or 'lab', got {color_space!r}")
    g = to_lab(g.levels) if color_space == "lab" else g.levels
    return d, np.ascontiguousarray(g, np.float32), r, ss, sc


def joint_bilateral_exact(depth, guide, *, radius=None, sigma_space: float = 3.0,
                          sigma_color: float = 20.0, valid=None, confidence=None,
                          color_space: str = "rgb", min_weight: float = 1e-8):
    """Brute-force joint bilateral filter over a (2r+1)^2 window (numba, float64 sums).

    ``k(p, q) = exp(-|p - q|^2 / 2 sigma_space^2) * exp(-|I_p - I_q|^2 / 2 sigma_color^2)``
    with ``|I_p - I_q|`` the Euclidean color distance in 8-bit steps (RGB, whatever the
    guide's dtype) or in Lab
    (``color_space='lab'``, sigma_color then in Lab units). Window pixels outside the image
    are skipped (no border extrapolation). This is the reference the lattice path is checked
    against; its cost is O(N r^2).

    Returns ``(value, weight)``: float32 filtered depth (NaN where the summed weight is
    below ``min_weight``, i.e. no valid pixel in reach) and the summed weight.

    References
    ----------
    .. [1] G. Petschnigg et al., "Digital photography with flash and no-flash image pairs",
       SIGGRAPH 2004; E. Eisemann and F. Durand, "Flash photography enhancement via intrinsic
       relighting", SIGGRAPH 2004.
    """
    d, g, r, ss, sc = _check_common(depth, guide, radius, sigma_space, sigma_color, color_space)
    dz, w = prepare_weights(d, valid, confidence)
    sw = np.exp(-(np.arange(-r, r + 1, dtype=np.float64) ** 2) / (2 * ss * ss))
    num, den = _jbf_exact(dz, w, g, r, sw, 1.0 / (2 * sc * sc))
    out = np.full(d.shape, np.nan, np.float32)
    ok = den > min_weight
    out[ok] = (num[ok] / den[ok]).astype(np.float32)
    return out, den.astype(np.float32)


@nb.njit(cache=True, fastmath=True)
def _jbf_exact(d, w, g, r, sw, inv2sc2):
    h, wd = d.shape
    num = np.zeros((h, wd))
    den = np.zeros((h, wd))
    for y in range(h):
        for x in range(wd):
            sn = 0.0
            sd = 0.0
            for dy in range(-r, r + 1):
                yy = y + dy
                if yy < 0 or yy >= h:
                    continue
                wy = sw[dy + r]
                for dx in range(-r, r + 1):
                    xx = x + dx
                    if xx < 0 or xx >= wd:
                        continue
                    wq = w[yy, xx]
                    if wq == 0.0:
                        continue
                    dist = color_dist2(g, y, x, yy, xx)
                    k = wy * sw[dx + r] * math.exp(-dist * inv2sc2) * wq
                    sn += k * d[yy, xx]
                    sd += k
            num[y, x] = sn
            den[y, x] = sd
    return num, den



def joint_bilateral_lattice(depth, guide, *, sigma_space: float = 3.0,
                            sigma_color: float = 20.0, valid=None, confidence=None,
                            color_space: str = "rgb", min_weight: float = 1e-6,
                            spatial: str = "grid"):
    """Joint bilateral filter on a permutohedral lattice, O(N) whatever sigma_space.

    Values ``(w d, w)`` are splatted onto a lattice with (multi)linear weights, blurred with
    [1 2 1] kernels along the lattice axes and sliced back at the same positions; the ratio
    approximates a Gaussian joint bilateral filter of standard deviations ``sigma_space``
    (px) and ``sigma_color`` (8-bit steps, or Lab units) with no window truncation. Two lattices:

    - ``spatial='grid'`` (default): the permutohedral lattice [1]_ in the C colour
      dimensions only (``I / sigma_color``, C + 1 vertices per pixel, numbered through a
      direct look-up table for 3-channel guides), crossed with a regular grid in x, y of
      spacing ``0.95 sigma_space / sqrt(5/6)`` (bilinear splat and slice, one [1 2 1]
      pass per axis: a spatial variance ``(0.95 sigma_space)^2``; its flatter-topped kernel
      is then as close to the windowed filter as the lattice's), as in the bilateral grid [2]_.
      Each grid cell stores only the colour vertices its pixels reach, so no hashing of
      spatial coordinates is needed;
    - ``spatial='lattice'``: one (2 + C)-D permutohedral lattice of the points
      ``(x / sigma_space, y / sigma_space, I / sigma_color)`` [1]_ (:func:`permutohedral_filter`).

    Returns ``(value, weight)`` like :func:`joint_bilateral_exact` (weight up to a constant).

    References
    ----------
    .. [1] A. Adams, J. Baek and M. A. Davis, "Fast high-dimensional filtering using the
       permutohedral lattice", Computer Graphics Forum 29(2), 2010.
    .. [2] J. Chen, S. Paris and F. Durand, "Real-time edge-aware image processing with the
       bilateral grid", SIGGRAPH 2007.
    """
    d, g, _, ss, sc = _check_common(depth, guide, 0, sigma_space, sigma_color, color_space)
    if spatial not in ("grid", "lattice"):
        raise InputError(f"spatial must be 'grid' or 'lattice', got {spatial!r}")
    dz, w = prepare_weights(d, valid, confidence)
    h, wd = d.shape
    if spatial == "grid":
        out2 = _grid_filter(dz, w, g, ss, sc)
    else:
        pos, vals = _image_points(dz, w, g, 1.0 / ss, 1.0 / sc)
        out2 = permutohedral_filter(pos, vals)
    return _normalize(out2, h, wd, min_weight)


@parallel_njit()
def _normalize(out2, h, wd, min_weight):
    out = np.empty((h, wd), np.float32)
    den = np.empty((h, wd), np.float32)
    for y in nb.prange(h):
        for x in range(wd):
            k = y * wd + x
            dd = out2[k, 1]
            den[y, x] = dd
            out[y, x] = out2[k, 0] / dd if dd > min_weight else np.nan
    return out, den


