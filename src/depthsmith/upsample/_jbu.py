"""Joint bilateral upsampling (Kopf et al. 2007), plane-fit variant."""

from __future__ import annotations

import numpy as np

from ..ops import joint_bilateral_upsample
from ._common import filled, finish, prepare

__all__ = ["jbu"]


def jbu(depth, guide, *, size=None, valid=None, radius: int = 1,
        sigma_space: float = 0.5, sigma_color: float | None = None,
        linear: bool = True, ridge: float = 1.0) -> np.ndarray:
    """Joint bilateral upsampling (Kopf et al. 2007) evaluated at full resolution.

    Each output pixel is a color- and distance-weighted combination of the nearest
    ``(2 radius + 1)^2`` low-res samples; by default a weighted plane fit (see
    :func:`depthsmith.ops.joint_bilateral_upsample`), so constant and planar depth come
    out exactly. O(N (2r+1)^2), numba-parallel.

    Parameters
    ----------
    depth, guide, size, valid
        As in :func:`~depthsmith.upsample.upsample` (``size`` must equal the guide's).
    radius : int
        Window half-width in low-res samples (1: the 3x3 nearest samples).
    sigma_space : float
        Spatial sigma in low-res sample spacings.
    sigma_color : float, optional
        Range sigma in 8-bit steps (default 24, ``ops.JBU_SIGMA_COLOR``).
    linear : bool
        Fit a plane (exact on planar depth) instead of the weighted mean.
    ridge : float
        Slope regularisation of the plane fit (0: plain least squares).

    Returns
    -------
    (H, W) float32, dense: an output pixel with no valid sample in reach takes the bicubic
    upsampling of the nearest-filled input.

    References
    ----------
    .. [1] J. Kopf, M. F. Cohen, D. Lischinski and M. Uyttendaele, "Joint bilateral
       upsampling", SIGGRAPH 2007.
    """
    d, v, g, sz = prepare(depth, valid, guide, size, True, "jbu")
    if sz == d.shape:
        return filled(d, v).copy()
    out = joint_bilateral_upsample(d, g, valid=v, radius=radius, sigma_space=sigma_space,
                                   sigma_color=sigma_color, linear=linear, ridge=ridge)
    return finish(out, d, v, sz)
