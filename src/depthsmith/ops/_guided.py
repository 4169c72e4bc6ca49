"""Guided filter (He, Sun & Tang) with a gray or color guide, O(N) box filters, confidence."""

from __future__ import annotations

import cv2
import numba as nb
import numpy as np

from .._numba import parallel_njit
from .._validate import (
    InputError,
    check_confidence,
    check_depth,
    check_guide,
    check_positive,
    check_valid,
)

__all__ = ["guided_filter", "guided_core", "clamp_to_window_range"]


def guided_filter(depth, guide, *, radius: int = 8, eps: float = 100.0, valid=None,
                  confidence=None, min_weight: float = 1e-6) -> np.ndarray:
    """Edge-preserving smoothing of ``depth`` by a local linear model of ``guide``.

    Inside every (2r+1)x(2r+1) window the output is an affine function of the guide,
    ``q = a . I + b``, fitted to the depth by (confidence-weighted) ridge regression; the
    per-window coefficients are averaged over the windows covering each pixel [1]_. With a
    3-channel guide ``a`` is a 3-vector and the 3x3 guide covariance is inverted per window.
    All sums are box filters, so the cost is O(N) whatever the radius.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (any integer or float dtype; never rescaled).
    guide : (H, W) or (H, W, 3) array
        Gray or color image: uint8, uint16 or float in [0, 1].
    radius : int
        Window half-width in pixels (window side ``2 * radius + 1``; OpenCV's ``radius``).
    eps : float
        Ridge regularisation in squared 8-bit steps whatever the guide's dtype (e.g.
        ``10.0 ** 2``): guide variations well below ``sqrt(eps)`` steps are smoothed over,
        those well above it are kept as edges.
    valid : (H, W) bool array, optional
        Trusted depth pixels; default finite & > 0. Invalid pixels are never read.
    confidence : (H, W) float array, optional
        Per-pixel weight >= 0 (multiplied by ``valid``): the regression in each window is
        weighted by it (the confidence-weighted guided filter).
    min_weight : float
        Windows whose mean weight is below this do not contribute; pixels with no
        contributing window come back NaN.

    Returns
    -------
    (H, W) float32 array
        Filtered depth; NaN where no valid pixel lies within ``2 * radius`` pixels.

    References
    ----------
    .. [1] K. He, J. Sun and X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    """
    d = check_depth(depth)
    g = check_guide(guide, d.shape).levels
    v = check_valid(valid, d, require_any=False)
    r = _check_radius(radius)
    e = check_positive(eps, "eps", allow_zero=True)
    c = v.astype(np.float64)
    if confidence is not None:
        c = c * check_confidence(confidence, d.shape, np.float64)
    p = np.where(v, d, 0.0).astype(np.float32)
    return guided_core(p, g, c.astype(np.float32), r, e, min_weight)


def guided_core(p, g, c, radius, eps, min_weight=1e-6, precise=False):
    """Guided filter without input checks: ``p`` float32 (H, W) (any value where ``c`` is
    0), ``g`` float32 or uint8 (H, W, C) on the 8-bit scale, ``c`` float32 weights (None:
    uniform), ``eps`` in squared 8-bit steps. With uniform weights OpenCV's float32 filter
    is used, unless ``precise=True``: OpenCV's is ill-conditioned for a small ``eps``
    (about 1) on guides with nearly collinear colours, e.g. JPEG photos (hundreds of mm off
    at single pixels of RGB-D-D frames), so ``precise`` takes our own path: centred,
    scaled moments and float64 window solves (:func:`_uniform_core`, on row strips)."""
    nc = g.shape[2]
    uniform = c is None or _uniform_weights(c)
    if c is None:
        c = np.ones(p.shape, np.float32)  # for the weighted path only
    if nc in (1, 3) and 0 < radius < min(p.shape) and uniform and not precise:
        # unweighted case: OpenCV's guided filter computes the same thing (He et al.,
        # reflected borders) with SIMD box filters, about 2x faster than the weighted path
        # Its float32 covariances are differences of means, so p and the guide are centred
        # first (the filter commutes with adding constants to either): their rounding then
        # scales with the spreads, not the offsets, and no longer depends on the depth's
        # units (#13). The guide is centred on the middle of the 8-bit scale, a constant, so
        # that a tile and the whole frame round alike (a uint8 guide goes as float32 too:
        # no slower on the shared VM, and uint8 or float then give the same output)
        pm = np.float32(cv2.mean(p)[0])
        g = np.subtract(g, np.float32(127.5), dtype=np.float32)
        out = cv2.ximgproc.guidedFilter(np.ascontiguousarray(g), p - pm, int(radius),
                                        float(eps))
        return clamp_to_window_range(np.asarray(out + pm, np.float32), p, None, radius)
    if uniform and precise:
        # our own uniform-weight filter (float32 centred moments, float64 solves) on row
        # strips: the same output up to rounding (the filter commutes with the per-strip
        # centring and scaling); on large frames its planes are held for one strip only
        return clamp_to_window_range(_strip_core(p, g, c, radius, eps, min_weight), p,
                                     None, radius)
    return clamp_to_window_range(_strip_core(p, g, c, radius, eps, min_weight,
                                             weighted=True), p, c, radius)


#: Output pixels per strip of the precise uniform-weight path (:func:`_strip_core`): about
#: 50 MB of planes (14 float32 moments, 5 float64 coefficients per pixel); frames up to
#: this size are one strip (each strip costs a round of numba thread launches, slow on a
#: loaded machine).
STRIP_PIXELS = 2 ** 19


def _strip_core(p, g, c, radius, eps, min_weight, weighted=False):
    """:func:`_uniform_core` (or, with ``weighted``, :func:`_weighted_core`) strip by
    strip: strips of about :data:`STRIP_PIXELS` output pixels (whole rows) read
    ``2 radius`` more rows on either side (one box filter reaches ``radius``, the
    coefficients' box another ``radius``), so every output row sees exactly what it sees on
    the whole frame; reflected borders stay at the frame's own top and bottom. The planes
    (14 moments, 5 coefficients per pixel) are then held for one strip, not the frame;
    each strip is centred and scaled on its own, which changes the output by float
    rounding only."""
    h, w = p.shape
    m = 2 * int(radius)
    rows = max(16, STRIP_PIXELS // max(w, 1))

    def core(a, b):
        if weighted:
            return _weighted_core(p[a:b], g[a:b], c[a:b], radius, eps, min_weight)
        return _uniform_core(p[a:b], g[a:b], radius, eps, min_weight)

    if h <= rows + 2 * m:
        return core(0, h)
    out = np.empty(p.shape, np.float32)
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        a, b = max(0, y0 - m), min(h, y1 + m)
        out[y0:y1] = core(a, b)[y0 - a:y1 - a]
    return out


#: Overshoot allowed beyond the windows' input range, as a fraction of that range: an exact
#: guided filter may extrapolate its local affine models a little (seen on random data); a
#: broken solve goes far beyond (80x the range on a real JPEG guide).
CLAMP_SLACK = 1.0


def clamp_to_window_range(q, p, c, radius):
    """``q`` clipped to the range of the trusted input ``p`` within ``2 radius`` px, widened
    by :data:`CLAMP_SLACK` times that range on either side.

    A guided-filter output is an average of local affine fits over the windows that cover a
    pixel, so it stays within (about) the range of the input those windows saw; where a
    window's guide colours are (nearly) collinear, the float32 3x3 solve of a small ``eps``
    can be ill-conditioned and throw values far outside it (seen on a JPEG-compressed real
    guide: 80x the depth range). The clip bounds every output by the input values within
    the ``(4 radius + 1)^2`` square that the windows reach (``c > 0`` marks trusted pixels;
    None: all) plus the slack, and a non-finite output where trusted input is in reach takes
    the window's mid-range. Outputs with no trusted input in reach stay NaN.
    """
    k = np.ones((4 * int(radius) + 1,) * 2, np.uint8)
    if c is None:
        lo = cv2.erode(p, k, borderType=cv2.BORDER_REPLICATE)
        hi = cv2.dilate(p, k, borderType=cv2.BORDER_REPLICATE)
    else:
        ok = c > 0
        lo = cv2.erode(np.where(ok, p, np.inf).astype(np.float32), k,
                       borderType=cv2.BORDER_REPLICATE)
        hi = cv2.dilate(np.where(ok, p, -np.inf).astype(np.float32), k,
                        borderType=cv2.BORDER_REPLICATE)
    reach = np.isfinite(lo) & np.isfinite(hi)
    with np.errstate(invalid="ignore"):
        slack = CLAMP_SLACK * (hi - lo)
        out = np.where(reach, np.minimum(np.maximum(q, lo - slack), hi + slack), q)
    bad = reach & ~np.isfinite(out)
    if bad.any():
        out[bad] = 0.5 * (lo[bad] + hi[bad])
    return out.astype(np.float32, copy=False)


def _weighted_core(p, g, c, radius, eps, min_weight, moments=np.float64):
    """The confidence-weighted guided filter (numba moments and solves).

    The guide and the depth are centred and scaled first, so the moments stay well
    conditioned; the moments are ``moments`` (float64 for confidence weights: their window
    covariances are differences of means, #13; float32 suffices for the uniform weights of
    :func:`_uniform_core`), the per-window ridge solves always float64."""
    g = np.asarray(g, np.float32)
    nc = g.shape[2]
    gi, scale, pm, ps = _normalise(p, g, c)
    e = eps / scale ** 2
    # moments (numba, rows in parallel), their box means (OpenCV's SIMD box filter, one
    # plane at a time) and the per-window ridge solves (numba, rows in parallel)
    m = _box_planes(_planes(p, gi, c, np.float32(pm), np.float32(1.0 / ps),
                            _plane_buffer(p.shape, nc, moments)), radius)
    ab = _coeffs(m, nc, e, min_weight)
    del m
    mab = _box_planes(ab, radius)
    return _combine(mab, gi, np.float32(pm), np.float32(ps))


@nb.njit(cache=True)
def _uniform_weights(c):
    """True when every weight is the same positive value (no confidence to honour)."""
    c0 = c.flat[0] if c.size else 0.0
    if not c0 > 0:
        return False
    for v in c.flat:
        if v != c0:
            return False
    return True


def _uniform_core(p, g, radius, eps, min_weight):
    """The guided filter with uniform weights: the moments of the centred, scaled guide and
    depth in float32 (their rounding is relative to the spreads, not the offsets), box
    means by OpenCV, the per-window 3x3 ridge solve in float64 (where OpenCV's float32
    filter breaks down at small eps on nearly collinear colours)."""
    return _weighted_core(p, g, np.ones(p.shape, np.float32), radius, eps, min_weight,
                          moments=np.float32)


def _box_planes(a, radius):
    """Box mean of every plane of a planar (K, H, W) float64 stack, in place."""
    k = 2 * int(radius) + 1
    for i in range(a.shape[0]):
        cv2.blur(a[i], (k, k), dst=a[i], borderType=cv2.BORDER_REFLECT)
    return a


def _check_radius(radius) -> int:
    try:
        r = int(radius)
    except (TypeError, ValueError):
        raise InputError(f"radius must be an integer >= 0, got {radius!r}") from None
    if r != radius or r < 0:
        raise InputError(f"radius must be an integer >= 0, got {radius!r}")
    return r


def _normalise(p, g, c):
    """Guide centred on its mean and divided by its largest deviation; mean and largest
    deviation of p over the pixels with c > 0."""
    h, w, nc = g.shape
    gsum, psum, pn = _row_sums(p, g, c)
    mu = gsum.sum(axis=0) / max(h * w, 1)
    n = int(pn.sum())
    pm = float(psum.sum()) / n if n else 0.0
    gdev, pdev = _row_devs(p, g, c, mu, pm)
    sc = max(float(gdev.max()) if h else 0.0, 1e-12)
    ps = max(float(pdev.max()) if h else 0.0, 1e-12)
    return _centre_scale(g, mu, 1.0 / sc), sc, pm, ps


@parallel_njit()
def _row_sums(p, g, c):
    h, w, nc = g.shape
    gsum = np.zeros((h, nc))
    psum = np.zeros(h)
    pn = np.zeros(h, np.int64)
    for y in nb.prange(h):
        for x in range(w):
            for i in range(nc):
                gsum[y, i] += g[y, x, i]
            if c[y, x] > 0:
                psum[y] += p[y, x]
                pn[y] += 1
    return gsum, psum, pn


@parallel_njit()
def _row_devs(p, g, c, mu, pm):
    h, w, nc = g.shape
    gdev = np.zeros(h)
    pdev = np.zeros(h)
    for y in nb.prange(h):
        sg = 0.0
        sp = 0.0
        for x in range(w):
            for i in range(nc):
                sg = max(sg, abs(g[y, x, i] - mu[i]))
            if c[y, x] > 0:
                sp = max(sp, abs(p[y, x] - pm))
        gdev[y] = sg
        pdev[y] = sp
    return gdev, pdev


@parallel_njit()
def _centre_scale(g, mu, inv_sc):
    h, w, nc = g.shape
    gi = np.empty((h, w, nc), np.float32)
    for y in nb.prange(h):
        for x in range(w):
            for i in range(nc):
                gi[y, x, i] = (g[y, x, i] - mu[i]) * inv_sc
    return gi


def _plane_buffer(shape, nc, dtype):
    """An empty planar buffer for :func:`_planes`."""
    return np.empty((2 + nc + nc * (nc + 1) // 2 + nc,) + tuple(shape), dtype)


@parallel_njit(fastmath=True)
def _planes(p, g, c, pm, inv_ps, out):
    """Planar weighted moments (K, H, W) into ``out``: c, c p, c I_i, c I_i I_j (i <= j),
    c I_i p, with p normalised to (p - pm) * inv_ps."""
    h, w = p.shape
    nc = g.shape[2]
    # float64 in the weighted path: the window covariances are differences of means, whose
    # float32 rounding made the output depend on the depth's units by 2e-5 of its range
    # (#13); the uniform path keeps float32 moments and solves in float64 (_uniform_core)
    for y in nb.prange(h):
        for x in range(w):
            cw = c[y, x]
            pv = (p[y, x] - pm) * inv_ps * cw
            out[0, y, x] = cw
            out[1, y, x] = pv
            k = 2
            for i in range(nc):
                out[k, y, x] = cw * g[y, x, i]
                k += 1
            for i in range(nc):
                for j in range(i, nc):
                    out[k, y, x] = cw * g[y, x, i] * g[y, x, j]
                    k += 1
            for i in range(nc):
                out[k, y, x] = pv * g[y, x, i]
                k += 1
    return out


def _coeffs(m, nc, e, min_weight):
    """Per-window ridge regression p ~ a . I + b; returns planar (w a, w b, w). A Python
    function on purpose: a parallel kernel called from nopython code would bypass
    :data:`depthsmith._numba.PARALLEL_LOCK` (two Python threads then abort the workqueue
    threading layer)."""
    if nc == 1:
        return _coeffs1(m, e, min_weight)
    return _coeffs3(m, e, min_weight)


@parallel_njit(fastmath=True)
def _coeffs1(m, e, min_weight):
    _, h, w = m.shape
    out = np.zeros((3, h, w), np.float64)
    for y in nb.prange(h):
        for x in range(w):
            wt = m[0, y, x]
            if not wt > min_weight:
                continue
            iw = 1.0 / wt
            mp = m[1, y, x] * iw
            mi = m[2, y, x] * iw
            var = m[3, y, x] * iw - mi * mi
            cov = m[4, y, x] * iw - mi * mp
            a0 = cov / (var + e + 1e-12)
            out[0, y, x] = wt * a0
            out[1, y, x] = wt * (mp - a0 * mi)
            out[2, y, x] = wt
    return out


@parallel_njit(fastmath=True)
def _coeffs3(m, e, min_weight):
    _, h, w = m.shape
    out = np.zeros((5, h, w), np.float64)
    reg = e + 1e-12
    for y in nb.prange(h):
        for x in range(w):
            wt = np.float64(m[0, y, x])
            if not wt > min_weight:
                continue
            iw = 1.0 / wt
            mp = m[1, y, x] * iw
            m0 = m[2, y, x] * iw
            m1 = m[3, y, x] * iw
            m2 = m[4, y, x] * iw
            s00 = m[5, y, x] * iw - m0 * m0 + reg
            s01 = m[6, y, x] * iw - m0 * m1
            s02 = m[7, y, x] * iw - m0 * m2
            s11 = m[8, y, x] * iw - m1 * m1 + reg
            s12 = m[9, y, x] * iw - m1 * m2
            s22 = m[10, y, x] * iw - m2 * m2 + reg
            r0 = m[11, y, x] * iw - m0 * mp
            r1 = m[12, y, x] * iw - m1 * mp
            r2 = m[13, y, x] * iw - m2 * mp
            # symmetric 3x3 solve by cofactors
            i00 = s11 * s22 - s12 * s12
            i01 = s02 * s12 - s01 * s22
            i02 = s01 * s12 - s02 * s11
            i11 = s00 * s22 - s02 * s02
            i12 = s01 * s02 - s00 * s12
            i22 = s00 * s11 - s01 * s01
            det = s00 * i00 + s01 * i01 + s02 * i02
            if not abs(det) > 1e-300:
                continue
            idet = 1.0 / det
            a0 = (i00 * r0 + i01 * r1 + i02 * r2) * idet
            a1 = (i01 * r0 + i11 * r1 + i12 * r2) * idet
            a2 = (i02 * r0 + i12 * r1 + i22 * r2) * idet
            out[0, y, x] = wt * a0
            out[1, y, x] = wt * a1
            out[2, y, x] = wt * a2
            out[3, y, x] = wt * (mp - a0 * m0 - a1 * m1 - a2 * m2)
            out[4, y, x] = wt
    return out


@parallel_njit(fastmath=True)
def _combine(mab, g, pm, ps):
    h, w, nc = g.shape
    out = np.empty((h, w), np.float32)
    for y in nb.prange(h):
        for x in range(w):
            den = mab[nc + 1, y, x]
            if not den > 1e-12:  # no contributing window (float64 box sums leave ~1e-17)
                out[y, x] = np.nan
                continue
            q = mab[nc, y, x]
            for i in range(nc):
                q += mab[i, y, x] * g[y, x, i]
            out[y, x] = q / den * ps + pm
    return out
