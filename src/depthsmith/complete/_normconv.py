"""Multi-scale first-order normalized convolution completion."""

from __future__ import annotations

import numpy as np

from .._validate import check_depth, check_valid
from ..ops import multiscale_normconv, range_refit

__all__ = ["normconv"]


def normconv(depth, guide=None, *, valid=None, sigma_space=(1.2, 2.5), order: int = 1,
             ridge: float = 0.3, tau: float = 1.0, levels: int = 3, clamp: bool = False,
             keep_samples: bool = True, robust: float | None = None):
    """Dense depth from sparse samples by multi-scale normalized convolution.

    At full resolution each pixel gets the weighted local plane (order 1, Knutsson &
    Westin's normalized convolution with the basis {1, x, y}) of the samples under an
    anisotropic Gaussian applicability (wider along rows, where LiDAR-like depth varies
    least), clamped to the range of those samples; where the summed applicability is below
    ``tau`` the same fit on 2x, 4x, 8x coarser grids of the pushed-down certainty blends in
    (confidence propagation, Eldesokey et al.). No learned weights; no guide is used.

    Parameters
    ----------
    depth : (H, W) array
        Sparse depth in any units (never rescaled); invalid pixels are never read.
    guide : ignored
        Accepted for a uniform call shape.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    sigma_space : float or (rows, columns)
        Level-0 applicability in pixels.
    order : {0, 1}
        0: weighted mean; 1: weighted plane (exact on planar depth).
    ridge : float
        Penalty on the plane's slope (px^2, relative to the total weight).
    tau : float
        Certainty at which level 0 is fully trusted.
    levels : int
        Number of coarser grids.
    clamp : bool
        Clamp each fit to the range of the samples in its window (off by default: on the
        KITTI frames it changed RMSE by under 1 % and cost a fifth of the time).
    keep_samples : bool
        Put the input samples back unchanged (default). With False the samples are
        re-estimated by the fit like every other pixel (a mild smoothing).
    robust : float, optional
        Off by default. Relative range scale (e.g. 0.05 = 5 % of the depth) of one
        range-weighted refit at pixels whose window spans a depth edge
        (:func:`depthsmith.ops.range_refit`, an iteratively reweighted normalized
        convolution): keeps the two layers from being averaged. On the COMPLETE-KITTI frames
        0.05 lowers MAE by ~6 % on the random pattern, but roughly doubles the time.

    Returns
    -------
    (H, W) float32 ndarray, dense (no NaN).

    References
    ----------
    .. [1] H. Knutsson and C.-F. Westin, "Normalized and differential convolution",
       CVPR 1993.
    .. [2] A. Eldesokey, M. Felsberg and F. S. Khan, "Propagating confidences through CNNs
       for sparse data regression", BMVC 2018.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    out, _ = multiscale_normconv(d, valid=v, sigma_space=sigma_space, order=order,
                                 ridge=ridge, tau=tau, levels=levels, clamp=clamp)
    if robust is not None:
        out = range_refit(out, d, valid=v, sigma_space=sigma_space, sigma_range=robust,
                          ridge=ridge)
    if keep_samples:
        np.copyto(out, d, where=v)
    return out
