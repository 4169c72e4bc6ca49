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
confidence together with the signal, without learned weights); below the coarsest level an
order-0 push-pull (:mod:`._push_pull`) fills the rest. The optional range-weighted refit at
depth edges is in :mod:`._range_refit`, the shared plane solve in :mod:`._plane_fit`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numba as nb
import numpy as np

from .._validate import InputError, check_depth, check_guide, check_positive, check_valid
from ._fused_plane import _fused_plane
from ._plane_fit import _DET_EPS, _gauss_taps, _sigma_pair
from ._push_pull import push_pull_fill

__all__ = ["multiscale_normconv", "put_samples", "halve_sums"]

_MIN_SIDE_RADII = 4  # coarser levels stop below a side of this many radii (chosen by hand)


def multiscale_normconv(depth, guide=None, *, valid=None, confidence=None,
                        sigma_space=(1.5, 2.5), order: int = 1, ridge: float = 1.0,
                        sigma_color: float | None = None, tau: float = 0.2,
                        clamp: bool = True, radius_factor: float = 2.0, levels: int = 3,
                        coarse_order: int | None = None, sigma_range: float | None = None,
                        edge_spread: float = 0.05):
    """Dense estimate from sparse samples by multi-scale normalized convolution.

    Parameters
    ----------
    depth : (H, W) array
        Samples in any units (never rescaled); invalid pixels are never read.
    guide : (H, W[, C]) array, optional
        Color image steering level 0 when ``sigma_color`` is given (uint8, uint16 or
        float in [0, 1]; ``sigma_color`` in 8-bit steps).
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
        Color range of the cross-bilateral applicability, in 8-bit steps whatever the
        guide's dtype (Euclidean over channels); None disables color steering.
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
    sigma_range : float, optional
        Order 1 without color only; off by default. Relative range scale (0.05 = 5 % of
        the depth) of one range-weighted refit at level-0 pixels whose window spans a depth
        edge: there the plane is fitted again with each sample's applicability multiplied by
        ``exp(-r^2 / (2 (sigma_range e)^2))``, ``r`` its difference from the first estimate
        ``e`` (one iteration of an iteratively reweighted, Welsch M-estimator normalized
        convolution, Holland & Welsch), so the layer the estimate leans to wins instead of
        being averaged with the other.
    edge_spread : float
        With ``sigma_range``: a pixel is refitted where the applicability-weighted standard
        deviation of its window's samples exceeds ``edge_spread`` times their weighted mean
        (from one more moment of the same separable passes, so flagging is nearly free).

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
    .. [3] P. W. Holland and R. E. Welsch, "Robust regression using iteratively reweighted
       least-squares", Communications in Statistics 6(9), 1977.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    sy, sx = _sigma_pair(sigma_space)
    if sigma_range is not None:
        sr = check_positive(sigma_range, "sigma_range")
        espread = check_positive(edge_spread, "edge_spread", allow_zero=True)
        if order != 1 or sigma_color is not None or clamp:
            raise InputError("sigma_range needs order=1, clamp=False and no sigma_color")
    else:
        sr = espread = 0.0
    if order not in (0, 1):
        raise InputError(f"order must be 0 or 1, got {order!r}")
    ridge = check_positive(ridge, "ridge", allow_zero=True)
    tau = check_positive(tau, "tau")
    rf = check_positive(radius_factor, "radius_factor")
    if int(levels) != levels or levels < 0:
        raise InputError(f"levels must be an integer >= 0, got {levels!r}")
    levels = int(levels)
    dz, c, box = _prepare(d, v)  # value (0 off the samples), certainty, samples' box
    if confidence is not None:
        conf = np.asarray(confidence, np.float32)
        if conf.shape != d.shape:
            raise InputError(f"confidence shape {conf.shape} does not match depth shape "
                             f"{d.shape}")
        c = c * np.clip(np.nan_to_num(conf, nan=0.0), 0, None)
    if sigma_color is not None:
        if guide is None:
            raise InputError("sigma_color needs a guide: pass guide=(H, W[, C]) image")
        gd = check_guide(guide, d.shape)
        g = gd.uint8 if gd.uint8 is not None else gd.levels  # no float copy of a uint8 guide
        isc2 = 1.0 / check_positive(sigma_color, "sigma_color") ** 2
    else:
        g = None
        isc2 = 0.0
    ry = max(1, int(math.ceil(rf * sy)))
    rx = max(1, int(math.ceil(rf * sx)))
    corder = order if coarse_order is None else coarse_order
    if corder not in (0, 1):
        raise InputError(f"coarse_order must be 0 or 1, got {coarse_order!r}")
    binary = confidence is None  # c is the 0/1 mask and dz is 0 off it: c * dz == dz
    fit = _Fit(levels=levels, ry=ry, rx=rx, sy=sy, sx=sx, order=order, corder=corder,
               ridge=ridge, clamp=clamp, tau=tau, isc2=isc2, sr=sr, espread=espread,
               binary=binary)
    h, w = d.shape
    if binary:
        y0, y1, x0, x1 = box
        sl = (slice(max(0, y0 - ry), min(h, y1 + ry)), slice(max(0, x0 - rx), min(w, x1 + rx)))
    else:
        sl = _support_box(c, ry, rx)
    # box corners on the coarsest grid, so the pyramid bins the same pixels as uncropped
    a = 1 << levels
    sl = (slice(sl[0].start // a * a, min(h, -(-sl[0].stop // a) * a)),
          slice(sl[1].start // a * a, min(w, -(-sl[1].stop // a) * a)))
    if g is None and (sl[0].stop - sl[0].start < h or sl[1].stop - sl[1].start < w):
        # without color everything runs inside the samples' box grown by the window radius;
        # outside it each pixel takes the nearest box pixel's estimate (edge replication)
        sub, cert_c = _levels(np.ascontiguousarray(dz[sl]), np.ascontiguousarray(c[sl]), None,
                              fit)
        out = cv2.copyMakeBorder(sub, sl[0].start, h - sl[0].stop, sl[1].start,
                                 w - sl[1].stop, cv2.BORDER_REPLICATE)
        cert = np.zeros(d.shape, np.float32)
        cert[sl] = cert_c
        return out, cert
    return _levels(dz, c, g, fit)


@dataclass(frozen=True)
class _Fit:
    """The checked settings of one :func:`multiscale_normconv` call (radii in px, inverse
    squared sigmas ``isc2`` for colour, ``sr`` / ``espread`` for the range refit)."""

    levels: int
    ry: int
    rx: int
    sy: float
    sx: float
    order: int
    corder: int
    ridge: float
    clamp: bool
    tau: float
    isc2: float
    sr: float
    espread: float
    binary: bool


def _levels(dz, c, g, fit: _Fit):
    """The coarser levels, then level 0 where a sample is in reach."""
    ry, rx, sy, sx = fit.ry, fit.rx, fit.sy, fit.sx
    order, ridge, clamp, tau, isc2 = fit.order, fit.ridge, fit.clamp, fit.tau, fit.isc2
    # every level commutes with adding a constant to the samples (the relative refit takes
    # ``off`` back), so they run on the samples minus their mean: the float32 moments then
    # keep their precision whatever the depth's offset, and the result does not depend on
    # its units (#13)
    has = c > 0
    off = np.float32(np.mean(dz[has], dtype=np.float64)) if has.any() else np.float32(0.0)
    dz = np.where(has, dz - off, np.float32(0.0)).astype(np.float32)
    coarse = _coarse(dz if fit.binary else dz * c, c, fit)
    sl = _support_box(c, ry, rx)
    dzc, cc = dz[sl], c[sl]
    if isc2 > 0.0:
        ys, xs = np.nonzero(cc > 0)
        est, cert_c = _scatter_solve(dzc, cc, ys.astype(np.int64), xs.astype(np.int64), g[sl],
                                     np.ascontiguousarray(coarse[sl]), fit)
        return _paste(coarse, sl, est, cert_c, off)
    if order == 1 and not clamp:
        cert = np.zeros(dz.shape, np.float32)
        _fused_plane(dz, c, coarse, cert, _box(sl, dz.shape), ry, rx, 1.0 / (sy * sy),
                     1.0 / (sx * sx), ridge, tau, fit.sr, fit.espread, float(off))
        coarse += off
        return coarse, cert
    acc, lo, hi = _separable(dzc, cc, ry, rx, sy, sx, order, clamp, fit.binary)
    est, cert_c = _solve(acc, lo, hi, np.ascontiguousarray(coarse[sl]), order, ridge, clamp,
                         tau)
    return _paste(coarse, sl, est, cert_c, off)


def _paste(coarse, sl, est, cert_c, off):
    """Level 0's estimate and certainty on the support box ``sl`` pasted into the coarse
    estimate (in place) and a zero certainty map, the samples' mean ``off`` added back."""
    coarse[sl] = est
    coarse += off
    cert = np.zeros(coarse.shape, np.float32)
    cert[sl] = cert_c
    return coarse, cert


def _support_box(c, ry, rx):
    """Slices of the bounding box of ``c > 0`` grown by the window radius."""
    rows = np.flatnonzero(c.any(axis=1))
    cols = np.flatnonzero(c.any(axis=0))
    if rows.size == 0:
        return (slice(0, 0), slice(0, 0))
    h, w = c.shape
    return (slice(max(0, rows[0] - ry), min(h, rows[-1] + ry + 1)),
            slice(max(0, cols[0] - rx), min(w, cols[-1] + rx + 1)))


@nb.njit(cache=True)
def _prepare(d, v):
    """One pass over the image: the samples' values (0 elsewhere), their 0/1 certainty, and
    their bounding box (y0, y1, x0, x1), end-exclusive."""
    h, w = d.shape
    dz = np.zeros((h, w), np.float32)
    c = np.zeros((h, w), np.float32)
    y0, y1, x0, x1 = h, 0, w, 0
    for y in range(h):
        for x in range(w):
            if v[y, x]:
                dz[y, x] = d[y, x]
                c[y, x] = 1.0
                y0 = min(y0, y)
                y1 = y + 1
                x0 = min(x0, x)
                x1 = max(x1, x + 1)
    return dz, c, (y0, y1, x0, x1)


@nb.njit(cache=True)
def put_samples(out, d, v):
    """Put the input samples back unchanged, in place: ``out[v] = d[v]``.

    Parameters
    ----------
    out : (H, W) array
        Dense estimate, written in place.
    d : (H, W) array
        The samples.
    v : (H, W) bool
        Pixels whose sample is put back.
    """
    h, w = d.shape
    for y in range(h):
        for x in range(w):
            if v[y, x]:
                out[y, x] = d[y, x]


def _box(sl, shape):
    """(y0, y1, x0, x1) of a pair of slices from :func:`_support_box`."""
    ys, xs = sl
    return (ys.indices(shape[0])[0], ys.indices(shape[0])[1], xs.indices(shape[1])[0],
            xs.indices(shape[1])[1])


def _coarse(num, den, fit: _Fit):
    """Fallback for level 0: the same normalized convolution on 2x, 4x, ... coarser grids
    of pushed-down (certainty x value, certainty) sums (2 x 2 binning), each coarser level
    filling where the finer one lacks certainty; an order-0 push-pull below the coarsest
    (fitted with ``fit.corder``)."""
    ry, rx, sy, sx, order = fit.ry, fit.rx, fit.sy, fit.sx, fit.corder
    ridge, clamp, tau = fit.ridge, fit.clamp, fit.tau
    nums, dens, vals = [num], [den], [None]
    for _ in range(fit.levels):
        hh, ww = nums[-1].shape
        if min(hh, ww) < _MIN_SIDE_RADII * max(ry, rx):
            break
        n2, c2, z2 = halve_sums(nums[-1], dens[-1])
        nums.append(n2)
        dens.append(c2)
        vals.append(z2)
    out = push_pull_fill(nums[-1], dens[-1])
    for lvl in range(len(nums) - 1, 0, -1):
        c = dens[lvl]
        # the binned certainty is dense here (20-70 % of the cells on LiDAR-like input),
        # where the SIMD separable passes beat the fused kernel's scatter
        sl = _support_box(c, ry, rx)
        zc, cc, oc = (np.ascontiguousarray(a[sl]) for a in (vals[lvl], c, out))
        acc, lo, hi = _separable(zc, cc, ry, rx, sy, sx, order, clamp)
        out[sl] = _solve(acc, lo, hi, oc, order, ridge, clamp, tau)[0]
        hh, ww = nums[lvl - 1].shape
        out = cv2.resize(out, (ww, hh), interpolation=cv2.INTER_LINEAR)
    return out


@nb.njit(cache=True, fastmath=True)
def halve_sums(num, den):
    """One level down a certainty pyramid by 2 x 2 binning.

    Parameters
    ----------
    num : (H, W) float32
        Certainty-weighted values ``c * d``.
    den : (H, W) float32
        Certainties ``c``.

    Returns
    -------
    num2, den2 : (ceil(H / 2), ceil(W / 2)) float32
        Sums of ``num`` and ``den`` over each 2 x 2 block (a short last row / column sums
        what it has).
    value2 : (ceil(H / 2), ceil(W / 2)) float32
        The normalized value ``num2 / den2``, 0 where ``den2`` is 0.
    """
    h, w = num.shape
    h2 = (h + 1) // 2
    w2 = (w + 1) // 2
    n2 = np.zeros((h2, w2), np.float32)
    c2 = np.zeros((h2, w2), np.float32)
    z2 = np.zeros((h2, w2), np.float32)
    for y in range(h):
        yy = y // 2
        for x in range(w):
            n2[yy, x // 2] += num[y, x]
            c2[yy, x // 2] += den[y, x]
    for yy in range(h2):
        for xx in range(w2):
            if c2[yy, xx] > 0.0:
                z2[yy, xx] = n2[yy, xx] / c2[yy, xx]
    return n2, c2, z2


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


#: Output rows per band of :func:`_scatter_solve` (at least 8 window radii): the float64
#: moments exist for one band at a time, not for the frame (issue #16).
_BAND_ROWS = 128


def _scatter_solve(d, c, ys, xs, g, coarse, fit: _Fit):
    """:func:`_scatter` then :func:`_solve`, one band of output rows at a time.

    Each band gathers the samples whose window reaches it (``ys`` is sorted, as
    ``np.nonzero`` returns it) in the same order as a whole-frame scatter, so every pixel's
    moments are summed in the same order: the result is the whole-frame one, while the nine
    float64 moment planes (72 bytes per pixel) exist only for ``_BAND_ROWS`` rows.
    """
    h, w = d.shape
    out = np.empty((h, w), np.float32)
    cert = np.empty((h, w), np.float32)
    band = max(_BAND_ROWS, 8 * fit.ry)
    for y0 in range(0, h, band):
        y1 = min(h, y0 + band)
        k0 = int(np.searchsorted(ys, y0 - fit.ry, "left"))
        k1 = int(np.searchsorted(ys, y1 + fit.ry, "left"))
        acc, lo, hi = _scatter(d, c, ys[k0:k1], xs[k0:k1], g, fit.ry, fit.rx,
                               1.0 / (fit.sy * fit.sy), 1.0 / (fit.sx * fit.sx), fit.isc2,
                               fit.order, y0, y1)
        out[y0:y1], cert[y0:y1] = _solve(acc, lo, hi, coarse[y0:y1], fit.order, fit.ridge,
                                         fit.clamp, fit.tau)
    return out, cert


@nb.njit(cache=True, fastmath=True)
def _scatter(d, c, ys, xs, g, ry, rx, isy2, isx2, isc2, order, y0, y1):
    """The applicability-weighted moments of the samples (``ys``, ``xs``) on output rows
    ``y0`` .. ``y1 - 1``: (nacc, y1 - y0, W) float64, and the samples' min / max per pixel.

    The colour distance is float32 per channel from the guide's 8-bit levels (a uint8 guide
    is read as is)."""
    h, w = d.shape
    nacc = 9 if order == 1 else 2
    nch = g.shape[2]
    acc = np.zeros((nacc, y1 - y0, w), np.float64)
    lo = np.full((y1 - y0, w), np.inf, np.float32)
    hi = np.full((y1 - y0, w), -np.inf, np.float32)
    wy = _gauss_taps(ry, isy2).astype(np.float32)
    wx = _gauss_taps(rx, isx2).astype(np.float32)
    for k in range(ys.size):
        y = ys[k]
        x = xs[k]
        dv = d[y, x]
        ck = c[y, x]
        for iy in range(max(0, ry - y, y0 - y + ry), min(2 * ry + 1, h - y + ry, y1 - y + ry)):
            yy = y + iy - ry
            v = np.float32(ry - iy)  # sample row relative to the target pixel
            yy -= y0  # the band's row
            for ix in range(max(0, rx - x), min(2 * rx + 1, w - x + rx)):
                xx = x + ix - rx
                wt = ck * wy[iy] * wx[ix]
                if isc2 > 0.0:
                    s = np.float32(0.0)
                    for ch in range(nch):
                        t = np.float32(g[yy + y0, xx, ch]) - np.float32(g[y, x, ch])
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
                if abs(det) > _DET_EPS * s0 * s0 * s0:
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
