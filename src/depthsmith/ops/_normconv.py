"""Nearest-valid fill: every invalid pixel takes its nearest valid pixel's value."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._validate import check_depth, check_valid

__all__ = ["nearest_fill"]


def nearest_fill(depth, *, valid=None) -> np.ndarray:
    """Give every invalid pixel the value of its nearest valid pixel (Euclidean).

    Valid pixels are returned unchanged. Raises when no pixel is valid.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    if v.all():
        return d.copy()
    idx = ndimage.distance_transform_edt(~v, return_distances=False, return_indices=True)
    return d[idx[0], idx[1]]
