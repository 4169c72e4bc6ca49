"""Map method: ML blur radius in sliding windows, confidence-weighted fill, edge-aware smoothing."""

from __future__ import annotations

import cv2
import numpy as np
import scipy.fft as sfft

from .._validate import InputError, check_int
from ._common import (
    SIGMA_REF,
    BlurMap,
    _noise,
    as_gray,
    check_kernel,
    check_prior,
    check_sigma,
    flat_warning,
)
from ._likelihood import (
    COARSE,
    R_GRID,
    _periodic_rfft2,
    loglik_batch,
    power_table,
    prior_grid,
    use_periodic,
)

__all__ = ["patches", "assemble", "cover_max"]


def patches(image, *, kernel: str = "disc", window: int = 41, stride: int = 10,
            sigma="energy", sigma_scale: float = 1.0, eta=None, prior: str = "iid",
            rho=(0.3, 0.6), kappa: float = 0.5, smooth: float = 6.0,
            drop: float = 0.0, periodic="auto", cover: str = "centre", cover_conf: float = 0.1,
            progress: bool = False) -> BlurMap:
    """Blur map from ML estimates in ``window`` x ``window`` windows every ``stride`` px.

    Every window's ``log L`` is evaluated on the 0.25-px radius grid (all windows at once,
    numba, parallel), refined by a parabola; each estimate's confidence combines the curvature
    of ``log L`` and the gradient energy relative to a latent gradient std of 0.1.
    Low-confidence windows are filled from confident neighbours (confidence-weighted
    normalised convolution), the window grid is interpolated to every pixel and smoothed along
    the image's edges (guided filter, radius ``smooth * stride / 4``).

    Parameters as :func:`depthsmith.defocus.ml` (the same estimator: periodic component of
    each window's gradients, sigma matched to its energy at scale 1); ``eta`` is estimated
    once for the image; ``progress`` shows a progress bar (tqdm, on stderr) over the windows.
    ``cover="centre"`` (default): each window's own estimate; ``"max"``: each grid cell takes
    the largest confident estimate among the windows covering it (:func:`cover_max`: windows
    straddling a depth edge under-estimate the blur of their blurred side). ``"max"`` raised
    the held-out Spearman (0.615 -> 0.665) but lowered DFD-MAP's (0.715 -> 0.599 synthetic,
    0.811 -> 0.764 SYNDOF), so it is not the default.
    ``window = 41, stride = 10`` and the estimator were chosen on held-out scenes
    (``benchmarks/dfd_heldout_map.py``; docs/bench_dfd.md).

    References
    ----------
    .. [1] X. Zhu et al., "Estimating spatially varying defocus blur from a single image", IEEE
       TIP 22(12), 2013.
    .. [2] K. He, J. Sun, X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    """
    b = as_gray(image)
    kernel = check_kernel(kernel)
    prior, rho = check_prior(prior, rho)
    sigma = check_sigma(sigma)
    window = check_int(window, "window", minimum=9)
    stride = check_int(stride, "stride", minimum=1)
    eta = _noise(eta, b)
    h, w = b.shape
    p = min(window, h, w)
    p -= 1 - p % 2
    ys = np.arange(0, h - p + 1, stride)
    xs = np.arange(0, w - p + 1, stride)
    r, conf = window_estimates(b, ys, xs, p, kernel=kernel, sigma=sigma, eta=eta, prior=prior,
                               rho=rho, kappa=kappa, sigma_scale=sigma_scale,
                               periodic=periodic, progress=progress)
    if not (conf > 0).any():
        flat_warning("image")
        return BlurMap(np.zeros((h, w), np.float32), np.zeros((h, w), np.float32))
    if cover == "max":
        r, conf = cover_max(r, conf, 2 * (p // 2 // stride) + 1, cover_conf)
    elif cover != "centre":
        raise InputError(f"cover {cover!r} is unknown; known: max, centre")
    return assemble(b, r, conf, ys + p // 2, xs + p // 2, smooth=smooth * stride / 4, drop=drop)


def cover_max(r, conf, k: int, min_conf: float = 0.1):
    """Each window-grid cell takes the largest radius among the confident windows (confidence
    at least ``min_conf`` x the largest) of the ``k x k`` cells around it, i.e. of the windows
    that cover its centre, and their largest confidence.

    A window straddling a depth edge is dominated by its sharper part (its high frequencies
    carry the likelihood), so it under-estimates the blur of its blurred part; a blurred pixel
    next to a sharp region is seen at its own blur only by the windows that avoid the sharp
    region, which give the largest estimates among those covering it.
    """
    from scipy import ndimage

    ok = conf >= min_conf * conf.max()
    if k <= 1:
        return np.where(ok, r, 0.0), np.where(ok, conf, 0.0)
    return (ndimage.grey_dilation(np.where(ok, r, 0.0), size=(k, k)),
            ndimage.grey_dilation(np.where(ok, conf, 0.0), size=(k, k)))


def window_estimates(b, ys, xs, p, *, kernel, sigma, eta, prior, rho, kappa, sigma_scale=1.0,
                     periodic="auto", chunk=512, progress=False):
    """(radius, confidence) of the (len(ys), len(xs)) windows with top-left corners ys x xs."""
    from numpy.lib.stride_tricks import sliding_window_view

    # single precision for the windows' transforms: the periodograms need ~1e-4 relative
    # accuracy at most, and float32 FFTs cost about half
    view = sliding_window_view(np.asarray(b, np.float32), (p, p))
    coarse = np.arange(0, R_GRID.size, COARSE)
    rc = R_GRID[coarse]
    shape = (p, p - 2)
    g, _h, wts = prior_grid(shape, prior, tuple(rho))
    table = power_table(kernel, kappa, shape)
    mean_sig = (wts * g * table[coarse]).sum(axis=1) / wts.sum()
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    yy, xx = yy.ravel(), xx.ravel()
    radius = np.zeros(yy.size)
    conf = np.zeros(yy.size)
    starts = range(0, yy.size, chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="blur map", unit="chunk", leave=False)
    for s in starts:
        wins = view[yy[s:s + chunk], xx[s:s + chunk]]
        gx = (wins[:, :, 1:] - wins[:, :, :-1])[:, :, : p - 2]
        gy = (wins[:, 1:, :] - wins[:, :-1, :]).transpose(0, 2, 1)[:, :, : p - 2]
        fft = _periodic_rfft2 if use_periodic(periodic, kernel) else sfft.rfft2
        fx = fft(gx, workers=-1)
        fy = fft(gy, workers=-1)
        n = gx.shape[1] * gx.shape[2]
        S = ((fx.real ** 2 + fx.imag ** 2) + (fy.real ** 2 + fy.imag ** 2)).reshape(
            len(wins), -1) / n
        if fft is sfft.rfft2:
            energy = (np.square(gx).sum(axis=(1, 2)) + np.square(gy).sum(axis=(1, 2))) / (2 * n)
        else:  # the energy of the periodic component the periodogram holds (Parseval)
            energy = S @ wts / (2 * n)
        ll = loglik_batch(S, np.full(len(wins), eta), shape, coarse, model=kernel,
                          kappa=kappa, sigma=sigma, energy=energy, prior=prior, rho=rho,
                          sigma_scale=sigma_scale)
        j = np.argmax(ll, axis=1)
        jj = np.clip(j, 1, rc.size - 2)
        rows = np.arange(len(wins))
        a, m, c = ll[rows, jj - 1], ll[rows, jj], ll[rows, jj + 1]
        den = a - 2 * m + c
        off = np.where(den < 0, np.clip(0.5 * (a - c) / np.where(den < 0, den, -1), -0.5, 0.5),
                       0.0)
        off = np.where(j == jj, off, 0.0)
        d = rc[1] - rc[0]
        radius[s:s + chunk] = rc[j] + off * d
        curv = np.maximum(-den / d ** 2, 1e-12)
        c_curv = 1.0 / (1.0 + 1.0 / (curv * 0.25 ** 2))
        ref = SIGMA_REF if sigma == "energy" else sigma
        c_en = np.clip((energy - 2 * eta * eta) / (ref ** 2 * mean_sig[j]), 0, 1)
        flat = energy <= max(3 * eta * eta, 1e-12)
        conf[s:s + chunk] = np.where(flat, 0.0, c_curv * c_en)
    return radius.reshape(len(ys), len(xs)), conf.reshape(len(ys), len(xs))


def assemble(b, r, conf, cy, cx, *, smooth: float = 3.0, min_conf: float = 0.02,
             drop: float = 0.0) -> BlurMap:
    """Per-pixel map from estimates ``r`` with confidence ``conf`` at the grid ``cy x cx``.

    Estimates below ``min_conf`` x the largest confidence, and the ``drop`` fraction of least
    confident ones, are dropped and filled from confident neighbours (normalised convolution
    on the grid, widening until every cell is reached).
    """
    h, w = b.shape
    thr = max(min_conf * conf.max(), float(np.quantile(conf, drop)) if drop > 0 else 0.0)
    wgt = np.where(conf >= thr, conf, 0.0)
    num, den = wgt * r, wgt.copy()
    filled = np.zeros_like(r)
    have = np.zeros(r.shape, bool)
    s = 1.0
    while not have.all():
        n = cv2.GaussianBlur(num, (0, 0), s, borderType=cv2.BORDER_REFLECT)
        d = cv2.GaussianBlur(den, (0, 0), s, borderType=cv2.BORDER_REFLECT)
        ok = (d > 1e-3 * max(wgt.max(), 1e-12)) & ~have
        filled[ok] = n[ok] / d[ok]
        have |= ok
        s *= 2
        if s > 4 * max(r.shape):
            filled[~have] = float(np.average(r, weights=wgt + 1e-12))
            break
    # interpolate the grid to every pixel (centres cy, cx; clamped outside)
    gy = np.interp(np.arange(h), cy, np.arange(cy.size)).astype(np.float32)
    gx = np.interp(np.arange(w), cx, np.arange(cx.size)).astype(np.float32)
    mx, my = np.meshgrid(gx, gy)
    rad = cv2.remap(filled.astype(np.float32), mx, my, cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    cf = cv2.remap(wgt.astype(np.float32), mx, my, cv2.INTER_LINEAR,
                   borderMode=cv2.BORDER_REPLICATE)
    if smooth > 0:
        from ..ops import guided_filter

        rad = guided_filter(rad, b.astype(np.float32), radius=max(int(round(smooth)), 1),
                            eps=25.0)
    rad = np.clip(np.nan_to_num(rad, nan=float(np.median(r))), 0.0, R_GRID[-1])
    return BlurMap(rad.astype(np.float32), np.clip(cf, 0, 1).astype(np.float32))
