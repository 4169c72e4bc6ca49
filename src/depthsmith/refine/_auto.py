"""refine's default pipeline: denoise (FGS), re-sharpen ramps (toggle filter), align (GF)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numba as nb
import numpy as np

from .._numba import parallel_njit
from ..ops import fgs_normalized, fgs_planes, guided_core, nearest_fill
from ._common import prepare

__all__ = ["auto", "Constants", "CONSTANTS", "SMOOTH_LAM", "SMOOTH_SIGMA_COLOR",
           "SMOOTH_SWEEPS", "RAMP_TAU", "RAMP_FLOOR", "TOGGLE_RADIUS", "TOGGLE_RAMP",
           "GF_RADIUS", "GF_EPS"]

# Every constant below is chosen by benchmarks/tune_refine.py on split A (the 21 Middlebury
# scenes under the REFINE degradation) and reported on split B (RGB-D-D, REFINE-RGBDD) and
# the swap: docs/tuning.md ("refine") gives each value, the scenes that chose it, and how
# sensitive the scores are to it.
# (0.3.0 had SMOOTH_LAM 30, SMOOTH_SIGMA_COLOR 4, GF_EPS 10, hand-picked on cones, teddy,
# art and aloe; the others are unchanged by the tuning.)
#: Smoothness of the fast global smoother (denoising stage).
SMOOTH_LAM = 5.0
#: Its edge-weight colour scale, in 8-bit steps.
SMOOTH_SIGMA_COLOR = 8.0
#: Horizontal + vertical sweep pairs of the smoother.
SMOOTH_SWEEPS = 1
#: Ramp detection: gradient scale as a fraction of the 1-99 % depth range per px.
RAMP_TAU = 0.015
#: Smallest weight the smooth depth keeps on a ramp (the toggle gets the rest).
RAMP_FLOOR = 1e-3
#: Half-width (px) of the toggle filter's square.
TOGGLE_RADIUS = 3
#: Width of the toggle's switch between the local minimum and maximum, as a fraction of
#: their difference, centred on their midpoint (a ramp, not a step: issue #13).
TOGGLE_RAMP = 0.1
#: Guided filter of the last stage: radius (px) and eps (squared 8-bit steps).
GF_RADIUS = 2
GF_EPS = 1.0
#: Below this eps (squared 8-bit steps) the last stage runs the precise guided filter
#: (``guided_core(precise=True)``: centred moments, float64 solves): OpenCV's float32 one
#: is ill-conditioned there on JPEG guides (moves RGB-D-D frames by up to 10 mm RMSE at
#: eps 1, 0.001 mm at eps 10: docs/tuning.md).
GF_EPS_FLOAT64_BELOW = 5.0


@dataclass(frozen=True)
class Constants:
    """The tuned constants of :func:`auto` (defaults: the module's constants above);
    ``benchmarks/tune_refine.py`` evaluates others with ``dataclasses.replace``."""

    lam: float = SMOOTH_LAM
    sigma_color: float = SMOOTH_SIGMA_COLOR
    sweeps: int = SMOOTH_SWEEPS
    tau: float = RAMP_TAU
    floor: float = RAMP_FLOOR
    toggle_radius: int = TOGGLE_RADIUS
    toggle_ramp: float = TOGGLE_RAMP
    gf_radius: int = GF_RADIUS
    gf_eps: float = GF_EPS


#: The shipped constants.
CONSTANTS = Constants()


@parallel_njit(fastmath=True)
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


@parallel_njit(fastmath=True)
def _toggle(s, mx, mn, inv_t2, floor, ramp):
    """Ramp confidence ``k = exp(-|Sobel s|^2 / t^2) + floor`` (3x3 Sobel, OpenCV's default
    reflect-101 border) and the toggle output ``k s + (1 - k) (mx or mn, the closer)``."""
    h, w = s.shape
    out = np.empty((h, w), np.float32)
    one = np.float32(1.0)
    zero = np.float32(0.0)
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
            # the closer extreme, through a linear ramp ``ramp`` x (hi - lo) wide at the
            # midpoint instead of a step, so that rounding (other units) cannot flip it
            span = hi - lo
            if span > 0:
                u = (v - lo) / (ramp * span) + (0.5 - 0.5 / ramp)
                tg = lo + min(max(u, zero), one) * span
            else:
                tg = v
            out[y, x] = k * v + (one - k) * tg
    return out


def auto(depth, guide, *, valid=None, confidence=None) -> np.ndarray:
    """The default pipeline: denoise, re-sharpen blurred depth edges, align them to color.

    1. Denoise: the fast global smoother (``solver``; lam :data:`SMOOTH_LAM` = 5,
       sigma_color :data:`SMOOTH_SIGMA_COLOR` = 8 8-bit steps, one horizontal and one
       vertical sweep, confidence-weighted) flattens the noise inside color regions.
    2. Find the soft ramps that blur leaves at depth edges: confidence
       ``k = exp(-(|grad s| / tau)^2) + floor`` with tau = :data:`RAMP_TAU` (1.5 %) of the
       1-99 % depth range per px, so the rule follows the data's units.
    3. Sharpen them with a toggle (shock) filter: inside a 7x7 square
       (:data:`TOGGLE_RADIUS` = 3) each ramp pixel
       takes the local maximum or minimum of the smooth depth, whichever is closer
       (Kramer & Bruckner 1975; Osher & Rudin 1990): a symmetric blur's ramp splits at its
       midpoint, which is where the edge was (within :data:`TOGGLE_RAMP` = 10 % of the
       max - min around the midpoint the choice is a linear blend, so the output is
       continuous in the input and the same in any units). Output
       ``k s + (1 - k) toggle``.
    4. Align to the color image and remove the toggle's staircase: a color guided filter
       (radius :data:`GF_RADIUS` = 2, eps :data:`GF_EPS` = 1 squared 8-bit step), with
       centred moments and float64 window solves (at so small an eps OpenCV's float32
       filter is ill-conditioned on JPEG guides).

    Colour parameters are in 8-bit steps whatever the guide's dtype. The constants were
    chosen by coordinate descent on the 21 Middlebury scenes of REFINE (split A) and are
    reported on the 204 RGB-D-D frames of REFINE-RGBDD (split B), with the swap
    (``benchmarks/tune_refine.py``, docs/tuning.md). Returns float32 (H, W); NaN only where
    no valid pixel is in reach.

    References
    ----------
    .. [1] D. Min et al., "Fast global image smoothing based on weighted least squares",
       IEEE TIP 23(12), 2014.
    .. [2] S. Osher and L. I. Rudin, "Feature-oriented image enhancement using shock
       filters", SIAM J. Numer. Anal. 27(4), 1990.
    .. [3] K. He, J. Sun and X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    """
    d, g, v, c = prepare(depth, guide, valid, confidence)
    # the uint8 array when given (same values; OpenCV's guided filter is faster on it)
    g8 = g.uint8 if g.uint8 is not None else g.levels
    return _pipeline(d, g.levels, v, c, guide_gf=g8)


def ramp_scale(d, v, tau: float = RAMP_TAU) -> float:
    """The toggle stage's gradient scale ``t`` (Sobel units) from the valid depth's 1-99 %
    range (step 2 of :func:`auto`); tiled runs compute it once on the whole frame."""
    lo, hi = np.percentile(d[v][::7], [1, 99])  # every 7th valid pixel is plenty
    return 8.0 * tau * (float(hi - lo) or 1.0)  # Sobel gives 8x the per-px gradient


def _pipeline(d, g, v, confidence, *, guide_gf, t=None, k: Constants = CONSTANTS):
    """:func:`auto` on checked arrays: ``g`` the guide's 8-bit levels, ``guide_gf`` the
    same picture for the guided filter (uint8 when available); ``t`` the ramp scale
    (default: :func:`ramp_scale` of ``d``); ``k`` the constants (tuning only)."""
    # every stage commutes with adding a constant to the depth: centred on its valid mean,
    # the float32 smoother's rounding follows the depth's spread, not its offset (#13)
    m = np.float32(np.mean(d[v], dtype=np.float64)) if v.any() else np.float32(0.0)
    d = d - m
    c = v.astype(np.float32)
    if confidence is not None:
        c = c * confidence
    dz = np.where(v, d, 0).astype(np.float32)
    if confidence is None and v.all():
        # every weight is 1: FGS maps the constant 1 to itself, so den == 1 and one
        # channel does (same result up to float rounding, half the sweeps)
        s = fgs_planes(np.array(d[:, :, None], np.float32, order="C"), g, k.lam,
                       k.sigma_color, k.sweeps)[:, :, 0]
        ok = np.ones(d.shape, bool)
    else:
        num, den = fgs_normalized(dz * c, c, g, k.lam, k.sigma_color, k.sweeps)
        s, ok = _ratio(num, den, np.float32(1e-6))
        if not ok.any():
            return np.full(d.shape, np.nan, np.float32)
        if not ok.all():
            # pixels the smoother's colour weights cut off from every sample (e.g. one
            # invalid pixel of a colour unlike all its neighbours, #13) take the nearest
            # reached value, so the toggle and the guided filter never read a 0 there
            s = nearest_fill(s, valid=ok)
    if t is None:
        t = ramp_scale(d, v, k.tau)
    disc = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * k.toggle_radius + 1,) * 2)
    s = _toggle(s, cv2.dilate(s, disc), cv2.erode(s, disc), np.float32(1.0 / (t * t)),
                np.float32(k.floor), np.float32(k.toggle_ramp))
    out = guided_core(s, guide_gf, ok.astype(np.float32), k.gf_radius, k.gf_eps,
                      precise=k.gf_eps < GF_EPS_FLOAT64_BELOW)
    # where no reached pixel is in the guided filter's windows: the smoothed value
    return (np.where(np.isfinite(out), out, s) + m).astype(np.float32)
