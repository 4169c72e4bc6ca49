"""Joint bilateral upsampling (Kopf et al. 2007) with an optional local linear fit."""

from __future__ import annotations

import cv2
import numba as nb
import numpy as np

from .._validate import (
    InputError,
    check_confidence,
    check_depth,
    check_guide,
    check_int,
    check_positive,
    check_valid,
)

__all__ = ["joint_bilateral_upsample", "minmod_slopes", "JBU_SIGMA_COLOR"]

#: Default range sigma of the joint bilateral upsampling, in 8-bit steps: the value of the
#: SR-MIDDLEBURY x2-x4 sweep (docs/bench_upsample.md, 21 Middlebury scenes).
JBU_SIGMA_COLOR = 24.0


def joint_bilateral_upsample(depth, guide, *, valid=None, radius: int = 1,
                             sigma_space: float = 0.5, sigma_color: float | None = None,
                             linear: bool = True, ridge: float = 1.0, reference=None,
                             sigma_depth: float | None = None,
                             confidence=None, mask=None) -> np.ndarray:
    """Upsample a low-res ``depth`` to the size of ``guide`` by joint bilateral weights.

    Every high-res pixel ``p`` gathers the low-res samples ``q`` of the
    ``(2 radius + 1)^2`` window around it, weighted by a spatial Gaussian on the distance
    from ``p`` to the sample's centre and a range Gaussian on the color difference between
    ``guide[p]`` and the guide at the sample's centre [1]_. The color of a sample is the
    guide bilinearly sampled at its centre (what ``cv2.resize`` with ``INTER_LINEAR``
    returns), so no separate low-res guide is needed.

    With ``linear=True`` (default) the weighted samples are fitted by a plane
    ``z = c0 + c1 dy + c2 dx`` (weighted least squares; a ridge ``ridge * sum(w)`` pulls
    the two slopes, in low-res sample units, towards the weighted mean of the samples'
    minmod slopes, see :func:`minmod_slopes`) and ``c0`` is returned: a first-order
    (moving least squares) variant of the joint bilateral upsampling of [1]_ that
    reproduces constant and planar depth exactly, where the plain weighted mean
    (``linear=False``) flattens slanted surfaces into steps.

    Parameters
    ----------
    depth : (h, w) array
        Low-res depth or disparity in any units (never rescaled).
    guide : (H, W[, C]) array
        High-res gray or color image (uint8, uint16 or float in [0, 1]); its size
        is the output size (any size >= the depth's, not only integer multiples).
    valid : (h, w) bool array, optional
        Trusted low-res samples; default finite & > 0. Invalid samples are never read.
    radius : int
        Window half-width in low-res samples (1: the 3x3 nearest samples).
    sigma_space : float
        Spatial Gaussian standard deviation in low-res sample spacings (0.5: half the
        distance between two samples).
    sigma_color : float, optional
        Range Gaussian standard deviation in 8-bit steps, whatever the guide's dtype;
        default :data:`JBU_SIGMA_COLOR` (24).
    linear : bool
        Fit a plane (True) or take the weighted mean (False, Kopf et al.'s formula).
    ridge : float
        Slope regularisation of the plane fit (0: plain least squares). It damps the
        slopes fitted to one or two heavily weighted samples next to a depth edge, and
        leaves planes exact (their minmod slopes are their slopes).
    reference : (H, W) array, optional
        A current high-res estimate: each sample's weight is further multiplied by
        ``exp(-(depth_q - reference_p)^2 / (2 sigma_depth^2))`` (a joint trilateral /
        noise-aware weight [2]_), so samples from the other side of a depth edge that the
        estimate already resolved stop leaking in. Needs ``sigma_depth`` (depth units).
    confidence : (h, w) array, optional
        Non-negative per-sample weights multiplying every other weight (0 removes a
        sample, like ``valid=False``; a constant changes nothing).
    mask : (H, W) bool array, optional
        Evaluate only these output pixels (the others are NaN), e.g. a band around depth
        edges when refining an estimate elsewhere kept as it is.

    Returns
    -------
    (H, W) float32 array. Pixels whose window holds no valid sample (or with a non-zero
    weight), and pixels outside ``mask``, are NaN.

    References
    ----------
    .. [1] J. Kopf, M. F. Cohen, D. Lischinski and M. Uyttendaele, "Joint bilateral
       upsampling", ACM Transactions on Graphics (SIGGRAPH) 26(3), 2007.
    .. [2] D. Chan, H. Buisman, C. Theobalt and S. Thrun, "A noise-aware filter for
       real-time depth upsampling", ECCV Workshops (M2SFA2), 2008.
    """
    d = check_depth(depth)
    v = check_valid(valid, d, require_any=True)
    g = check_guide(guide).levels
    H, W = g.shape[:2]
    h, w = d.shape
    if H < h or W < w:
        raise InputError(f"guide shape {(H, W)} is smaller than depth shape {(h, w)}: "
                         "expected a high-res guide")
    radius = check_int(radius, "radius", minimum=1)
    ss = check_positive(sigma_space, "sigma_space")
    sc = check_positive(JBU_SIGMA_COLOR if sigma_color is None else sigma_color, "sigma_color")
    rg = check_positive(ridge, "ridge", allow_zero=True)
    lrg = cv2.resize(g, (w, h), interpolation=cv2.INTER_LINEAR)
    if lrg.ndim == 2:
        lrg = lrg[:, :, None]
    dz = np.where(v, d, 0).astype(np.float32)
    ref, inv2sd = None, 0.0
    if reference is not None:
        ref = check_depth(reference, "reference", allow_nonfinite=False)
        if ref.shape != (H, W):
            raise InputError(f"reference shape {ref.shape} does not match guide shape "
                             f"{(H, W)}")
        if sigma_depth is None:
            raise InputError("sigma_depth is required with a reference (depth units)")
        sd = check_positive(sigma_depth, "sigma_depth")
        inv2sd = 1.0 / (2.0 * sd * sd)
    conf = None
    if confidence is not None:
        conf = check_confidence(confidence, (h, w))
        v = v & (conf > 0)  # zero confidence: never read (nor by the neighbours' slopes)
        if not v.any():
            raise InputError("confidence is 0 at every valid sample")
        dz = np.where(v, d, 0).astype(np.float32)
    m = None
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype != bool or m.shape != (H, W):
            raise InputError(f"mask must be a bool array of the guide's shape {(H, W)}, got "
                             f"{m.dtype} {m.shape}")
    return _jbu(dz, v, g, np.ascontiguousarray(lrg, np.float32), int(radius),
                1.0 / (2.0 * ss * ss), 1.0 / (2.0 * sc * sc), bool(linear), rg, ref, inv2sd,
                conf, m)


_LUT_STEP = 256.0  # exponent resolution of the range-weight table (1/256)
_LUT_MAX = 64.0  # exp(-64) ~ 1.6e-28: weights beyond are 0


def _range_lut() -> np.ndarray:
    e = np.arange(int(_LUT_MAX * _LUT_STEP) + 2, dtype=np.float64) / _LUT_STEP
    lut = np.exp(-e)
    lut[-1] = 0.0
    return lut


_LUT = _range_lut()


def minmod_slopes(d, v):
    """Per-sample slopes along rows and columns by the minmod limiter (0 at extrema/edges).

    ``minmod(forward difference, backward difference)``: the smaller in magnitude when both
    have the same sign, else 0; a one-sided difference where only one neighbour is valid.
    On a plane both differences agree, so the slope is exact; across a step one side is
    flat, so the slope is ~0 and the step is not smeared.
    """
    out = []
    for axis in (0, 1):
        dd = np.where(v, d, 0).astype(np.float64)
        fwd = np.zeros_like(dd)
        bwd = np.zeros_like(dd)
        okf = np.zeros(d.shape, bool)
        okb = np.zeros(d.shape, bool)
        sl_hi = (slice(1, None), slice(None)) if axis == 0 else (slice(None), slice(1, None))
        sl_lo = (slice(None, -1), slice(None)) if axis == 0 else (slice(None), slice(None, -1))
        diff = dd[sl_hi] - dd[sl_lo]
        pair = v[sl_hi] & v[sl_lo]
        fwd[sl_lo] = diff
        okf[sl_lo] = pair
        bwd[sl_hi] = diff
        okb[sl_hi] = pair
        both = okf & okb
        same = np.sign(fwd) == np.sign(bwd)
        mm = np.where(same, np.sign(fwd) * np.minimum(np.abs(fwd), np.abs(bwd)), 0.0)
        sl = np.where(both, mm, np.where(okf, fwd, np.where(okb, bwd, 0.0)))
        out.append(np.ascontiguousarray(sl, np.float32))
    return out[0], out[1]


@nb.njit(cache=True)
def _axis_weights(n_high, n_low, radius, inv2ss):
    """Per high-res coordinate: first window sample, and the spatial weights/offsets."""
    k = 2 * radius + 1
    first = np.empty(n_high, np.int64)
    wts = np.zeros((n_high, k), np.float64)
    offs = np.zeros((n_high, k), np.float64)
    s = n_high / n_low
    for y in range(n_high):
        f = (y + 0.5) / s - 0.5
        i0 = int(np.floor(f + 0.5)) - radius
        first[y] = i0
        for t in range(k):
            i = i0 + t
            a = i - f
            offs[y, t] = a
            if 0 <= i < n_low:
                wts[y, t] = np.exp(-a * a * inv2ss)
    return first, wts, offs


@nb.njit(cache=True, fastmath=True)
def _jbu_kernel(lr, lrv, guide, lrguide, radius, fy0, wy, ay, fx0, wx, ax, inv2sc, lut,
                linear, ridge, msy, msx, ref, inv2sd, conf, mask):
    H, W, C = guide.shape
    k = 2 * radius + 1
    out = np.empty((H, W), np.float32)
    scale = inv2sc * 256.0
    use_ref = ref.shape[0] == H and ref.shape[1] == W
    use_conf = conf.shape[0] == lr.shape[0] and conf.shape[1] == lr.shape[1]
    use_mask = mask.shape[0] == H and mask.shape[1] == W
    nl = lut.shape[0] - 1
    for y in range(H):
        for x in range(W):
            if use_mask and not mask[y, x]:
                out[y, x] = np.nan
                continue
            g0 = guide[y, x, 0]
            g1 = guide[y, x, min(1, C - 1)]
            g2 = guide[y, x, min(2, C - 1)]
            s0 = 0.0
            sa = 0.0
            sb = 0.0
            saa = 0.0
            sab = 0.0
            sbb = 0.0
            sz = 0.0
            sza = 0.0
            szb = 0.0
            sm1 = 0.0
            sm2 = 0.0
            for ti in range(k):
                wsy = wy[y, ti]
                if wsy == 0.0:
                    continue
                i = fy0[y] + ti
                a = ay[y, ti]
                for tj in range(k):
                    wsx = wx[x, tj]
                    if wsx == 0.0:
                        continue
                    j = fx0[x] + tj
                    if not lrv[i, j]:
                        continue
                    if C == 3:
                        t0 = g0 - lrguide[i, j, 0]
                        t1 = g1 - lrguide[i, j, 1]
                        t2 = g2 - lrguide[i, j, 2]
                        dc = t0 * t0 + t1 * t1 + t2 * t2
                    else:
                        dc = 0.0
                        for c in range(C):
                            t = guide[y, x, c] - lrguide[i, j, c]
                            dc += t * t
                    q = dc * scale
                    idx = int(q) if q < nl else nl
                    lw = lut[idx]
                    if use_ref:
                        # the depth factor, linearly interpolated in the table: a step in
                        # it would jump with float32 rounding, i.e. with the units (#13)
                        t = lr[i, j] - ref[y, x]
                        qd = t * t * inv2sd * 256.0
                        kd = int(qd) if qd < nl else nl
                        if kd < nl:
                            lw *= lut[kd] + (qd - kd) * (lut[kd + 1] - lut[kd])
                        else:
                            lw = 0.0
                    wt = wsy * wsx * lw + 1e-30
                    if use_conf:
                        wt *= conf[i, j]
                    z = lr[i, j]
                    s0 += wt
                    sz += wt * z
                    if linear:
                        b = ax[x, tj]
                        sa += wt * a
                        sb += wt * b
                        saa += wt * a * a
                        sab += wt * a * b
                        sbb += wt * b * b
                        sza += wt * z * a
                        szb += wt * z * b
                        sm1 += wt * msy[i, j]
                        sm2 += wt * msx[i, j]
            if s0 <= 0.0:
                out[y, x] = np.nan
                continue
            if not linear:
                out[y, x] = sz / s0
                continue
            r = ridge * s0
            # slopes are pulled towards the (weighted) minmod slopes of the samples
            sza += ridge * sm1
            szb += ridge * sm2
            m11 = saa + r
            m22 = sbb + r
            c11 = m11 * m22 - sab * sab
            c12 = sa * m22 - sab * sb
            c13 = sa * sab - m11 * sb
            det = s0 * c11 - sa * c12 + sb * c13
            if not (abs(det) > 1e-9 * s0 * (c11 if c11 > 0 else 1e-300)):
                out[y, x] = sz / s0
                continue
            num = sz * c11 - sa * (sza * m22 - sab * szb) + sb * (sza * sab - m11 * szb)
            out[y, x] = num / det
    return out


def _jbu(lr, lrv, guide, lrguide, radius, inv2ss, inv2sc, linear, ridge, ref=None,
         inv2sd=0.0, conf=None, mask=None):
    H, W = guide.shape[:2]
    h, w = lr.shape
    fy0, wy, ay = _axis_weights(H, h, radius, inv2ss)
    fx0, wx, ax = _axis_weights(W, w, radius, inv2ss)
    msy, msx = minmod_slopes(lr, lrv)
    if ref is None:
        ref = np.empty((0, 0), np.float32)
    if conf is None:
        conf = np.empty((0, 0), np.float32)
    if mask is None:
        mask = np.empty((0, 0), np.bool_)
    return _jbu_kernel(lr, lrv, guide, lrguide, radius, fy0, wy, ay, fx0, wx, ax, inv2sc,
                       _LUT, linear, ridge, msy, msx, np.ascontiguousarray(ref, np.float32),
                       float(inv2sd), np.ascontiguousarray(conf, np.float32),
                       np.ascontiguousarray(mask))
