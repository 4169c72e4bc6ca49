"""Color-guided propagation fill: nearest seed in a color-weighted geodesic distance."""

from __future__ import annotations

import cv2
import numpy as np
from numba import njit

from .._validate import check_positive
from ..ops import geodesic_two_layers
from ._common import check_prefer, farness, prepare, scan_ends

__all__ = ["guided", "BLEND_WITH_GUIDE", "SLOPE_RADIUS", "SLOPE_MAX", "FOREGROUND_PENALTY"]

# Tuned by hand on FILL-OCC and FILL-HOLES (21 Middlebury scenes, docs/bench_fill.md
# "Tuning"); the project's held-out scenes were not seen.
#: Two-surface blend temperature used with a guide (``blend=None``); 0 without one.
BLEND_WITH_GUIDE = 20.0
#: Half-width (px) of the window in which a seed's local slope is measured.
SLOPE_RADIUS = 5
#: Central differences steeper than this fraction of the depth are edges, not slope.
SLOPE_MAX = 0.04
#: Start cost of a foreground seed when ``prefer`` is set: far above any path cost, so
#: such a seed wins only where no preferred seed reaches.
FOREGROUND_PENALTY = 1e4


def _border_seeds(valid):
    inv = (~valid).astype(np.uint8)
    near = cv2.dilate(inv, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT,
                      borderValue=0) > 0
    return valid & near


def _seed_cost(d, valid, seeds, prefer, disparity, tol, penalty):
    """0 for seeds on the preferred side of their hole, ``penalty`` for the others.

    The preferred value next to a hole is the farther (``prefer="far"``) of the two scanline
    ends of the adjacent hole pixels; a seed nearer than it by more than ``tol`` (relative)
    is a foreground seed.
    """
    cost = np.where(seeds, 0.0, np.inf)
    if prefer is None:
        return cost
    f = farness(d, disparity)
    if prefer == "near":
        f = -f
    f = np.ascontiguousarray(np.where(valid, f, 0), dtype=np.float32)
    best = np.fmax(*scan_ends(f, valid))  # larger of the row's two nearest valid values
    best = np.where(np.isnan(best), -np.inf, best).astype(np.float32)
    ref = cv2.dilate(best, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT,
                     borderValue=-np.inf)
    fg = seeds & np.isfinite(ref) & (f < ref - tol * np.abs(ref))
    cost[fg] = penalty
    return cost


@njit(cache=True)
def _slope_at(d, valid, s, w, radius, max_slope, gx, gy, have):
    """Local slope of seed ``s`` (valid central differences, edges excluded), cached."""
    if have[s]:
        return
    h = d.shape[0]
    y = s // w
    x = s - y * w
    sx = 0.0
    nx = 0
    sy = 0.0
    ny = 0
    for yy in range(max(0, y - radius), min(h, y + radius + 1)):
        for xx in range(max(0, x - radius), min(w, x + radius + 1)):
            lim = max_slope * abs(d[yy, xx])
            if 1 <= xx < w - 1 and valid[yy, xx - 1] and valid[yy, xx + 1]:
                e = 0.5 * (d[yy, xx + 1] - d[yy, xx - 1])
                if abs(e) <= lim:
                    sx += e
                    nx += 1
            if 1 <= yy < h - 1 and valid[yy - 1, xx] and valid[yy + 1, xx]:
                e = 0.5 * (d[yy + 1, xx] - d[yy - 1, xx])
                if abs(e) <= lim:
                    sy += e
                    ny += 1
    gx[s] = sx / nx if nx else 0.0
    gy[s] = sy / ny if ny else 0.0
    have[s] = True


@njit(cache=True)
def _compose(d, valid, s1, c1, s2, c2, slope, blend, radius, max_slope):
    """Fill each hole pixel from its seed(s): value + slope * (local slope . offset)."""
    h, w = d.shape
    out = d.copy()
    n = h * w
    gx = np.zeros(n)
    gy = np.zeros(n)
    have = np.zeros(n, np.bool_)
    for y in range(h):
        for x in range(w):
            if valid[y, x]:
                continue
            a = s1[y, x]
            if a < 0:
                out[y, x] = np.nan
                continue
            ay = a // w
            ax = a - ay * w
            v1 = d[ay, ax]
            if slope > 0:
                _slope_at(d, valid, a, w, radius, max_slope, gx, gy, have)
                v1 += slope * (gx[a] * (x - ax) + gy[a] * (y - ay))
            b = s2[y, x]
            if b < 0 or blend <= 0:
                out[y, x] = v1
                continue
            by = b // w
            bx = b - by * w
            v2 = d[by, bx]
            if slope > 0:
                _slope_at(d, valid, b, w, radius, max_slope, gx, gy, have)
                v2 += slope * (gx[b] * (x - bx) + gy[b] * (y - by))
            wt = np.exp(-(c2[y, x] - c1[y, x]) / blend)
            out[y, x] = (v1 + wt * v2) / (1.0 + wt)
    return out


def guided(depth, guide=None, *, valid=None, occlusion: bool = False, disparity: bool = False,
           prefer: str | None = None, color_weight: float = 4.0, seed_color_weight: float = 1.0,
           blend: float | None = None, slope: float = 1.0, layer_tol: float = 0.05,
           far_tol: float = 0.02, guide_sigma: float = 0.7):
    """Fill holes by color-guided propagation from the hole border.

    Every invalid pixel takes its value from the valid border pixel ("seed") that is nearest
    in a color-weighted geodesic distance, grown inward from the hole border with a priority
    queue (numba): a step between 8-neighbours p, q costs
    ``|p-q| (1 + color_weight |I_q - I_p|) + seed_color_weight |I_q - I_seed|`` (mean
    absolute difference over channels, per 8-bit level). This is the classic "copy the most
    similar color from the border" occlusion fill [1]_, done in geodesic order so large
    holes fill coherently and do not leak across color edges. Refinements:

    * the seed's local slope (from valid neighbours, edges excluded) is extrapolated into the
      hole, scaled by ``slope`` (0: copy the seed value);
    * the nearest seed of *another* surface (value differing by more than ``layer_tol``,
      relative) is found by a second front grown from the seams of the first; where its
      cost is close to the best one the two predictions are blended with weight
      ``exp(-(cost2 - cost1) / blend)`` (0: no blend; default 20 with a guide, 0 without,
      since without colors the costs are plain distances and do not tell surfaces apart);
    * the guide is first smoothed by a Gaussian of ``guide_sigma`` px (0: none), so
      texture and sensor noise cost less than real color edges;
    * ``prefer="far"`` (stereo occlusions, where the hidden surface is the background):
      seeds nearer than the farther scanline end of their hole by more than ``far_tol``
      (relative) start with a large cost, so the background side fills the hole.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (never rescaled); invalid pixels are never read.
    guide : (H, W[, 3]) array, optional
        Color or gray guide (uint8, uint16 or float in [0, 1]). None: a uniform guide (the
        geodesic becomes a chamfer distance).
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0. At least one is required.
    occlusion : bool
        The holes are stereo occlusions: the hidden surface is the background, so
        ``prefer`` defaults to ``"far"``.
    prefer : {None, "far", "near"}
        Side to fill from at depth discontinuities ("far": the background, "near"); default
        ``"far"`` with ``occlusion=True``, else None (no side preferred).
    disparity : bool
        True when ``depth`` holds disparities (larger = nearer); only used by ``prefer``.
    color_weight, seed_color_weight, blend, slope, layer_tol, far_tol, guide_sigma : float
        See above.

    Returns
    -------
    (H, W) float32
        Valid pixels unchanged; every invalid pixel filled (NaN only where no seed is
        reachable, which cannot happen when a valid pixel exists).

    References
    ----------
    .. [1] Seed idea: color-guided occlusion filling, e.g. Q. Yang et al., "Stereo matching
       with color-weighted correlation, hierarchical belief propagation and occlusion
       handling", PAMI 2009; A. Criminisi et al., "Geodesic image and video editing",
       ACM TOG 2010.
    """
    d, v, gd = prepare(depth, guide, valid)
    if occlusion and prefer is None:
        prefer = "far"
    prefer = check_prefer(prefer)
    for name, val in (("color_weight", color_weight), ("seed_color_weight", seed_color_weight),
                      ("blend", 0 if blend is None else blend), ("slope", slope),
                      ("layer_tol", layer_tol), ("far_tol", far_tol),
                      ("guide_sigma", guide_sigma)):
        check_positive(val, name, allow_zero=True)
    if v.all():
        return d.copy()
    if blend is None:
        blend = 0.0 if gd is None else BLEND_WITH_GUIDE
    if gd is None:
        g = np.zeros(d.shape + (1,), np.float32)
    else:
        g = gd.levels
    if gd is not None and guide_sigma > 0:
        g = cv2.GaussianBlur(g, (0, 0), guide_sigma, borderType=cv2.BORDER_REFLECT)
        g = np.ascontiguousarray(g.reshape(d.shape + (-1,)), dtype=np.float32)
    seeds = _border_seeds(v)
    cost = _seed_cost(d, v, seeds, prefer, disparity, far_tol, FOREGROUND_PENALTY)
    s1, c1, s2, c2 = geodesic_two_layers(~v, g, cost, np.where(v, d, 0), tol=layer_tol,
                                         color_weight=color_weight,
                                         seed_color_weight=seed_color_weight,
                                         cutoff=4.0 * blend)
    dz = np.where(v, d, 0).astype(np.float32)
    out = _compose(dz, v, s1, c1, s2, c2, float(slope), float(blend), SLOPE_RADIUS, SLOPE_MAX)
    return out.astype(np.float32)
