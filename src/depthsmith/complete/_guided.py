"""RGB-guided completion: color-steered multi-scale normalized convolution."""

from __future__ import annotations

import numpy as np

from .._validate import InputError, check_depth, check_guide, check_positive, check_valid
from ..ops import fast_global_smoother, multiscale_normconv

__all__ = ["guided"]


def guided(depth, guide, *, valid=None, sigma_space: float = 8.0, sigma_color: float = 20.0,
           order: int = 1, ridge: float = 1.0, tau: float = 0.05, levels: int = 3,
           refine_lam: float = 150.0, refine_sigma_color: float = 8.0,
           refine_confidence: float = 0.1, refine_certainty: float = 1.0,
           keep_samples: bool = True):
    """Dense depth from sparse samples steered by a color image.

    Each pixel gets the weighted local plane (order-1 normalized convolution) of the
    samples within ``2 sigma_space`` pixels, each sample weighted by a Gaussian of its
    distance and a Gaussian of its color difference to the pixel (a cross-bilateral
    applicability, so samples across a color edge barely count), clamped to the range of
    those samples. Where the color-weighted certainty is below ``tau`` the unguided fit on
    coarser grids blends in. The estimate is then refined edge-aware by the fast global
    smoother (weighted least squares along rows and columns, Min et al.) steered by the
    guide, with data weight 1 on the samples and, elsewhere, ``refine_confidence`` times the
    color-weighted certainty of the first estimate (relative to ``refine_certainty``), so
    regions no same-colored sample reached are filled by propagation along the colors while
    the samples anchor the result.

    Parameters
    ----------
    depth : (H, W) array
        Sparse depth in any units (never rescaled); invalid pixels are never read.
    guide : (H, W[, 3]) array
        Color image: uint8, uint16 or float in [0, 1].
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    sigma_space : float
        Spatial applicability in pixels (reach about twice that).
    sigma_color : float
        Color range in 8-bit steps whatever the guide's dtype, Euclidean over channels.
    order, ridge, tau, levels : see :func:`depthsmith.ops.multiscale_normconv`.
    refine_lam : float
        Smoothness of the refinement (0 disables it).
    refine_sigma_color : float
        Color scale of the refinement's edge weights, in 8-bit steps.
    refine_confidence : float
        Data weight of a fully certain first estimate off the samples (samples have 1).
    refine_certainty : float
        Color-weighted certainty (sum of applicabilities) at which the first estimate gets
        the full ``refine_confidence``; less certain estimates get proportionally less.
    keep_samples : bool
        Put the input samples back unchanged (default).

    Returns
    -------
    (H, W) float32 ndarray, dense (no NaN).

    References
    ----------
    .. [1] H. Knutsson and C.-F. Westin, "Normalized and differential convolution",
       CVPR 1993.
    .. [2] J. Kopf, M. F. Cohen, D. Lischinski and M. Uyttendaele, "Joint bilateral
       upsampling", SIGGRAPH 2007 (the color-weighted applicability).
    .. [3] D. Min, S. Choi, J. Lu, B. Ham, K. Sohn and M. N. Do, "Fast global image
       smoothing based on weighted least squares", IEEE TIP 23(12), 2014.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    if guide is None:
        raise InputError("guide is required by method 'guided': pass an (H, W, 3) image")
    g = check_guide(guide, d.shape)
    out, cert = multiscale_normconv(d, g, valid=v, sigma_space=sigma_space,
                                 sigma_color=sigma_color, order=order, ridge=ridge, tau=tau,
                                 levels=levels)
    lam = check_positive(refine_lam, "refine_lam", allow_zero=True)
    if lam > 0:
        cb = check_positive(refine_confidence, "refine_confidence")
        cref = check_positive(refine_certainty, "refine_certainty")
        conf = np.where(v, 1.0, cb * np.clip(cert / cref, 0.0, 1.0)).astype(np.float32)
        est = fast_global_smoother(out, g, lam=lam, sigma_color=refine_sigma_color,
                                   confidence=conf)
        out = np.where(np.isfinite(est), est, out).astype(np.float32)
    if keep_samples:
        np.copyto(out, d, where=v)
    return out
