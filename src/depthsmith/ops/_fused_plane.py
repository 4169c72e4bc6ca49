"""The fused order-1 level of :func:`~depthsmith.ops.multiscale_normconv` (no colour, no
clamp): separable normalized-convolution moments, the plane solve and the range refit in one
numba pass over the samples (Knutsson & Westin 1993; Holland & Welsch 1977 for the refit)."""

from __future__ import annotations

import numba as nb
import numpy as np

from ._plane_fit import _gauss_taps, _plane0
from ._range_refit import _refit_pixel

__all__: list[str] = []

#: Width of the ramp over which the range refit blends in above its flag threshold, as a
#: fraction of the threshold (on the window's weighted variance): the same pixels are
#: refitted as with a step, those just above it only partly.
FLAG_RAMP = 0.05


@nb.njit(cache=True, fastmath=True)
def _fused_plane(dz_full, c_full, out_full, cert_full, box, ry, rx, isy2, isx2, ridge, tau, sr,
                 spread, off):
    """In place on ``out_full`` (holding the coarser estimate) and ``cert_full``, inside
    ``box`` = (y0, y1, x0, x1): an order-1 level without color or clamp in one pass: the
    separable moments of :func:`_separable` (the horizontal pass scattered from the samples
    into a ring buffer of the rows under the window, the vertical pass row by row with rows
    holding no sample skipped), the solve of :func:`_solve`, and, with
    ``sr > 0``, the range-weighted refit of :func:`_refit_pixel` where the window's weighted
    sample standard deviation exceeds ``spread`` times its weighted mean (blended in over
    :data:`FLAG_RAMP`). The caller centres the depth: ``dz_full`` and ``out_full`` hold the
    depth minus ``off``, so float32 moments keep their precision in any units (#13); the
    relative flag and refit scales use the uncentred values."""
    y0, y1, x0, x1 = box
    dz = dz_full[y0:y1, x0:x1]
    c = c_full[y0:y1, x0:x1]
    out = out_full[y0:y1, x0:x1]
    cert = cert_full[y0:y1, x0:x1]
    h = y1 - y0
    w = x1 - x0
    # float64 moments: the range refit is steep in the first estimate, so float32 sums
    # made its result depend on the depth's units by up to 1e-3 of its range (#13)
    gy = _gauss_taps(ry, isy2)
    gx = _gauss_taps(rx, isx2)
    nh = 6 if sr > 0.0 else 5
    # the samples row by row (CSR): the horizontal pass and the refit visit only them
    row_ptr = np.zeros(h + 1, np.int64)
    for y in range(h):
        n = 0
        for x in range(w):
            if c[y, x] > 0.0:
                n += 1
        row_ptr[y + 1] = row_ptr[y] + n
    cols = np.empty(row_ptr[h], np.int64)
    for y in range(h):
        k = row_ptr[y]
        for x in range(w):
            if c[y, x] > 0.0:
                cols[k] = x
                k += 1
    # horizontal moments of the 2 ry + 1 rows under the window, in a ring buffer:
    # c g t^{0,1,2}, c d g t^{0,1}[, c d^2 g] with t the sample column relative to the target
    nr = 2 * ry + 1
    hm = np.zeros((nr, nh, w), np.float64)
    a = np.empty((nh + 4, w), np.float64)
    sp2 = spread * spread
    ptr = np.empty(nr, np.int64)
    done = 0  # rows [0, done) have had their horizontal pass
    for y in range(h):
        while done < min(h, y + ry + 1):
            hr = hm[done % nr]
            hr[:] = 0.0
            for j in range(row_ptr[done], row_ptr[done + 1]):
                x = cols[j]
                ck = c[done, x]
                dv = dz[done, x]
                for xx in range(max(0, x - rx), min(w, x + rx + 1)):
                    t = np.float64(x - xx)
                    wt = ck * gx[xx - x + rx]
                    wtt = wt * t
                    hr[0, xx] += wt
                    hr[1, xx] += wtt
                    hr[2, xx] += wtt * t
                    hr[3, xx] += wt * dv
                    hr[4, xx] += wtt * dv
                    if nh == 6:
                        hr[5, xx] += wt * dv * dv
            done += 1
        a[:] = 0.0
        for k in range(nr):
            ptr[k] = row_ptr[min(max(y - ry + k, 0), h)]
        a0, a1, a2, a3, a4, a5, a6, a7, a8, a9 = (a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                                                  a[7], a[8], a[nh + 3])
        # rows y + q and y - q together (the Gaussian taps are even, the moments' q, q^2
        # factors odd / even): half the accumulator traffic where both hold samples
        for q in range(ry + 1):
            yp = y + q
            ym = y - q
            okp = yp < h and row_ptr[yp + 1] > row_ptr[yp]
            okm = q > 0 and ym >= 0 and row_ptr[ym + 1] > row_ptr[ym]
            g0 = gy[q + ry]
            g1 = g0 * np.float64(q)
            g2 = g1 * np.float64(q)
            if okp and okm:
                p = hm[yp % nr]
                m = hm[ym % nr]
                p0, p1, p2, p3, p4 = p[0], p[1], p[2], p[3], p[4]
                m0, m1, m2, m3, m4 = m[0], m[1], m[2], m[3], m[4]
                for x in range(w):
                    s0 = p0[x] + m0[x]
                    s1 = p1[x] + m1[x]
                    s3 = p3[x] + m3[x]
                    a0[x] += g0 * s0
                    a1[x] += g0 * s3
                    a2[x] += g0 * s1
                    a3[x] += g1 * (p0[x] - m0[x])
                    a4[x] += g0 * (p2[x] + m2[x])
                    a5[x] += g1 * (p1[x] - m1[x])
                    a6[x] += g2 * s0
                    a7[x] += g0 * (p4[x] + m4[x])
                    a8[x] += g1 * (p3[x] - m3[x])
                if nh == 6:
                    p5 = p[5]
                    m5 = m[5]
                    for x in range(w):
                        a9[x] += g0 * (p5[x] + m5[x])
                continue
            if okp:
                hr = hm[yp % nr]
            elif okm:
                hr = hm[ym % nr]
                g1 = -g1
            else:
                continue
            h0, h1, h2, h3, h4 = hr[0], hr[1], hr[2], hr[3], hr[4]
            for x in range(w):
                a0[x] += g0 * h0[x]
                a1[x] += g0 * h3[x]
                a2[x] += g0 * h1[x]
                a3[x] += g1 * h0[x]
                a4[x] += g0 * h2[x]
                a5[x] += g1 * h1[x]
                a6[x] += g2 * h0[x]
                a7[x] += g0 * h4[x]
                a8[x] += g1 * h3[x]
            if nh == 6:
                h5 = hr[5]
                for x in range(w):
                    a9[x] += g0 * h5[x]
        for x in range(w):
            s0 = np.float64(a[0, x])
            if s0 <= 1e-6:
                continue  # out keeps the coarser estimate
            cert[y, x] = s0
            b0 = np.float64(a[1, x])
            c0 = _plane0(s0, a[2, x], a[3, x], a[4, x], a[5, x], a[6, x], b0, a[7, x],
                         a[8, x], ridge)
            al = min(s0 / tau, 1.0)
            e = al * c0 + (1.0 - al) * out[y, x]
            if nh == 6:
                # the refit blends in over a ramp above the flag threshold instead of a
                # step, so that rounding (other units) cannot switch it on or off (#13)
                mu = b0 / s0
                lim = sp2 * (mu + off) * (mu + off)  # relative to the uncentred mean
                wr = ((a[9, x] / s0 - mu * mu) - lim) / (FLAG_RAMP * lim + 1e-300)
                if wr > 0.0:
                    r = _refit_pixel(e, dz, c, row_ptr, cols, ptr, y, x, ry, rx, gy, gx,
                                     sr, ridge, off)
                    e = e + min(wr, 1.0) * (r - e)
            out[y, x] = e
