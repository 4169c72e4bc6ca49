"""RGB-guided edge-preserving refinement: bilateral, guided, weighted median, solver, auto."""

from __future__ import annotations

import math

import cv2
import numba as nb
import numpy as np

from .._validate import InputError, check_depth, check_guide, check_positive, check_valid
from ..ops import (
    fast_global_smoother,
    fgs_normalized,
    fgs_planes,
    guided_core,
    guided_filter,
    joint_bilateral_exact,
    joint_bilateral_lattice,
    weighted_median,
)

__all__ = ["refine", "joint_bilateral", "guided", "weighted_median_refine", "solver", "auto",
           "METHODS", "lattice_sigma"]


def _prep(depth, guide, valid):
    d = check_depth(depth)
    g = check_guide(guide, d.shape)
    v = check_valid(valid, d)
    return d, g, v


def lattice_sigma(radius: int, sigma_space: float) -> float:
    """Gaussian sigma (px) with the same second moment as the truncated window kernel.

    The exact filter's spatial kernel is a Gaussian of ``sigma_space`` cut to
    ``|dx| <= radius``; the lattice has no window, so it uses the Gaussian of equal
    variance (e.g. radius 12, sigma_space 12.5 gives 6.7 px), times 1.15, the factor that
    minimises the RMSE between the two filters on Middlebury cones/teddy/art.
    """
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-x * x / (2 * sigma_space * sigma_space))
    return 1.15 * float(np.sqrt((x * x * k).sum() / k.sum())) if radius > 0 else 0.5


def joint_bilateral(depth, guide, *, valid=None, confidence=None, radius: int | None = None,
                    sigma_space: float = 3.0, sigma_color: float = 20.0,
                    color_space: str = "rgb", fast: bool | None = None) -> np.ndarray:
    """Joint (cross) bilateral filter of ``depth`` steered by ``guide``.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (never rescaled).
    guide : (H, W[, 3]) array
        Color or gray image; uint8 (0-255), uint16 or float, in its own units.
    valid : (H, W) bool, optional
        Trusted pixels, default finite & > 0; the others are never read (normalized
        convolution) and are filled from their valid neighbours.
    confidence : (H, W) float >= 0, optional
        Per-pixel weight, multiplied by ``valid``.
    radius : int, optional
        Window half-width in px (window ``2 radius + 1``); default ``ceil(2 sigma_space)``.
        ``radius=12, sigma_space=12.5, sigma_color=20`` is OpenCV's
        ``jointBilateralFilter(d=25, sigmaColor=20, sigmaSpace=12.5)``.
    sigma_space : float
        Spatial Gaussian standard deviation in px.
    sigma_color : float
        Range Gaussian standard deviation on the Euclidean color distance, in guide units
        (0-255 for uint8) or in Lab units with ``color_space='lab'``.
    color_space : {'rgb', 'lab'}
        Where color distances are measured (Lab needs an RGB guide).
    fast : bool, optional
        True: permutohedral lattice (O(N), Gaussian of the window kernel's variance, no
        truncation); False: exact windowed sum (O(N r^2)); default: lattice when
        ``radius >= 6`` (where it is faster than the window).

    Returns
    -------
    (H, W) float32; NaN only where no valid pixel is in reach.

    References
    ----------
    .. [1] G. Petschnigg et al., "Digital photography with flash and no-flash image
       pairs", SIGGRAPH 2004; J. Kopf et al., "Joint bilateral upsampling", SIGGRAPH 2007.
    .. [2] A. Adams, J. Baek and M. A. Davis, "Fast high-dimensional filtering using the
       permutohedral lattice", Eurographics 2010.
    """
    d, g, v = _prep(depth, guide, valid)
    ss = check_positive(sigma_space, "sigma_space")
    r = int(math.ceil(2.0 * ss)) if radius is None else radius
    if fast is None:
        fast = isinstance(r, int | np.integer) and r >= 6
    if fast:
        if not isinstance(r, int | np.integer) or r < 0:
            raise InputError(f"radius must be an integer >= 0, got {radius!r}")
        out, _ = joint_bilateral_lattice(d, g, sigma_space=lattice_sigma(int(r), ss),
                                         sigma_color=sigma_color, valid=v,
                                         confidence=confidence, color_space=color_space)
    else:
        out, _ = joint_bilateral_exact(d, g, radius=r, sigma_space=ss,
                                       sigma_color=sigma_color, valid=v,
                                       confidence=confidence, color_space=color_space)
    return out


def guided(depth, guide, *, valid=None, confidence=None, radius: int = 4,
           eps: float = 400.0) -> np.ndarray:
    """Color-guided filter (He et al. 2013), confidence-weighted; see ``ops.guided_filter``.

    ``eps`` is in squared guide units (400 = 20^2 for a uint8 guide). Returns float32, NaN
    only where no valid pixel lies within ``2 radius`` px.
    """
    d, g, v = _prep(depth, guide, valid)
    return guided_filter(d, g, radius=radius, eps=eps, valid=v, confidence=confidence)


def weighted_median_refine(depth, guide, *, valid=None, confidence=None, radius: int = 4,
                           sigma_color: float = 20.0, sigma_space: float | None = None):
    """Joint weighted median (color-weighted, exact); see ``ops.weighted_median``.

    Removes flying pixels at depth edges: every output is one of the window's values.
    """
    d, g, v = _prep(depth, guide, valid)
    return weighted_median(d, g, radius=radius, sigma_color=sigma_color,
                           sigma_space=sigma_space, valid=v, confidence=confidence)


def solver(depth, guide, *, valid=None, confidence=None, lam: float = 30.0,
           sigma_color: float = 4.0, iterations: int = 3) -> np.ndarray:
    """Global edge-aware weighted least squares with per-pixel confidence (FGS).

    Accepts float, uint8 and uint16 guides (``sigma_color`` in the guide's units); see
    ``ops.fast_global_smoother`` for the model.

    References
    ----------
    .. [1] D. Min et al., "Fast global image smoothing based on weighted least squares",
       IEEE TIP 2014.
    """
    d, g, v = _prep(depth, guide, valid)
    return fast_global_smoother(d, g, lam=lam, sigma_color=sigma_color, iterations=iterations,
                                valid=v, confidence=confidence)


@nb.njit(cache=True, fastmath=True, parallel=True)
def _ratio(num, den, floor):
    """``num / den`` where ``den > floor`` (else 0) and that mask, in one pass."""
    h, w = num.shape
    s = np.empty((h, w), np.float32)
    ok = np.empty((h, w), np.bool_)
    for y in nb.prange(h):
        for x in range(w):
            dd = den[y, x]
            ok[y, x] = dd > floor
            s[y, x] = num[y, x] / dd if dd > floor else np.float32(0.0)
    return s, ok


@nb.njit(cache=True, fastmath=True, parallel=True)
def _toggle(s, mx, mn, inv_t2, floor):
    """Ramp confidence ``k = exp(-|Sobel s|^2 / t^2) + floor`` (3x3 Sobel, OpenCV's default
    reflect-101 border) and the toggle output ``k s + (1 - k) (mx or mn, the closer)``."""
    h, w = s.shape
    out = np.empty((h, w), np.float32)
    one = np.float32(1.0)
    for y in nb.prange(h):
        ym = y - 1 if y > 0 else min(1, h - 1)
        yp = y + 1 if y < h - 1 else max(h - 2, 0)
        for x in range(w):
            xm = x - 1 if x > 0 else min(1, w - 1)
            xp = x + 1 if x < w - 1 else max(w - 2, 0)
            gx = (s[ym, xp] - s[ym, xm]) + 2 * (s[y, xp] - s[y, xm]) + (s[yp, xp] - s[yp, xm])
            gy = (s[yp, xm] - s[ym, xm]) + 2 * (s[yp, x] - s[ym, x]) + (s[yp, xp] - s[ym, xp])
            k = np.exp(-(gx * gx + gy * gy) * inv_t2) + floor
            v = s[y, x]
            hi = mx[y, x]
            lo = mn[y, x]
            tg = hi if hi - v < v - lo else lo
            out[y, x] = k * v + (one - k) * tg
    return out


def auto(depth, guide, *, valid=None, confidence=None) -> np.ndarray:
    """The default pipeline: denoise, re-sharpen blurred depth edges, align them to color.

    1. Denoise: the fast global smoother (``solver``; lam 30, sigma_color 4 per 8-bit guide
       step, 2 sweeps, confidence-weighted) flattens the noise inside color regions.
    2. Find the soft ramps that blur leaves at depth edges: confidence
       ``k = exp(-(|grad s| / tau)^2)`` with tau = 1.5 % of the 1-99 % depth range per px.
    3. Sharpen them with a toggle (shock) filter: inside a 7x7 square each ramp pixel
       takes the local maximum or minimum of the smooth depth, whichever is closer
       (Kramer & Bruckner 1975; Osher & Rudin 1990): a symmetric blur's ramp splits at its
       midpoint, which is where the edge was. Output ``k s + (1 - k) toggle``.
    4. Align to the color image and remove the toggle's staircase: a color guided filter
       (radius 2, eps = 10 squared 8-bit steps).

    Parameters are in 8-bit guide steps and scaled for [0, 1] float or 16-bit guides.
    Tuned on cones, teddy, art and aloe (REFINE); reported on all scenes. Returns float32
    (H, W); NaN only where no valid pixel is in reach.
    """
    d, g, v = _prep(depth, guide, valid)
    # the uint8 array when given (same values; OpenCV's guided filter is faster on it)
    g8 = g.uint8 if g.uint8 is not None else g.levels
    return _auto(d, g.levels, v, confidence, guide_gf=g8)


def _auto(d, g, v, confidence, *, lam=30.0, sc=4.0, tau=0.015, iters=1, floor=1e-3,
          toggle_radius=3, gf_radius=2, gf_eps=10.0, shape=cv2.MORPH_RECT, guide_gf=None):
    u = 1.0  # g is on the 8-bit scale
    c = v.astype(np.float32)
    if confidence is not None:
        c = c * np.clip(np.asarray(confidence, np.float32), 0, None)
    dz = np.where(v, d, 0).astype(np.float32)
    if confidence is None and v.all():
        # every weight is 1: FGS maps the constant 1 to itself, so den == 1 and one
        # channel does (same result up to float rounding, half the sweeps)
        s = fgs_planes(np.array(d[:, :, None], np.float32, order="C"), g, lam, sc * u,
                       iters)[:, :, 0]
        ok = np.ones(d.shape, bool)
    else:
        num, den = fgs_normalized(dz * c, c, g, lam, sc * u, iters)
        s, ok = _ratio(num, den, np.float32(1e-6))
    lo, hi = np.percentile(d[v][::7], [1, 99])  # every 7th valid pixel is plenty
    t = 8.0 * tau * (float(hi - lo) or 1.0)  # Sobel gives 8x the per-px gradient
    if toggle_radius:
        disc = cv2.getStructuringElement(shape, (2 * toggle_radius + 1,) * 2)
        s = _toggle(s, cv2.dilate(s, disc), cv2.erode(s, disc), np.float32(1.0 / (t * t)),
                    np.float32(floor))
    if gf_radius:
        s = guided_core(s, g if guide_gf is None else guide_gf, ok.astype(np.float32),
                        gf_radius, gf_eps * u * u)
    return np.where(ok, s, np.nan).astype(np.float32)


METHODS = {
    "auto": auto,
    "joint_bilateral": joint_bilateral,
    "guided": guided,
    "weighted_median": weighted_median_refine,
    "solver": solver,
}


def refine(depth, guide, *, valid=None, confidence=None, method: str = "auto",
           **params) -> np.ndarray:
    """Refine ``depth`` with the color image ``guide``: denoise, sharpen edges onto color edges.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity, any units (never rescaled); NaN/0 invalid by default.
    guide : (H, W[, 3]) array
        The registered color (or gray) image, uint8, uint16 or float.
    valid : (H, W) bool, optional
        Trusted pixels (default finite & > 0); invalid ones are filled from valid
        neighbours and never read.
    confidence : (H, W) float >= 0, optional
        Per-pixel trust, multiplied by ``valid``.
    method : str
        One of ``METHODS``: ``auto`` (default), ``joint_bilateral``, ``guided``,
        ``weighted_median``, ``solver``.
    **params
        Keyword parameters of the chosen method (e.g. ``radius``, ``sigma_space``,
        ``sigma_color`` for ``joint_bilateral``).

    Returns
    -------
    (H, W) float32; NaN only where no valid pixel is in reach.
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    fn = METHODS[method]
    try:
        return fn(depth, guide, valid=valid, confidence=confidence, **params)
    except TypeError as e:
        if "unexpected keyword" in str(e):
            raise InputError(f"method {method!r}: {e}") from None
        raise
