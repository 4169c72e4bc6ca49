"""Multi-scale (first-order) normalized convolution with confidence propagation.

Level 0 is a normalized convolution of the sparse samples with an anisotropic Gaussian
applicability, of order 0 (a weighted mean) or order 1 (a weighted local plane, the
"normalized differential" basis {1, x, y} of Knutsson & Westin), optionally steered by a
color guide (the applicability of a sample is multiplied by its color similarity to the
target pixel, a cross-bilateral applicability). It is computed by scattering each sample
into its window, so the cost is proportional to the number of samples, not of pixels.

Where level 0 has too little certainty, the estimate is pulled from a Gaussian pyramid of
the (certainty x value, certainty) pair, the coarser level filling in what the finer one
lacks and the certainty deciding the blend (Eldesokey et al.'s idea of propagating the
confidence together with the signal, without learned weights).
"""

from __future__ import annotations

import math

import cv2
import numba as nb
import numpy as np

from .._validate import InputError, check_depth, check_guide, check_positive, check_valid

__all__ = ["multiscale_normconv", "range_refit"]


def _sigma_pair(sigma_space):
    if np.ndim(sigma_space) == 0:
        s = check_positive(sigma_space, "sigma_space")
        return s, s
    vals = list(np.asarray(sigma_space, dtype=object).ravel())
    if len(vals) != 2:
        raise InputError(f"sigma_space must be a number or a (rows, columns) pair, got "
                         f"{sigma_space!r}")
    return (check_positive(vals[0], "sigma_space[0]"),
            check_positive(vals[1], "sigma_space[1]"))


def multiscale_normconv(depth, guide=None, *, valid=None, confidence=None,
                        sigma_space=(1.5, 2.5), order: int = 1, ridge: float = 1.0,
                        sigma_color: float | None = None, tau: float = 0.2,
                        clamp: bool = True, radius_factor: float = 2.0, levels: int = 3,
                        coarse_order: int | None = None):
    """Dense estimate from sparse samples by multi-scale normalized convolution.

    Parameters
    ----------
    depth : (H, W) array
        Samples in any units (never rescaled); invalid pixels are never read.
    guide : (H, W[, C]) array, optional
        Color image steering level 0 when ``sigma_color`` is given (uint8 0-255 or float).
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    confidence : (H, W) float, optional
        Per-sample certainty >= 0 (multiplies ``valid``).
    sigma_space : float or (float, float)
        Level-0 Gaussian applicability, in pixels, as (rows, columns).
    order : {0, 1}
        0: weighted mean; 1: weighted local plane (exact on planar depth).
    ridge : float
        Order 1 only: Tikhonov penalty on the plane's slope, relative to the total weight
        (in px^2): larger values pull the fit towards order 0 where samples are few.
    sigma_color : float, optional
        Color range of the cross-bilateral applicability, in guide units (Euclidean over
        channels); None disables color steering.
    tau : float
        Level-0 certainty (sum of applicabilities, 1 for one sample at distance 0) at which
        the level-0 estimate is fully trusted; below it the coarser levels blend in.
    clamp : bool
        Order 1 only: clamp each estimate to the range of the samples in its window, so a
        plane fitted across a discontinuity never overshoots.
    radius_factor : float
        Window half-size in units of ``sigma_space``.
    levels : int
        Coarser grids (2x, 4x, ...) on which the same convolution fills what level 0
        cannot reach; below the coarsest an order-0 push-pull fills the rest.
    coarse_order : {0, 1}, optional
        Order of the fit on the coarser grids; default ``order``.

    Returns
    -------
    value : (H, W) float32
        Dense estimate (no NaN when any pixel is valid). Samples are re-estimated like
        every other pixel (the fit smooths them); callers put them back if wanted.
    certainty : (H, W) float32
        Level-0 certainty (sum of applicabilities); 0 where level 0 saw no sample.

    References
    ----------
    .. [1] H. Knutsson and C.-F. Westin, "Normalized and differential convolution",
       CVPR 1993.
    .. [2] A. Eldesokey, M. Felsberg and F. S. Khan, "Propagating confidences through CNNs
       for sparse data regression", BMVC 2018.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    sy, sx = _sigma_pair(sigma_space)
    if order not in (0, 1):
        raise InputError(f"order must be 0 or 1, got {order!r}")
    ridge = check_positive(ridge, "ridge", allow_zero=True)
    tau = check_positive(tau, "tau")
    rf = check_positive(radius_factor, "radius_factor")
    if int(levels) != levels or levels < 0:
        raise InputError(f"levels must be an integer >= 0, got {levels!r}")
    levels = int(levels)
    c = v.astype(np.float32)
    if confidence is not None:
        conf = np.asarray(confidence, np.float32)
        if conf.shape != d.shape:
            raise InputError(f"confidence shape {conf.shape} does not match depth shape "
                             f"{d.shape}")
        c = c * np.clip(np.nan_to_num(conf, nan=0.0), 0, None)
    if sigma_color is not None:
        if guide is None:
            raise InputError("sigma_color needs a guide: pass guide=(H, W[, C]) image")
        g = check_guide(guide, d.shape)
        isc2 = 1.0 / check_positive(sigma_color, "sigma_color") ** 2
    else:
        g = np.zeros((d.shape[0], d.shape[1], 1), np.float32)
        isc2 = 0.0
    dz = np.where(v, d, 0).astype(np.float32)
    ry = max(1, int(math.ceil(rf * sy)))
    rx = max(1, int(math.ceil(rf * sx)))
    corder = order if coarse_order is None else coarse_order
    if corder not in (0, 1):
        raise InputError(f"coarse_order must be 0 or 1, got {coarse_order!r}")
    binary = confidence is None  # c is the 0/1 mask and dz is 0 off it: c * dz == dz
    coarse = _coarse(dz if binary else dz * c, c, levels, ry, rx, sy, sx, corder, ridge, clamp, tau)
    # level 0 only where a sample is in reach (the bounding box of the samples + radius)
    sl = _support_box(c, ry, rx)
    dzc, cc = dz[sl], c[sl]
    if isc2 > 0.0:
        ys, xs = np.nonzero(cc > 0)
        acc, lo, hi = _scatter(dzc, cc, ys.astype(np.int64), xs.astype(np.int64), g[sl], ry,
                               rx, 1.0 / (sy * sy), 1.0 / (sx * sx), isc2, order)
    else:
        acc, lo, hi = _separable(dzc, cc, ry, rx, sy, sx, order, clamp, binary)
    est, cert_c = _solve(acc, lo, hi, np.ascontiguousarray(coarse[sl]), order, ridge, clamp,
                         tau)
    out = coarse
    out[sl] = est
    cert = np.zeros(d.shape, np.float32)
    cert[sl] = cert_c
    return out, cert


def _support_box(c, ry, rx):
    """Slices of the bounding box of ``c > 0`` grown by the window radius."""
    rows = np.flatnonzero(c.any(axis=1))
    cols = np.flatnonzero(c.any(axis=0))
    if rows.size == 0:
        return (slice(0, 0), slice(0, 0))
    h, w = c.shape
    return (slice(max(0, rows[0] - ry), min(h, rows[-1] + ry + 1)),
            slice(max(0, cols[0] - rx), min(w, cols[-1] + rx + 1)))


def _coarse(num, den, levels, ry, rx, sy, sx, order, ridge, clamp, tau):
    """Fallback for level 0: the same normalized convolution on 2x, 4x, ... coarser grids
    of pushed-down (certainty x value, certainty) sums, each coarser level filling where the
    finer one lacks certainty; an order-0 push-pull below the coarsest."""
    nums, dens = [num.astype(np.float32)], [den.astype(np.float32)]
    for _ in range(levels):
        hh, ww = nums[-1].shape
        if min(hh, ww) < 4 * max(ry, rx):
            break
        size = ((ww + 1) // 2, (hh + 1) // 2)
        nums.append(cv2.resize(nums[-1], size, interpolation=cv2.INTER_AREA) * 4.0)
        dens.append(cv2.resize(dens[-1], size, interpolation=cv2.INTER_AREA) * 4.0)
    out = _pyramid_fill(nums[-1], dens[-1])
    for lvl in range(len(nums) - 1, 0, -1):
        n, c = nums[lvl], dens[lvl]
        sl = _support_box(c, ry, rx)
        cc = c[sl]
        dz = np.where(cc > 0, n[sl] / np.where(cc > 0, cc, 1.0), 0.0).astype(np.float32)
        acc, lo, hi = _separable(dz, np.ascontiguousarray(cc), ry, rx, sy, sx, order, clamp)
        out[sl] = _solve(acc, lo, hi, np.ascontiguousarray(out[sl]), order, ridge, clamp,
                         tau)[0]
        hh, ww = nums[lvl - 1].shape
        out = cv2.resize(out, (ww, hh), interpolation=cv2.INTER_LINEAR)
    return out


def _separable(dz, c, ry, rx, sy, sx, order, clamp, binary=False):
    """The moments of :func:`_scatter` without color, as separable correlations."""
    h, w = dz.shape
    ty = np.arange(-ry, ry + 1, dtype=np.float32)
    tx = np.arange(-rx, rx + 1, dtype=np.float32)
    gy = np.exp(-0.5 * ty * ty / (sy * sy)).astype(np.float32)
    gx = np.exp(-0.5 * tx * tx / (sx * sx)).astype(np.float32)
    cd = dz if binary else (c * dz).astype(np.float32)

    bc = cv2.BORDER_CONSTANT

    def hpass(img, p):
        return cv2.filter2D(img, cv2.CV_32F, (gx * tx ** p)[None, :], borderType=bc)

    def vpass(img, p, out):
        cv2.filter2D(img, cv2.CV_32F, (gy * ty ** p)[:, None], dst=out, borderType=bc)

    # acc[k] in the order of _scatter: w, w d, w u, w v, w uu, w uv, w vv, w d u, w d v;
    # horizontal passes are shared between the moments (5 + 9 one-dimensional passes)
    acc = np.empty((9 if order == 1 else 2, h, w), np.float32)
    c0, d0 = hpass(c, 0), hpass(cd, 0)
    vpass(c0, 0, acc[0])
    vpass(d0, 0, acc[1])
    if order == 1:
        c1, c2, d1 = hpass(c, 1), hpass(c, 2), hpass(cd, 1)
        vpass(c1, 0, acc[2])
        vpass(c0, 1, acc[3])
        vpass(c2, 0, acc[4])
        vpass(c1, 1, acc[5])
        vpass(c0, 2, acc[6])
        vpass(d1, 0, acc[7])
        vpass(d0, 1, acc[8])
    if clamp and order == 1:
        k = np.ones((2 * ry + 1, 2 * rx + 1), np.uint8)
        has = c > 0
        lo = cv2.erode(np.where(has, dz, np.inf).astype(np.float32), k,
                       borderType=cv2.BORDER_CONSTANT, borderValue=np.inf)
        hi = cv2.dilate(np.where(has, dz, -np.inf).astype(np.float32), k,
                        borderType=cv2.BORDER_CONSTANT, borderValue=-np.inf)
    else:  # not read by _solve
        lo = hi = np.zeros((1, 1), np.float32)
    return acc, lo, hi


@nb.njit(cache=True, fastmath=True)
def _gauss_taps(r, inv_sigma2):
    """Unnormalised Gaussian taps exp(-t^2 / 2 sigma^2) for t in -r..r (float64)."""
    out = np.empty(2 * r + 1, np.float64)
    for i in range(2 * r + 1):
        t = i - r
        out[i] = math.exp(-0.5 * t * t * inv_sigma2)
    return out


@nb.njit(cache=True, fastmath=True)
def _scatter(d, c, ys, xs, g, ry, rx, isy2, isx2, isc2, order):
    h, w = d.shape
    nacc = 9 if order == 1 else 2
    nch = g.shape[2]
    acc = np.zeros((nacc, h, w), np.float32)
    lo = np.full((h, w), np.inf, np.float32)
    hi = np.full((h, w), -np.inf, np.float32)
    wy = _gauss_taps(ry, isy2).astype(np.float32)
    wx = _gauss_taps(rx, isx2).astype(np.float32)
    for k in range(ys.size):
        y = ys[k]
        x = xs[k]
        dv = d[y, x]
        ck = c[y, x]
        for iy in range(max(0, ry - y), min(2 * ry + 1, h - y + ry)):
            yy = y + iy - ry
            v = np.float32(ry - iy)  # sample row relative to the target pixel
            for ix in range(max(0, rx - x), min(2 * rx + 1, w - x + rx)):
                xx = x + ix - rx
                wt = ck * wy[iy] * wx[ix]
                if isc2 > 0.0:
                    s = np.float32(0.0)
                    for ch in range(nch):
                        t = g[yy, xx, ch] - g[y, x, ch]
                        s += t * t
                    wt *= math.exp(-0.5 * s * isc2)
                acc[0, yy, xx] += wt
                acc[1, yy, xx] += wt * dv
                if order == 1:
                    u = np.float32(rx - ix)
                    wu = wt * u
                    wv = wt * v
                    acc[2, yy, xx] += wu
                    acc[3, yy, xx] += wv
                    acc[4, yy, xx] += wu * u
                    acc[5, yy, xx] += wu * v
                    acc[6, yy, xx] += wv * v
                    acc[7, yy, xx] += wu * dv
                    acc[8, yy, xx] += wv * dv
                if dv < lo[yy, xx]:
                    lo[yy, xx] = dv
                if dv > hi[yy, xx]:
                    hi[yy, xx] = dv
    return acc, lo, hi


@nb.njit(cache=True, fastmath=True)
def _solve(acc, lo, hi, coarse, order, ridge, clamp, tau):
    _, h, w = acc.shape
    out = np.empty((h, w), np.float32)
    cert = np.zeros((h, w), np.float32)
    for y in range(h):
        for x in range(w):
            s0 = np.float64(acc[0, y, x])
            if s0 <= 1e-6:
                out[y, x] = coarse[y, x]
                continue
            cert[y, x] = s0
            c0 = acc[1, y, x] / s0
            if order == 1:
                # normal equations of the weighted plane d ~ c0 + cu*u + cv*v, slope ridge
                a01 = np.float64(acc[2, y, x])
                a02 = np.float64(acc[3, y, x])
                a11 = np.float64(acc[4, y, x]) + ridge * s0
                a12 = np.float64(acc[5, y, x])
                a22 = np.float64(acc[6, y, x]) + ridge * s0
                b0 = np.float64(acc[1, y, x])
                b1 = np.float64(acc[7, y, x])
                b2 = np.float64(acc[8, y, x])
                m00 = a11 * a22 - a12 * a12
                det = s0 * m00 - a01 * (a01 * a22 - a12 * a02) + a02 * (a01 * a12 - a11 * a02)
                if abs(det) > 1e-9 * s0 * s0 * s0:
                    c0 = (b0 * m00 - a01 * (b1 * a22 - a12 * b2)
                          + a02 * (b1 * a12 - a11 * b2)) / det
                if clamp:
                    if c0 < lo[y, x]:
                        c0 = lo[y, x]
                    elif c0 > hi[y, x]:
                        c0 = hi[y, x]
            a = min(s0 / tau, 1.0)
            out[y, x] = a * c0 + (1.0 - a) * coarse[y, x]
    return out, cert


def _pyramid_fill(num, den):
    """Order-0 push-pull (Gortler et al.'s Lumigraph pyramid): dense wherever any
    certainty exists. Push: certainties add up (capped at 1) on coarser levels; pull: each
    level keeps its own estimate in proportion to its certainty, the coarser one fills the
    rest."""
    n0 = num.astype(np.float32)
    c0 = den.astype(np.float32)
    big = c0 > 1.0
    if big.any():
        n0 = np.where(big, n0 / np.where(big, c0, 1.0), n0).astype(np.float32)
        c0 = np.minimum(c0, 1.0)
    nums, dens = [n0], [c0]
    while min(nums[-1].shape) > 2 and not _covered(dens[-1]):
        n = cv2.pyrDown(nums[-1]) * 4.0
        c = cv2.pyrDown(dens[-1]) * 4.0
        big = c > 1.0
        n[big] /= c[big]
        c[big] = 1.0
        nums.append(n)
        dens.append(c)
    est = _ratio(nums[-1], dens[-1])
    if np.isnan(est).any():
        tot = float(dens[-1].sum())
        est = np.where(np.isnan(est), float(nums[-1].sum()) / tot if tot > 0 else 0.0, est)
    for lvl in range(len(nums) - 2, -1, -1):
        hh, ww = nums[lvl].shape
        up = cv2.pyrUp(est.astype(np.float32), dstsize=(ww, hh))
        est = nums[lvl] + (1.0 - dens[lvl]) * up
    return est.astype(np.float32)


def _covered(den) -> bool:
    return bool((den > 0.999).all())


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 1e-8, num / np.where(den > 1e-8, den, 1.0), np.nan)


def range_refit(estimate, depth, *, valid=None, sigma_space=(1.2, 2.5),
                sigma_range: float = 0.05, ridge: float = 0.3, radius_factor: float = 2.0):
    """One range-weighted (robust) refit of a normalized-convolution estimate at depth edges.

    Where the samples in a pixel's window span more than ``2 * sigma_range`` of their
    minimum (a depth discontinuity or a slanted surface seen edge-on), the first-order fit of
    :func:`multiscale_normconv` mixes the layers. There the plane is fitted again with each
    sample's applicability multiplied by ``exp(-r^2 / (2 (sigma_range * e)^2))``, ``r`` its
    difference from the current estimate ``e``: one iteration of an iteratively reweighted
    (Welsch M-estimator) normalized convolution, so the layer the first estimate leans to
    wins instead of being averaged with the other. Elsewhere the estimate is returned as is.

    Parameters
    ----------
    estimate : (H, W) array
        Dense first estimate (e.g. from :func:`multiscale_normconv`), same units as depth.
    depth : (H, W) array
        The samples; invalid pixels are never read.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    sigma_space : float or (rows, columns)
        Spatial applicability in pixels.
    sigma_range : float
        Range scale relative to the estimate (0.05: 5 % of the depth).
    ridge : float
        Penalty on the plane's slope (px^2, relative to the total weight).
    radius_factor : float
        Window half-size in units of ``sigma_space``.

    Returns
    -------
    (H, W) float32: the estimate, refitted at the flagged pixels (samples untouched).

    References
    ----------
    .. [1] H. Knutsson and C.-F. Westin, "Normalized and differential convolution",
       CVPR 1993.
    .. [2] P. W. Holland and R. E. Welsch, "Robust regression using iteratively reweighted
       least-squares", Communications in Statistics 6(9), 1977.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    e = check_depth(estimate, "estimate")
    if e.shape != d.shape:
        raise InputError(f"estimate shape {e.shape} does not match depth shape {d.shape}")
    sy, sx = _sigma_pair(sigma_space)
    sr = check_positive(sigma_range, "sigma_range")
    ridge = check_positive(ridge, "ridge", allow_zero=True)
    rf = check_positive(radius_factor, "radius_factor")
    ry = max(1, int(math.ceil(rf * sy)))
    rx = max(1, int(math.ceil(rf * sx)))
    k = np.ones((2 * ry + 1, 2 * rx + 1), np.uint8)
    lo = cv2.erode(np.where(v, d, np.inf).astype(np.float32), k,
                   borderType=cv2.BORDER_CONSTANT, borderValue=np.inf)
    hi = cv2.dilate(np.where(v, d, -np.inf).astype(np.float32), k,
                    borderType=cv2.BORDER_CONSTANT, borderValue=-np.inf)
    with np.errstate(invalid="ignore", over="ignore"):
        flag = ~v & (hi - lo > 2.0 * sr * lo) & np.isfinite(e)
    ys, xs = np.nonzero(flag)
    out = np.array(e, np.float32, copy=True)
    dz = np.where(v, d, 0).astype(np.float32)
    # the samples row by row (CSR): a flagged pixel visits only the samples in its window
    sy_, sx_ = np.nonzero(v)
    row_ptr = np.searchsorted(sy_, np.arange(d.shape[0] + 1)).astype(np.int64)
    _range_refit(out, e.astype(np.float32), dz, row_ptr, sx_.astype(np.int64),
                 ys.astype(np.int64), xs.astype(np.int64), ry, rx, 1.0 / (sy * sy),
                 1.0 / (sx * sx), sr, ridge)
    return out


@nb.njit(cache=True, fastmath=True)
def _range_refit(out, est, d, row_ptr, cols, ys, xs, ry, rx, isy2, isx2, sr, ridge):
    h, w = d.shape
    wy = _gauss_taps(ry, isy2)
    wx = _gauss_taps(rx, isx2)
    for k in range(ys.size):
        y = ys[k]
        x = xs[k]
        ref = np.float64(est[y, x])
        isr = 1.0 / max((sr * ref) ** 2, 1e-30)
        s0 = s1 = su = sv = suu = suv = svv = sdu = sdv = 0.0
        for yy in range(max(0, y - ry), min(h, y + ry + 1)):
            a, b = row_ptr[yy], row_ptr[yy + 1]
            j = a + np.searchsorted(cols[a:b], x - rx)
            while j < b and cols[j] <= x + rx:
                xx = cols[j]
                j += 1
                dv = np.float64(d[yy, xx])
                r = dv - ref
                wt = wy[yy - y + ry] * wx[xx - x + rx] * math.exp(-0.5 * r * r * isr)
                u = np.float64(xx - x)
                q = np.float64(yy - y)
                s0 += wt
                s1 += wt * dv
                su += wt * u
                sv += wt * q
                suu += wt * u * u
                suv += wt * u * q
                svv += wt * q * q
                sdu += wt * dv * u
                sdv += wt * dv * q
        if s0 < 1e-6:
            continue
        a11 = suu + ridge * s0
        a22 = svv + ridge * s0
        m00 = a11 * a22 - suv * suv
        det = s0 * m00 - su * (su * a22 - suv * sv) + sv * (su * suv - a11 * sv)
        c0 = s1 / s0
        if abs(det) > 1e-9 * s0 * s0 * s0:
            c0 = (s1 * m00 - su * (sdu * a22 - suv * sdv) + sv * (sdu * suv - a11 * sdv)) / det
        out[y, x] = c0
