"""Fast guided filter: the guided filter's linear coefficients computed on a subsampled grid."""

from __future__ import annotations

import cv2
import numba as nb
import numpy as np

from .._validate import InputError, check_depth, check_guide, check_positive

__all__ = ["fast_guided_filter", "fast_guided_upsample"]


def fast_guided_filter(depth, guide, *, radius: int = 8, eps: float = 100.0,
                       subsample: int = 2, planar: bool = False) -> np.ndarray:
    """Guided filter [1]_ with its coefficients fitted on a ``subsample``-times smaller grid.

    The local affine model ``q = a . I + b`` of the guided filter is fitted (ridge ``eps``)
    in every ``(2 r' + 1)^2`` window of the area-downsampled guide and depth, with
    ``r' = max(1, round(radius / subsample))``; the window-averaged coefficient maps are
    bilinearly upsampled and applied to the full-resolution guide [2]_. The edges of the
    output therefore still follow the full-resolution guide, at about ``1 / subsample^2``
    of the box-filter work. ``subsample=1`` is the exact guided filter (reflected borders).

    With ``planar=True`` the pixel coordinates join the guide as two unregularised
    regressors (``q = a . I + c_y y + c_x x + b``), so a planar (or constant) depth is
    reproduced exactly, whatever the guide, where the plain guided filter bends ramps
    that correlate with the guide's texture.

    Parameters
    ----------
    depth : (H, W) array       depth in any units (never rescaled); must be finite
    guide : (H, W[, 3]) array  gray or color guide: uint8, uint16 or float in [0, 1]
    radius : int               window half-width in full-resolution pixels
    eps : float                ridge regularisation of the guide coefficients, in squared
                               8-bit steps
    subsample : int            grid reduction factor of the coefficient fit
    planar : bool              add the pixel coordinates as regressors (plane-exact)

    Returns
    -------
    (H, W) float32 array.

    References
    ----------
    .. [1] K. He, J. Sun and X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    .. [2] K. He and J. Sun, "Fast guided filter", arXiv:1505.00996, 2015.
    """
    p = check_depth(depth, allow_nonfinite=False)
    g = check_guide(guide, p.shape).levels
    if int(radius) != radius or radius < 1:
        raise InputError(f"radius must be an integer >= 1, got {radius!r}")
    if int(subsample) != subsample or subsample < 1:
        raise InputError(f"subsample must be an integer >= 1, got {subsample!r}")
    e = check_positive(eps, "eps")
    H, W = p.shape
    nc = g.shape[2]
    if nc == 3 and not planar:
        return _fgf_color(p, g, int(radius), e, int(subsample))
    if planar:
        return _fgf_planar(p, g, int(radius), e, int(subsample))
    x_full = g
    if planar:
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        x_full = np.concatenate([g, yy[:, :, None], xx[:, :, None]], axis=2)
    s = int(subsample)
    h, w = max(1, H // s), max(1, W // s)
    # float32 is enough for the color-only filter; coordinates need float64 moments
    ft = np.float64 if planar else np.float32
    if (h, w) != (H, W):
        xs = _resize(x_full, (h, w), cv2.INTER_AREA, ft)
        ps = cv2.resize(p, (w, h), interpolation=cv2.INTER_AREA).astype(ft)
    else:
        xs, ps = x_full.astype(ft), p.astype(ft)
    r = max(1, int(round(radius / s)))
    k = xs.shape[2]
    # centre values so the moments keep their precision
    pm = float(ps.mean())
    xm = xs.reshape(-1, k).mean(0)
    xs = (xs - xm).astype(ft)
    ps = (ps - pm).astype(ft)

    def box(a):
        return cv2.boxFilter(a, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)

    mx = np.stack([box(np.ascontiguousarray(xs[:, :, c])) for c in range(k)], axis=-1)
    mp = box(ps)
    cxp = np.stack([box(xs[:, :, c] * ps) for c in range(k)], axis=-1) - mx * mp[..., None]
    cov = np.empty((h, w, k, k), ft)
    for c in range(k):
        for d in range(c, k):
            v = box(xs[:, :, c] * xs[:, :, d]) - mx[:, :, c] * mx[:, :, d]
            cov[:, :, c, d] = v
            cov[:, :, d, c] = v
    for c in range(nc):
        cov[:, :, c, c] += e
    if planar:
        # coordinate regressors are unregularised; a tiny jitter keeps 1-px-wide windows safe
        for c in range(nc, k):
            cov[:, :, c, c] += 1e-9
    if k == 3:
        a = _solve3(cov, cxp)
    else:
        a = np.linalg.solve(cov.astype(np.float64), cxp[..., None].astype(np.float64))[..., 0]
    b = mp - np.einsum("hwk,hwk->hw", a, mx)
    coef = np.concatenate([a, b[..., None]], axis=-1)
    coef = np.stack([box(np.ascontiguousarray(coef[:, :, c])) for c in range(k + 1)],
                    axis=-1)
    if (h, w) != (H, W):
        coef = _resize(coef, (H, W), cv2.INTER_LINEAR, ft)
    q = coef[:, :, k] + pm
    for c in range(k):
        q = q + coef[:, :, c] * (x_full[:, :, c] - xm[c])
    return q.astype(np.float32)


def _solve3(cov, rhs):
    """Per-pixel solve of symmetric 3x3 systems by cofactors (vectorised)."""
    s00, s01, s02 = cov[..., 0, 0], cov[..., 0, 1], cov[..., 0, 2]
    s11, s12, s22 = cov[..., 1, 1], cov[..., 1, 2], cov[..., 2, 2]
    i00 = s11 * s22 - s12 * s12
    i01 = s02 * s12 - s01 * s22
    i02 = s01 * s12 - s02 * s11
    i11 = s00 * s22 - s02 * s02
    i12 = s01 * s02 - s00 * s12
    i22 = s00 * s11 - s01 * s01
    det = s00 * i00 + s01 * i01 + s02 * i02
    c0, c1, c2 = rhs[..., 0], rhs[..., 1], rhs[..., 2]
    return np.stack([(i00 * c0 + i01 * c1 + i02 * c2) / det,
                     (i01 * c0 + i11 * c1 + i12 * c2) / det,
                     (i02 * c0 + i12 * c1 + i22 * c2) / det], axis=-1)


def _resize(a, size, interp, dtype):
    """cv2.resize of an (h, w, K) stack of any K, 4 planes at a time."""
    H, W = size
    out = np.empty((H, W, a.shape[2]), dtype)
    for i in range(0, a.shape[2], 4):
        part = np.ascontiguousarray(a[:, :, i:i + 4], dtype)
        out[:, :, i:i + 4] = cv2.resize(part, (W, H), interpolation=interp).reshape(H, W, -1)
    return out


def _fgf_color(p, g, radius, eps, s):
    """Fused color fast guided filter: numba moments/solves, cv2 box filters."""
    H, W = p.shape
    h, w = max(1, H // s), max(1, W // s)
    if (h, w) != (H, W):
        gs = cv2.resize(g, (w, h), interpolation=cv2.INTER_AREA)
        ps = cv2.resize(p, (w, h), interpolation=cv2.INTER_AREA)
    else:
        gs, ps = g, p
    return _fgf_color_low(ps, gs, g, max(1, int(round(radius / s))), eps)


def fast_guided_upsample(depth_low, guide_low, guide, *, radius: int = 2,
                         eps: float = 1.0) -> np.ndarray:
    """Guided-filter coefficients fitted at low resolution, applied to the full-res guide.

    The joint-upsampling form of the fast guided filter [1]_: the affine model
    ``q = a . I + b`` is fitted in the ``(2 radius + 1)^2`` windows of the low-res pair
    (``depth_low``, ``guide_low``), the window-averaged coefficient maps are bilinearly
    upsampled (``cv2.resize`` convention) and applied to ``guide``, so the output's edges
    follow the full-resolution guide.

    Parameters
    ----------
    depth_low : (h, w) array        low-res depth, any units, finite
    guide_low : (h, w, 3) array     the guide at the depth's resolution (e.g. INTER_AREA)
    guide : (H, W, 3) array         full-resolution guide (uint8, uint16 or float in [0, 1])
    radius : int                    window half-width in low-res pixels
    eps : float                     ridge regularisation in squared 8-bit steps

    Returns
    -------
    (H, W) float32 array.

    References
    ----------
    .. [1] K. He and J. Sun, "Fast guided filter", arXiv:1505.00996, 2015.
    """
    p = check_depth(depth_low, "depth_low", allow_nonfinite=False)
    gl = check_guide(guide_low, p.shape, "guide_low", channels=(3,)).levels
    g = check_guide(guide, None, "guide", channels=(3,)).levels
    if int(radius) != radius or radius < 1:
        raise InputError(f"radius must be an integer >= 1, got {radius!r}")
    return _fgf_color_low(p, gl, g, int(radius), check_positive(eps, "eps"))


def _fgf_color_low(ps, gs, g, r, eps):
    H, W = g.shape[:2]
    # float64 moments: the window covariances are small differences of large means, and in
    # float32 their rounding moved the output by 1e-5 of its range between units (#13)
    gm = gs.reshape(-1, 3).mean(0, dtype=np.float64)
    pm = np.float64(ps.mean(dtype=np.float64))
    planes = _moments(np.ascontiguousarray(gs, np.float32), np.ascontiguousarray(ps,
                      np.float32), gm, pm)
    k = (2 * r + 1, 2 * r + 1)
    for i in range(planes.shape[0]):
        cv2.blur(planes[i], k, dst=planes[i], borderType=cv2.BORDER_REFLECT)
    coef = _coefficients(planes, np.float64(eps))
    for i in range(coef.shape[0]):
        cv2.blur(coef[i], k, dst=coef[i], borderType=cv2.BORDER_REFLECT)
    return _apply(coef, g, gm, pm, H, W)


@nb.njit(cache=True)
def _moments(g, p, gm, pm):
    h, w = p.shape
    out = np.empty((13, h, w), np.float64)
    for y in range(h):
        for x in range(w):
            i0 = g[y, x, 0] - gm[0]
            i1 = g[y, x, 1] - gm[1]
            i2 = g[y, x, 2] - gm[2]
            q = p[y, x] - pm
            out[0, y, x] = i0
            out[1, y, x] = i1
            out[2, y, x] = i2
            out[3, y, x] = q
            out[4, y, x] = i0 * q
            out[5, y, x] = i1 * q
            out[6, y, x] = i2 * q
            out[7, y, x] = i0 * i0
            out[8, y, x] = i0 * i1
            out[9, y, x] = i0 * i2
            out[10, y, x] = i1 * i1
            out[11, y, x] = i1 * i2
            out[12, y, x] = i2 * i2
    return out


@nb.njit(cache=True)
def _coefficients(m, eps):
    h, w = m.shape[1], m.shape[2]
    out = np.empty((4, h, w), np.float64)
    for y in range(h):
        for x in range(w):
            m0 = np.float64(m[0, y, x])
            m1 = np.float64(m[1, y, x])
            m2 = np.float64(m[2, y, x])
            mp = np.float64(m[3, y, x])
            c0 = m[4, y, x] - m0 * mp
            c1 = m[5, y, x] - m1 * mp
            c2 = m[6, y, x] - m2 * mp
            s00 = m[7, y, x] - m0 * m0 + eps
            s01 = m[8, y, x] - m0 * m1
            s02 = m[9, y, x] - m0 * m2
            s11 = m[10, y, x] - m1 * m1 + eps
            s12 = m[11, y, x] - m1 * m2
            s22 = m[12, y, x] - m2 * m2 + eps
            i00 = s11 * s22 - s12 * s12
            i01 = s02 * s12 - s01 * s22
            i02 = s01 * s12 - s02 * s11
            i11 = s00 * s22 - s02 * s02
            i12 = s01 * s02 - s00 * s12
            i22 = s00 * s11 - s01 * s01
            det = s00 * i00 + s01 * i01 + s02 * i02
            a0 = (i00 * c0 + i01 * c1 + i02 * c2) / det
            a1 = (i01 * c0 + i11 * c1 + i12 * c2) / det
            a2 = (i02 * c0 + i12 * c1 + i22 * c2) / det
            out[0, y, x] = a0
            out[1, y, x] = a1
            out[2, y, x] = a2
            out[3, y, x] = mp - a0 * m0 - a1 * m1 - a2 * m2
    return out


@nb.njit(cache=True, inline="always")
def _tap(i, scale, n):
    """The two source indices (clamped) and the weight of the second for output index ``i``
    under cv2.resize's bilinear convention (pixel centres, ``scale`` = source / output)."""
    f = (i + 0.5) * scale - 0.5
    i0 = int(np.floor(f))
    return min(max(i0, 0), n - 1), min(max(i0 + 1, 0), n - 1), f - i0


@nb.njit(cache=True)
def _apply(coef, g, gm, pm, H, W):
    """Bilinear upsampling of the coefficient maps (cv2.resize convention) and q = a.I + b."""
    h, w = coef.shape[1], coef.shape[2]
    sy = h / H
    sx = w / W
    out = np.empty((H, W), np.float32)
    for y in range(H):
        ya, yb, ty = _tap(y, sy, h)
        for x in range(W):
            xa, xb, tx = _tap(x, sx, w)
            acc = pm
            for c in range(4):
                v = ((1 - ty) * ((1 - tx) * coef[c, ya, xa] + tx * coef[c, ya, xb])
                     + ty * ((1 - tx) * coef[c, yb, xa] + tx * coef[c, yb, xb]))
                if c < 3:
                    acc += v * (g[y, x, c] - gm[c])
                else:
                    acc += v
            out[y, x] = acc
    return out


def _fgf_planar(p, g, radius, eps, s):
    """Guided filter on the regressors (guide channels, y, x): numba moments and solves."""
    H, W = p.shape
    nc = g.shape[2]
    h, w = max(1, H // s), max(1, W // s)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    if (h, w) != (H, W):
        gs = cv2.resize(g, (w, h), interpolation=cv2.INTER_AREA).reshape(h, w, nc)
        ps = cv2.resize(p, (w, h), interpolation=cv2.INTER_AREA)
        ys = cv2.resize(yy, (w, h), interpolation=cv2.INTER_AREA)
        xs = cv2.resize(xx, (w, h), interpolation=cv2.INTER_AREA)
    else:
        gs, ps, ys, xs = g, p, yy, xx
    X = np.concatenate([gs.reshape(h, w, nc), ys[:, :, None], xs[:, :, None]],
                       axis=2).astype(np.float64)
    xm = X.reshape(-1, nc + 2).mean(0)
    pm = float(ps.mean())
    r = max(1, int(round(radius / s)))
    k = (2 * r + 1, 2 * r + 1)
    planes = _moments_k(X - xm, ps.astype(np.float64) - pm)
    for i in range(planes.shape[0]):
        cv2.blur(planes[i], k, dst=planes[i], borderType=cv2.BORDER_REFLECT)
    ridge = np.zeros(nc + 2)
    ridge[:nc] = eps
    ridge[nc:] = 1e-9
    coef = _coefficients_k(planes, nc + 2, ridge)
    for i in range(coef.shape[0]):
        cv2.blur(coef[i], k, dst=coef[i], borderType=cv2.BORDER_REFLECT)
    return _apply_k(coef, np.ascontiguousarray(g, np.float32), xm, pm, H, W)


@nb.njit(cache=True)
def _moments_k(X, p):
    """Planes: X_k (K), p, X_k p (K), X_k X_l for k <= l (K(K+1)/2)."""
    h, w, K = X.shape
    n = 2 * K + 1 + K * (K + 1) // 2
    out = np.empty((n, h, w))
    for y in range(h):
        for x in range(w):
            q = p[y, x]
            out[K, y, x] = q
            t = 2 * K + 1
            for a in range(K):
                va = X[y, x, a]
                out[a, y, x] = va
                out[K + 1 + a, y, x] = va * q
                for b in range(a, K):
                    out[t, y, x] = va * X[y, x, b]
                    t += 1
    return out


@nb.njit(cache=True)
def _coefficients_k(m, K, ridge):
    h, w = m.shape[1], m.shape[2]
    out = np.empty((K + 1, h, w))
    A = np.empty((K, K))
    rhs = np.empty(K)
    for y in range(h):
        for x in range(w):
            mp = m[K, y, x]
            t = 2 * K + 1
            for a in range(K):
                rhs[a] = m[K + 1 + a, y, x] - m[a, y, x] * mp
                for b in range(a, K):
                    v = m[t, y, x] - m[a, y, x] * m[b, y, x]
                    A[a, b] = v
                    A[b, a] = v
                    t += 1
                A[a, a] += ridge[a]
            # Gaussian elimination with partial pivoting (K is 3 to 5)
            for c in range(K):
                piv = c
                for r_ in range(c + 1, K):
                    if abs(A[r_, c]) > abs(A[piv, c]):
                        piv = r_
                if piv != c:
                    for b in range(K):
                        A[c, b], A[piv, b] = A[piv, b], A[c, b]
                    rhs[c], rhs[piv] = rhs[piv], rhs[c]
                d = A[c, c]
                if d == 0.0:
                    d = 1e-300
                for r_ in range(c + 1, K):
                    f = A[r_, c] / d
                    if f != 0.0:
                        for b in range(c, K):
                            A[r_, b] -= f * A[c, b]
                        rhs[r_] -= f * rhs[c]
            bsum = mp
            for c in range(K - 1, -1, -1):
                acc = rhs[c]
                for b in range(c + 1, K):
                    acc -= A[c, b] * out[b, y, x]
                d = A[c, c]
                out[c, y, x] = acc / (d if d != 0.0 else 1e-300)
            for c in range(K):
                bsum -= out[c, y, x] * m[c, y, x]
            out[K, y, x] = bsum
    return out


@nb.njit(cache=True)
def _apply_k(coef, g, xm, pm, H, W):
    """Bilinear coefficient maps (cv2 convention) applied to (guide, y, x) at full res."""
    K = coef.shape[0] - 1
    nc = g.shape[2]
    h, w = coef.shape[1], coef.shape[2]
    sy = h / H
    sx = w / W
    out = np.empty((H, W), np.float32)
    for y in range(H):
        ya, yb, ty = _tap(y, sy, h)
        for x in range(W):
            xa, xb, tx = _tap(x, sx, w)
            acc = pm
            for c in range(K + 1):
                v = ((1 - ty) * ((1 - tx) * coef[c, ya, xa] + tx * coef[c, ya, xb])
                     + ty * ((1 - tx) * coef[c, yb, xa] + tx * coef[c, yb, xb]))
                if c < nc:
                    acc += v * (g[y, x, c] - xm[c])
                elif c == nc:
                    acc += v * (y - xm[c])
                elif c == nc + 1:
                    acc += v * (x - xm[c])
                else:
                    acc += v
            out[y, x] = acc
    return out
