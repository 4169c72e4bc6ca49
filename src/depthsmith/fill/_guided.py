"""Color-guided propagation fill: nearest seed in a color-weighted geodesic distance."""

from __future__ import annotations

import cv2
import numpy as np
from numba import njit

from .._validate import check_positive
from ..ops import TIE_MARGIN, beyond
from ..ops._geodesic import compact_set, two_layers_compact
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
    fg = seeds & np.isfinite(ref) & (f < ref - tol * (1.0 + TIE_MARGIN) * np.abs(ref))
    cost[fg] = penalty
    return cost


@njit(cache=True)
def _slope_at(d, valid, s, k, w, radius, max_slope, gx, gy, have):
    """Local slope of seed ``s`` (valid central differences, edges excluded), cached in
    slot ``k``."""
    if have[k]:
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
            lim = max_slope * abs(d[yy, xx])  # beyond(): a tie is within, in any units
            if 1 <= xx < w - 1 and valid[yy, xx - 1] and valid[yy, xx + 1]:
                e = 0.5 * (d[yy, xx + 1] - d[yy, xx - 1])
                if not beyond(abs(e), lim):
                    sx += e
                    nx += 1
            if 1 <= yy < h - 1 and valid[yy - 1, xx] and valid[yy + 1, xx]:
                e = 0.5 * (d[yy + 1, xx] - d[yy - 1, xx])
                if not beyond(abs(e), lim):
                    sy += e
                    ny += 1
    gx[k] = sx / nx if nx else 0.0
    gy[k] = sy / ny if ny else 0.0
    have[k] = True


@njit(cache=True)
def _slope_table(d, valid, pix, ix, tgt, s1, s2, slope, blend, radius, max_slope):
    """Each seed's plane for :func:`compose_seed_planes`, (n, 3) float64 by compact id:
    its value and, with ``slope > 0``, its local slope (:func:`_slope_at`); only for the
    seeds the target pixels use."""
    n = pix.size
    w = d.shape[1]
    gx = np.zeros(n)
    gy = np.zeros(n)
    have = np.zeros(n, np.bool_)
    table = np.zeros((n, 3))
    for a in used_seeds(ix, tgt, s1, s2, blend):
        k = ix[a]
        ay = a // w
        table[k, 0] = d[ay, a - ay * w]
        if slope > 0:
            _slope_at(d, valid, a, k, w, radius, max_slope, gx, gy, have)
            table[k, 1] = gx[k]
            table[k, 2] = gy[k]
    return table


@njit(cache=True)
def used_seeds(ix, tgt, s1, s2, blend):
    """The seeds (flat pixel indices) the target pixels read: every nearest seed and, with
    ``blend > 0``, every second-layer seed; each once, in order of first use."""
    seen = np.zeros(ix.size, np.bool_)
    out = np.empty(2 * tgt.size, np.int64)
    m = 0
    for c in range(tgt.size):
        if not tgt[c]:
            continue
        for j in range(2):
            a = s1[c] if j == 0 else s2[c]
            if a < 0 or (j == 1 and blend <= 0) or seen[ix[a]]:
                continue
            seen[ix[a]] = True
            out[m] = a
            m += 1
    return out[:m]


@njit(cache=True)
def compose_seed_planes(table, pix, ix, tgt, s1, c1, s2, c2, w, slope, blend):
    """Fill each target pixel from its seed(s)' planes: ``value + slope * (gx dx + gy dy)``
    of the nearest seed, blended with the second-layer seed's by
    ``exp(-(c2 - c1) / blend)``.

    ``table`` holds one plane (value at the seed, x and y gradients) per compact id
    (:func:`_slope_table` here, :func:`~depthsmith.fill._planes._plane_table` for
    ``planes``); returns the values of the target pixels of the compact set (see
    :func:`depthsmith.ops.compact_set`) in its order, so no second frame-sized map is
    needed."""
    n = pix.size
    out = np.empty(n, np.float32)
    m = 0
    for c in range(n):
        if not tgt[c]:
            continue
        p = pix[c]
        y = p // w
        x = p - y * w
        a = s1[c]
        m += 1
        if a < 0:
            out[m - 1] = np.nan
            continue
        ka = ix[a]
        ay = a // w
        v1 = table[ka, 0] + slope * (table[ka, 1] * (x - (a - ay * w)) + table[ka, 2] * (y - ay))
        b = s2[c]
        if b < 0 or blend <= 0:
            out[m - 1] = v1
            continue
        kb = ix[b]
        by = b // w
        v2 = table[kb, 0] + slope * (table[kb, 1] * (x - (b - by * w)) + table[kb, 2] * (y - by))
        wt = np.exp(-(c2[c] - c1[c]) / blend)
        out[m - 1] = (v1 + wt * v2) / (1.0 + wt)
    return out[:m]


def check_front_params(occlusion, prefer, **values) -> str | None:
    """``prefer`` resolved (``"far"`` for occlusions unless given) and checked, and every
    named value checked to be a number >= 0 (an :class:`InputError` naming it)."""
    if occlusion and prefer is None:
        prefer = "far"
    prefer = check_prefer(prefer)
    for name, val in values.items():
        check_positive(val, name, allow_zero=True)
    return prefer


def seed_fronts(d, v, gd, *, prefer, disparity, far_tol, layer_tol, color_weight,
                seed_color_weight, blend, guide_sigma):
    """The two colour-weighted geodesic fronts of the fill (checked inputs): ``(dz, pix,
    ix, tgt, s1, c1, s2, c2)``, ``dz`` the depth with 0 at holes and the rest as returned
    by :func:`depthsmith.ops.compact_set` and :func:`depthsmith.ops.two_layers_compact`
    (state on the holes and their border seeds only). Shared by ``guided`` and
    ``planes``."""
    seeds = _border_seeds(v)
    cost = _seed_cost(d, v, seeds, prefer, disparity, far_tol, FOREGROUND_PENALTY)
    del seeds
    target = ~v
    pix, ix, tgt, seed_c, costs = compact_set(target, cost)
    del cost, target
    g = _levels_at(gd, pix, d.shape, guide_sigma if gd is not None else 0.0)
    dz = np.where(v, d, np.float32(0))
    s1, c1, s2, c2 = two_layers_compact(d.shape[1], pix, ix, tgt, g, seed_c, costs,
                                        dz.ravel()[pix], tol=layer_tol,
                                        color_weight=color_weight,
                                        seed_color_weight=seed_color_weight,
                                        cutoff=4.0 * blend)
    return dz, pix, ix, tgt, s1, c1, s2, c2


def _levels_at(gd, pix, shape, sigma):
    """The guide's 8-bit levels, blurred by a Gaussian of ``sigma`` px (reflected borders;
    0: none), at the flat indices ``pix``: (n, C) float32. The blur runs on strips of rows
    with a margin, so no float copy of the whole frame is held (same values as blurring
    the whole frame)."""
    h, w = shape
    if gd is None:
        return np.zeros((pix.size, 1), np.float32)
    src = gd.uint8 if gd.uint8 is not None else gd.levels
    nc = src.shape[2]
    out = np.empty((pix.size, nc), np.float32)
    rows = pix // w
    margin = int(np.ceil(4 * sigma)) + 4
    strip = max(64, (1 << 22) // max(1, w * nc))
    for y0 in range(0, h, strip):
        y1 = min(h, y0 + strip)
        lo, hi = np.searchsorted(rows, [y0, y1])
        if lo == hi:
            continue
        a, b = max(0, y0 - margin), min(h, y1 + margin)
        blk = src[a:b].astype(np.float32)
        if sigma > 0:
            blk = cv2.GaussianBlur(blk, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
        out[lo:hi] = blk.reshape(-1, nc)[pix[lo:hi] - a * w]
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
    prefer = check_front_params(occlusion, prefer, color_weight=color_weight,
                                seed_color_weight=seed_color_weight,
                                blend=0 if blend is None else blend, slope=slope,
                                layer_tol=layer_tol, far_tol=far_tol, guide_sigma=guide_sigma)
    if v.all():
        return d.copy()
    if blend is None:
        blend = 0.0 if gd is None else BLEND_WITH_GUIDE
    # state only on the holes and their border seeds (compact ids; memory follows the
    # holes): the guide's levels, values and both fronts' labels there
    dz, pix, ix, tgt, s1, c1, s2, c2 = seed_fronts(
        d, v, gd, prefer=prefer, disparity=disparity, far_tol=far_tol, layer_tol=layer_tol,
        color_weight=color_weight, seed_color_weight=seed_color_weight, blend=blend,
        guide_sigma=guide_sigma)
    table = _slope_table(dz, v, pix, ix, tgt, s1, s2, float(slope), float(blend),
                         SLOPE_RADIUS, SLOPE_MAX)
    filled = compose_seed_planes(table, pix, ix, tgt, s1, c1, s2, c2, d.shape[1],
                                 float(slope), float(blend))
    dz.ravel()[pix[tgt]] = filled
    return dz
