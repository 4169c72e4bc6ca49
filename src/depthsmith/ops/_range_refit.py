"""Range-weighted (robust) refit of a first-order normalized-convolution estimate.

At pixels whose window of samples spans a depth edge, the weighted local plane of
normalized convolution (H. Knutsson and C.-F. Westin, "Normalized and differential
convolution", CVPR 1993) is fitted again with each sample's applicability multiplied by a
Welsch range weight around the current estimate: one iteration of an iteratively reweighted
least-squares M-estimator (P. W. Holland and R. E. Welsch, "Robust regression using
iteratively reweighted least-squares", Communications in Statistics 6(9), 1977), so the
depth layer the estimate leans to wins instead of being averaged with the other.
"""

from __future__ import annotations

import math

import cv2
import numba as nb
import numpy as np

from .._validate import InputError, check_depth, check_positive, check_valid
from ._plane_fit import _gauss_taps, _plane0, _sigma_pair

__all__ = ["range_refit"]

_FLAG_SPAN = 2.0  # refit where window samples span > this * sigma_range * min (chosen by hand)


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
        flag = ~v & (hi - lo > _FLAG_SPAN * sr * lo) & np.isfinite(e)
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
    """:func:`_refit_pixel` at the flagged pixels ``(ys, xs)`` (row-major order, so the
    per-row cursors only move right within a row); ``d`` is 0 off the samples."""
    h = d.shape[0]
    wy = _gauss_taps(ry, isy2)
    wx = _gauss_taps(rx, isx2)
    c = np.ones(d.shape, np.float32)  # unit certainty: only the samples in cols are read
    ptr = np.empty(2 * ry + 1, np.int64)
    prev = -1
    for k in range(ys.size):
        y = ys[k]
        x = xs[k]
        if y != prev:
            for i in range(2 * ry + 1):
                ptr[i] = row_ptr[min(max(y - ry + i, 0), h)]
            prev = y
        out[y, x] = _refit_pixel(est[y, x], d, c, row_ptr, cols, ptr, y, x, ry, rx, wy, wx,
                                 sr, ridge, 0.0)


@nb.njit(cache=True, fastmath=True)
def _refit_pixel(ref, d, c, row_ptr, cols, ptr, y, x, ry, rx, wy, wx, sr, ridge, off):
    """One Welsch-weighted first-order fit at (y, x) around ``ref`` over the window's
    samples (row-wise CSR ``row_ptr``, ``cols`` of ``c > 0``); ``ref`` itself when they carry
    no weight. ``ptr[k]`` is a cursor into row ``y - ry + k``, advanced in place (the caller
    visits the pixels of a row left to right). ``d`` and ``ref`` may be centred on ``off``
    (the range scale is ``sr * (ref + off)``)."""
    h = d.shape[0]
    ref = np.float64(ref)
    isr = 1.0 / max((sr * (ref + off)) ** 2, 1e-30)
    s0 = s1 = su = sv = suu = suv = svv = sdu = sdv = 0.0
    for yy in range(max(0, y - ry), min(h, y + ry + 1)):
        q = np.float64(yy - y)
        wq = np.float64(wy[yy - y + ry])
        b = row_ptr[yy + 1]
        j = ptr[yy - y + ry]
        while j < b and cols[j] < x - rx:  # first sample at column >= x - rx
            j += 1
        ptr[yy - y + ry] = j
        while j < b and cols[j] <= x + rx:
            xx = cols[j]
            j += 1
            ck = c[yy, xx]
            dv = np.float64(d[yy, xx])
            r = dv - ref
            wt = ck * wq * wx[xx - x + rx] * math.exp(-0.5 * r * r * isr)
            u = np.float64(xx - x)
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
        return ref
    fit = _plane0(s0, su, sv, suu, suv, svv, s1, sdu, sdv, ridge)
    if s0 < 2e-6:  # blend in, so that rounding (other units) cannot jump it (#13)
        return ref + (s0 * 1e6 - 1.0) * (fit - ref)
    return fit
