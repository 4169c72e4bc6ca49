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
    radius, sigma_space, sigma_color, linear, ridge
        See :func:`depthsmith.ops.joint_bilateral_upsample` (``sigma_space`` in low-res
        sample spacings, ``sigma_color`` in 8-bit steps, default 24).

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
