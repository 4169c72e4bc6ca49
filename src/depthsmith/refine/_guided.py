"""Colour guided filter (He et al.), confidence-weighted."""

from __future__ import annotations

import numpy as np

from ..ops import guided_filter
from ._common import prepare

__all__ = ["guided"]


def guided(depth, guide, *, valid=None, confidence=None, radius: int = 4,
           eps: float = 400.0) -> np.ndarray:
    """Color-guided filter (He et al. 2013), confidence-weighted; see ``ops.guided_filter``.

    ``eps`` is in squared 8-bit steps whatever the guide's dtype (400 = 20^2). Returns
    float32, NaN only where no valid pixel lies within ``2 radius`` px.

    References
    ----------
    .. [1] K. He, J. Sun and X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    """
    d, g, v, c = prepare(depth, guide, valid, confidence)
    return guided_filter(d, g, radius=radius, eps=eps, valid=v, confidence=c)
