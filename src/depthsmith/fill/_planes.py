"""First-order colour-guided fill: each hole pixel takes its seed's local *plane*, then the
holes are smoothed surface by surface (and softened where the sensor's edges are soft)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._validate import check_int
from ..ops import beyond
from ._common import prepare
from ._guided import (
    BLEND_WITH_GUIDE,
    check_front_params,
    compose_seed_planes,
    seed_fronts,
    used_seeds,
)
from ._smooth import edge_sharpness, smooth_holes

__all__ = ["planes", "soften_sigma", "PLANE_RADIUS", "PLANE_TOL", "SMOOTH_ITERS", "SMOOTH_TOL",
           "SOFTEN_SIGMA", "SHARP_EDGE", "SOFT_EDGE"]

# Tuned on split A of docs/tuning.md ("fill"): the FILL-HOLES-RGBDD frames whose index in
# sorted-name order is 3 mod 4, FILL-HOLES and FILL-OCC (Middlebury); benchmarks/tune_fill.py.
#: Half-width (px) of the window of a seed's plane fit (A's search: 8).
PLANE_RADIUS = 8
#: Pixels of the window farther than this (relative) from the seed's value are another
#: surface and do not enter its plane.
PLANE_TOL = 0.015
#: Smoothing sweeps over the holes, surface by surface (see :func:`smooth_holes`). A's score
#: keeps falling up to 40 sweeps, but more than 5 put the fill at or above cv2.inpaint NS's
#: time (its time target; 10 sweeps measured 0.96-1.00x, docs/tuning.md).
SMOOTH_ITERS = 5
#: Relative difference beyond which two pixels are on different surfaces for the sweeps.
SMOOTH_TOL = 0.02
#: Gaussian-equivalent width (px) of the softening of discontinuities inside the holes when
#: the input's own edges are soft (edge sharpness <= :data:`SOFT_EDGE`).
SOFTEN_SIGMA = 1.5
#: Edge sharpness (see :func:`edge_sharpness`) at and above which no softening is done
#: (stereo disparities: 0.86-1.0 on the Middlebury scenes).
SHARP_EDGE = 0.85
#: Edge sharpness at and below which the full :data:`SOFTEN_SIGMA` is used (time-of-flight
#: depth: 0.55-0.79 on RGB-D-D); linear in between.
SOFT_EDGE = 0.70


@njit(cache=True)
def _fit_plane(d, valid, s, w, radius, tol, gauss, out):
    """Gaussian-weighted least-squares plane through the valid pixels of seed ``s``'s window
    that lie within ``tol`` (relative) of its value: (value at the seed, d/dx, d/dy)."""
    h = d.shape[0]
    y = s // w
    x = s - y * w
    d0 = d[y, x]
    lim = tol * abs(d0)
    s0 = 0.0
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    sz = 0.0
    sxz = 0.0
    syz = 0.0
    for yy in range(max(0, y - radius), min(h, y + radius + 1)):
        v = yy - y
        for xx in range(max(0, x - radius), min(w, x + radius + 1)):
            if not valid[yy, xx]:
                continue
            z = d[yy, xx] - d0
            if beyond(abs(z), lim):
                continue
            u = xx - x
            wt = gauss[v + radius] * gauss[u + radius]
            s0 += wt
            sx += wt * u
            sy += wt * v
            sxx += wt * u * u
            sxy += wt * u * v
            syy += wt * v * v
            sz += wt * z
            sxz += wt * u * z
            syz += wt * v * z
    m00 = sxx * syy - sxy * sxy
    det = s0 * m00 - sx * (sx * syy - sxy * sy) + sy * (sx * sxy - sxx * sy)
    if abs(det) > 1e-9 * s0 * s0 * s0:
        a = (sz * m00 - sx * (sxz * syy - sxy * syz) + sy * (sxz * sxy - sxx * syz)) / det
        bx = (s0 * (sxz * syy - sxy * syz) - sz * (sx * syy - sxy * sy)
              + sy * (sx * syz - sxz * sy)) / det
        by = (s0 * (sxx * syz - sxy * sxz) - sx * (sx * syz - sxz * sy)
              + sz * (sx * sxy - sxx * sy)) / det
    else:  # too few pixels or collinear: the seed's surface as a constant
        a = sz / s0 if s0 > 0 else 0.0
        bx = 0.0
        by = 0.0
    out[0] = d0 + a
    out[1] = bx
    out[2] = by


@njit(cache=True)
def _plane_table(d, valid, pix, ix, tgt, s1, s2, blend, radius, tol, sigma):
    """Each used seed's weighted least-squares plane (:func:`_fit_plane`), (n, 3) float32
    by compact id, for :func:`~depthsmith.fill._guided.compose_seed_planes`."""
    n = pix.size
    w = d.shape[1]
    planes = np.zeros((n, 3), np.float32)
    gauss = np.empty(2 * radius + 1)  # separable Gaussian taps of the window
    for t in range(-radius, radius + 1):
        gauss[t + radius] = math.exp(-t * t / (2.0 * sigma * sigma))
    for a in used_seeds(ix, tgt, s1, s2, blend):
        _fit_plane(d, valid, a, w, radius, tol, gauss, planes[ix[a]])
    return planes


def soften_sigma(sharpness: float) -> float:
    """The softening width (px) for an input whose :func:`edge_sharpness` is ``sharpness``:
    0 at or above :data:`SHARP_EDGE`, :data:`SOFTEN_SIGMA` at or below :data:`SOFT_EDGE`,
    linear in between."""
    t = (SHARP_EDGE - sharpness) / (SHARP_EDGE - SOFT_EDGE)
    return SOFTEN_SIGMA * min(1.0, max(0.0, t))


def planes(depth, guide=None, *, valid=None, occlusion: bool = False, disparity: bool = False,
           prefer: str | None = None, color_weight: float = 4.0, seed_color_weight: float = 1.0,
           blend: float | None = None, slope: float = 1.0, layer_tol: float = 0.05,
           far_tol: float = 0.02, guide_sigma: float = 0.7, plane_radius: int = PLANE_RADIUS,
           plane_tol: float = PLANE_TOL, smooth_iters: int = SMOOTH_ITERS,
           smooth_tol: float = SMOOTH_TOL, soften: float | None = None):
    """Fill holes by colour-guided propagation of local planes (first order).

    The seeds, fronts and two-surface blending are those of :func:`~depthsmith.fill.guided`
    (every hole pixel is reached from the valid border pixel nearest in a colour-weighted
    geodesic distance, and from the nearest one on another surface). What a seed carries
    is a *plane* instead of its single value:

    1. **Plane per seed.** A Gaussian-weighted (sigma ``plane_radius / 1.5``) least-squares
       plane through the valid pixels of the seed's ``(2 plane_radius + 1)^2`` window that
       lie within ``plane_tol`` (relative) of the seed's value, i.e. on its surface: the
       first-order normalized convolution of Knutsson and Westin [2]_ restricted to one
       surface. A hole pixel takes the plane's value there (``slope`` scales the plane's
       gradient; 0 gives the denoised seed value). Many pixels average the sensor's noise
       out of both the value and the gradient, so sloped surfaces (walls, floors, tables
       seen at an angle) continue into the holes.
    2. **Surface-wise smoothing.** ``smooth_iters`` Jacobi sweeps of the membrane (discrete
       harmonic) relaxation over the hole pixels, each pixel averaging the midpoints of its
       pairs of opposite neighbours that lie on its own surface (within ``smooth_tol``,
       relative; :func:`~depthsmith.fill._smooth.smooth_holes`): the seams between seeds and
       the noise of single seeds are smoothed away, planes stay exactly planes, and a
       discontinuity inside a hole stays sharp.
    3. **Soft edges where the sensor's are soft** (``soften=None``): the sharpness of the
       discontinuities of the *valid* input (:func:`~depthsmith.fill._smooth.edge_sharpness`:
       one-pixel steps in stereo disparities, ramps a few pixels wide in time-of-flight
       depth) sets a width ``sigma`` (:func:`soften_sigma`: 0 for sharp edges, up to
       :data:`SOFTEN_SIGMA` px); ``round(2 sigma^2)`` further sweeps without the surface test
       then blur the filled discontinuities as the sensor blurs its own (a Gaussian of about
       that ``sigma``). A number forces the width, 0 turns it off.

    Every step is relative (tolerances as fractions of the value, colour in 8-bit levels,
    sharpness a ratio), so the result scales with the input's units.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (never rescaled); invalid pixels are never read.
    guide : (H, W[, 3]) array, optional
        Colour or gray guide (uint8, uint16 or float in [0, 1]). None: a uniform guide (the
        geodesic becomes a chamfer distance) and no two-surface blending.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0. At least one is required.
    occlusion, prefer, disparity, color_weight, seed_color_weight, blend, layer_tol, far_tol, \
guide_sigma
        As for :func:`~depthsmith.fill.guided`.
    slope : float
        Scale of the planes' gradients (1: planes; 0: constants).
    plane_radius : int
        Half-width (px) of a seed's plane window (>= 1).
    plane_tol : float
        Relative depth difference beyond which a window pixel is another surface.
    smooth_iters : int
        Surface-wise smoothing sweeps (0: none).
    smooth_tol : float
        Relative difference that separates surfaces in the sweeps.
    soften : float, optional
        Width (px) of the softening of discontinuities inside the holes; None: from the
        input's own edge sharpness; 0: none.

    Returns
    -------
    (H, W) float32
        Valid pixels unchanged; every invalid pixel filled.

    References
    ----------
    .. [1] A. Criminisi, T. Sharp, C. Rother and P. Perez, "Geodesic image and video
       editing", ACM TOG 2010 (the geodesic propagation).
    .. [2] H. Knutsson and C.-F. Westin, "Normalized and differential convolution", CVPR
       1993 (the weighted local plane).
    """
    d, v, gd = prepare(depth, guide, valid)
    prefer = check_front_params(occlusion, prefer, color_weight=color_weight,
                                seed_color_weight=seed_color_weight,
                                blend=0 if blend is None else blend, slope=slope,
                                layer_tol=layer_tol, far_tol=far_tol, guide_sigma=guide_sigma,
                                plane_tol=plane_tol, smooth_tol=smooth_tol,
                                soften=0 if soften is None else soften)
    plane_radius = check_int(plane_radius, "plane_radius", minimum=1)
    smooth_iters = check_int(smooth_iters, "smooth_iters", minimum=0)
    if v.all():
        return d.copy()
    if blend is None:
        blend = 0.0 if gd is None else BLEND_WITH_GUIDE
    if soften is None:
        soften = soften_sigma(edge_sharpness(d, v))
    dz, pix, ix, tgt, s1, c1, s2, c2 = seed_fronts(
        d, v, gd, prefer=prefer, disparity=disparity, far_tol=far_tol, layer_tol=layer_tol,
        color_weight=color_weight, seed_color_weight=seed_color_weight, blend=blend,
        guide_sigma=guide_sigma)
    planes = _plane_table(dz, v, pix, ix, tgt, s1, s2, float(blend), plane_radius,
                          float(plane_tol), plane_radius / 1.5)
    filled = compose_seed_planes(planes, pix, ix, tgt, s1, c1, s2, c2, d.shape[1],
                                 float(slope), float(blend))
    del planes
    del s1, c1, s2, c2, ix
    dz.ravel()[pix[tgt]] = filled
    del filled
    smooth_holes(dz, pix, tgt, iters=smooth_iters, tol=smooth_tol)
    smooth_holes(dz, pix, tgt, iters=int(round(2.0 * soften * soften)))
    return dz

