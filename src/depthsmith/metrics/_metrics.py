"""Implementation of the metrics (see the package docstring for the masking rules)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._validate import InputError, check_depth, check_int, check_positive

__all__ = [
    "METRICS", "evaluate", "rmse", "mae", "absrel", "sqrel", "mape", "log10", "irmse", "imae",
    "delta", "bad", "ssim", "psnr", "edge_band",
]


def _as64(a, name):
    a = np.asarray(a)
    if a.dtype == np.float64 and a.ndim == 2:
        return a
    return check_depth(a, name).astype(np.float64)


def _pair(pred, gt, valid):
    p = _as64(pred, "pred")
    g = _as64(gt, "gt")
    if p.shape != g.shape:
        raise InputError(f"pred shape {p.shape} does not match gt shape {g.shape}")
    with np.errstate(invalid="ignore"):
        m = np.isfinite(g) & (g > 0) if valid is None else np.asarray(valid, bool).copy()
    if m.shape != g.shape:
        raise InputError(f"valid shape {m.shape} does not match gt shape {g.shape}")
    m &= np.isfinite(g)
    if not m.any():
        raise InputError("valid: no pixel to score (mask empty or ground truth all invalid)")
    if not np.isfinite(p[m]).all():
        n = int((~np.isfinite(p[m])).sum())
        raise InputError(f"pred has {n} NaN/inf values on scored pixels: fill them first")
    return p, g, m


def rmse(pred, gt, *, valid=None) -> float:
    """Root mean squared error over the scored pixels, in the depth's units."""
    p, g, m = _pair(pred, gt, valid)
    return float(np.sqrt(np.mean((p[m] - g[m]) ** 2)))


def mae(pred, gt, *, valid=None) -> float:
    """Mean absolute error over the scored pixels, in the depth's units."""
    p, g, m = _pair(pred, gt, valid)
    return float(np.mean(np.abs(p[m] - g[m])))


def _positive(p, g, m):
    m = m & (g > 0)
    if not m.any():
        raise InputError("gt: relative metrics need positive ground truth on scored pixels")
    return m


def absrel(pred, gt, *, valid=None) -> float:
    """Mean absolute relative error mean(|p - g| / g) (Eigen et al., 2014)."""
    p, g, m = _pair(pred, gt, valid)
    m = _positive(p, g, m)
    return float(np.mean(np.abs(p[m] - g[m]) / g[m]))


def sqrel(pred, gt, *, valid=None) -> float:
    """Mean squared relative error mean((p - g)^2 / g) (Eigen et al., 2014)."""
    p, g, m = _pair(pred, gt, valid)
    m = _positive(p, g, m)
    return float(np.mean((p[m] - g[m]) ** 2 / g[m]))


def mape(pred, gt, *, valid=None) -> float:
    """Mean absolute percentage error, 100 * absrel, in %."""
    return 100.0 * absrel(pred, gt, valid=valid)


_EPS = 1e-9


def log10(pred, gt, *, valid=None) -> float:
    """Mean |log10 p - log10 g|; predictions <= 0 are clipped to 1e-9 units."""
    p, g, m = _pair(pred, gt, valid)
    m = _positive(p, g, m)
    return float(np.mean(np.abs(np.log10(np.maximum(p[m], _EPS)) - np.log10(g[m]))))


def _inverse(x, unit):
    unit = check_positive(unit, "inverse_unit")
    # a prediction <= 0 counts as 0 units, whose inverse is taken as 0 (no depth => "infinitely
    # far"), following the KITTI devkit's treatment of missing predictions
    with np.errstate(divide="ignore"):
        return np.where(x > 0, unit / np.where(x > 0, x, 1.0), 0.0)


def irmse(pred, gt, *, valid=None, inverse_unit: float = 1.0) -> float:
    """RMSE of inverse depth, ``inverse_unit / depth``.

    With depth in metres, ``inverse_unit=1000`` gives the KITTI figure in 1/km.
    """
    p, g, m = _pair(pred, gt, valid)
    m = _positive(p, g, m)
    return float(np.sqrt(np.mean((_inverse(p[m], inverse_unit)
                                  - _inverse(g[m], inverse_unit)) ** 2)))


def imae(pred, gt, *, valid=None, inverse_unit: float = 1.0) -> float:
    """MAE of inverse depth (see ``irmse`` for ``inverse_unit``)."""
    p, g, m = _pair(pred, gt, valid)
    m = _positive(p, g, m)
    return float(np.mean(np.abs(_inverse(p[m], inverse_unit) - _inverse(g[m], inverse_unit))))


def delta(pred, gt, *, valid=None, k: int = 1, base: float = 1.25) -> float:
    """Fraction (0-1) of pixels with max(p/g, g/p) < base**k (Ladicky et al., 2014)."""
    p, g, m = _pair(pred, gt, valid)
    m = _positive(p, g, m)
    pp = np.maximum(p[m], _EPS)
    ratio = np.maximum(pp / g[m], g[m] / pp)
    return float(np.mean(ratio < base ** k))


def bad(pred, gt, *, valid=None, threshold: float = 1.0) -> float:
    """Bad-pixel rate in %: share of |p - g| > ``threshold`` (Middlebury's bad-N)."""
    p, g, m = _pair(pred, gt, valid)
    return float(100.0 * np.mean(np.abs(p[m] - g[m]) > threshold))


def _data_range(g, m, data_range):
    if data_range is not None:
        return float(data_range)
    r = float(g[m].max() - g[m].min())
    return r if r > 0 else 1.0


def psnr(pred, gt, *, valid=None, data_range=None) -> float:
    """Peak signal-to-noise ratio in dB, ``10 log10(range^2 / MSE)``.

    ``data_range`` defaults to the ground truth's max - min over the scored pixels.
    Identical maps give ``inf``.
    """
    p, g, m = _pair(pred, gt, valid)
    mse = float(np.mean((p[m] - g[m]) ** 2))
    r = _data_range(g, m, data_range)
    return float("inf") if mse == 0 else float(10.0 * np.log10(r * r / mse))


def ssim(pred, gt, *, valid=None, data_range=None, sigma: float = 1.5) -> float:
    """Structural similarity (Wang et al., 2004) with a Gaussian window, masked.

    Local statistics are normalized convolutions over scored pixels only (invalid pixels
    never enter a window), and the SSIM map is averaged over scored pixels at least
    ``(win - 1) / 2`` px from the border, ``win = 2 * int(3.5 * sigma + 0.5) + 1``. With a
    full mask this equals ``skimage.metrics.structural_similarity(..., gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False)``.

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment:
       from error visibility to structural similarity", IEEE TIP 13(4), 2004.
    """
    p, g, m = _pair(pred, gt, valid)
    r = _data_range(g, m, data_range)
    c1, c2 = (0.01 * r) ** 2, (0.03 * r) ** 2
    w = m.astype(np.float64)
    x, y = np.where(m, p, 0.0), np.where(m, g, 0.0)

    def filt(a):
        return ndimage.gaussian_filter(a, sigma, mode="reflect", truncate=3.5)

    nw = filt(w)
    ok = nw > 1e-6
    den = np.where(ok, nw, 1.0)
    mx, my = filt(x * w) / den, filt(y * w) / den
    vx = filt(x * x * w) / den - mx * mx
    vy = filt(y * y * w) / den - my * my
    cxy = filt(x * y * w) / den - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    pad = int(3.5 * sigma + 0.5)
    inner = np.zeros_like(m)
    inner[pad:m.shape[0] - pad, pad:m.shape[1] - pad] = True
    sel = m & ok & inner
    if not sel.any():
        sel = m & ok
    return float(np.mean(s[sel]))


def edge_band(gt, *, valid=None, radius: int = 3, jump: float = 1.0) -> np.ndarray:
    """Boolean mask of valid pixels within ``radius`` px of a ground-truth discontinuity.

    A discontinuity is a pair of valid 4-neighbours whose values differ by more than
    ``jump`` (in the depth's units); both pixels of the pair are edge pixels. The band is
    their dilation by a (2 radius + 1) square, intersected with ``valid``.
    """
    g = _as64(gt, "gt")
    with np.errstate(invalid="ignore"):
        v = np.isfinite(g) & (g > 0) if valid is None else np.asarray(valid, bool) & np.isfinite(g)
    e = np.zeros(g.shape, bool)
    dy = (np.abs(np.diff(g, axis=0)) > jump) & v[1:] & v[:-1]
    dx = (np.abs(np.diff(g, axis=1)) > jump) & v[:, 1:] & v[:, :-1]
    e[1:] |= dy
    e[:-1] |= dy
    e[:, 1:] |= dx
    e[:, :-1] |= dx
    radius = check_int(radius, "radius")
    jump = check_positive(jump, "jump", allow_zero=True)
    if radius > 0 and e.any():
        # the (2 radius + 1)^2 square dilation as a chessboard distance: O(N) for any radius
        e = ndimage.distance_transform_cdt(~e, metric="chessboard") <= radius
    return e & v


METRICS = {
    "rmse": rmse, "mae": mae, "absrel": absrel, "sqrel": sqrel, "mape": mape, "log10": log10,
    "irmse": irmse, "imae": imae,
    "delta1": lambda p, g, valid=None: delta(p, g, valid=valid, k=1),
    "delta2": lambda p, g, valid=None: delta(p, g, valid=valid, k=2),
    "delta3": lambda p, g, valid=None: delta(p, g, valid=valid, k=3),
    "bad1": lambda p, g, valid=None: bad(p, g, valid=valid, threshold=1.0),
    "ssim": ssim, "psnr": psnr,
}


def evaluate(pred, gt, *, valid=None, edge_radius: int | None = None, edge_jump: float = 1.0,
             inverse_unit: float = 1.0) -> dict:
    """All metrics at once, as a dict with lower-case keys.

    Keys: ``rmse, mae, absrel, sqrel, mape, log10, irmse, imae, delta1, delta2, delta3, bad1,
    ssim, psnr`` and ``n`` (scored pixels). With ``edge_radius`` also ``rmse_edge`` and
    ``mae_edge`` over :func:`edge_band`. ``inverse_unit`` scales iRMSE/iMAE (1000 for metres
    to 1/km). Relative metrics use only pixels with gt > 0.

    Examples
    --------
    >>> import numpy as np
    >>> from depthsmith.metrics import evaluate
    >>> gt = np.full((4, 4), 2.0, np.float32)
    >>> m = evaluate(gt + 0.5, gt)
    >>> round(m["rmse"], 3), round(m["absrel"], 3), m["n"]
    (0.5, 0.25, 16)
    """
    if edge_radius is not None:
        edge_radius = check_int(edge_radius, "edge_radius")
    p, g, m = _pair(pred, gt, valid)
    out = {}
    for name, fn in METRICS.items():
        if name in ("irmse", "imae"):
            out[name] = fn(p, g, valid=m, inverse_unit=inverse_unit)
        else:
            out[name] = fn(p, g, valid=m)
    out["n"] = int(m.sum())
    if edge_radius is not None:
        band = edge_band(g, valid=m, radius=edge_radius, jump=edge_jump)
        if band.any():
            out["rmse_edge"] = rmse(p, g, valid=band)
            out["mae_edge"] = mae(p, g, valid=band)
    return out
