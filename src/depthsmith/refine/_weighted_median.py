"""Joint weighted median (exact), colour-weighted."""

from __future__ import annotations

from ..ops import weighted_median as ops_weighted_median
from ._common import prepare

__all__ = ["weighted_median"]


def weighted_median(depth, guide, *, valid=None, confidence=None, radius: int = 4,
                    sigma_color: float = 20.0, sigma_space: float | None = None):
    """Joint weighted median (color-weighted, exact); see ``ops.weighted_median``.

    Removes flying pixels at depth edges: every output is one of the window's values.
    ``sigma_color`` is in 8-bit steps whatever the guide's dtype.

    References
    ----------
    .. [1] Q. Zhang, L. Xu and J. Jia, "100+ times faster weighted median filter (WMF)",
       CVPR 2014.
    """
    d, g, v, c = prepare(depth, guide, valid, confidence)
    return ops_weighted_median(d, g, radius=radius, sigma_color=sigma_color,
                               sigma_space=sigma_space, valid=v, confidence=c)
