"""Normalized convolution and nearest-valid fill."""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from .._validate import check_depth, check_positive, check_valid

__all__ = ["gaussian_normconv", "nearest_fill"]


def gaussian_normconv(depth, *, valid=None, confidence=None, sigma: float = 2.0,
                      min_weight: float = 1e-6):
    """Gaussian normalized convolution ``G*(d c) / G*c`` (Knutsson & Westin, 1993).

    Parameters
    ----------
    depth : (H, W) array            depth in any units; invalid pixels are never read
    valid : (H, W) bool, optional   trusted pixels; default finite & > 0
    confidence : (H, W) float, optional   per-pixel certainty in [0, 1] (times ``valid``)
    sigma : float                   Gaussian standard deviation in pixels
    min_weight : float              below this total weight the output is NaN

    Returns
    -------
    value : (H, W) float32   filtered depth, NaN where no valid pixel is in reach
    weight : (H, W) float32  ``G*c``, the propagated certainty

    References
    ----------
    .. [1] H. Knutsson and C.-F. Westin, "Normalized and differential convolution",
       CVPR 1993.
    """
    d = check_depth(depth)
    v = check_valid(valid, d, require_any=False)
    s = check_positive(sigma, "sigma")
    c = v.astype(np.float32)
    if confidence is not None:
        c *= np.clip(np.asarray(confidence, np.float32), 0, None)
    dc = np.where(v, d, 0).astype(np.float32) * c
    ks = int(2 * np.ceil(3 * s) + 1)
    num = cv2.GaussianBlur(dc, (ks, ks), s, borderType=cv2.BORDER_REFLECT)
    den = cv2.GaussianBlur(c, (ks, ks), s, borderType=cv2.BORDER_REFLECT)
    out = np.full_like(d, np.nan)
    ok = den > min_weight
    out[ok] = num[ok] / den[ok]
    return out, den


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
