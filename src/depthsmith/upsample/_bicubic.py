"""Bicubic upsampling (Keys 1981, OpenCV's INTER_CUBIC)."""

from __future__ import annotations

import cv2
import numpy as np

from ._common import filled, prepare, resize

__all__ = ["bicubic"]


def bicubic(depth, guide=None, *, size=None, valid=None) -> np.ndarray:
    """Bicubic upsampling, identical to ``cv2.resize(..., INTER_CUBIC)`` (Keys, a = -0.75).

    Invalid low-res pixels are first given the value of their nearest valid pixel.
    ``guide`` only sets the output size when ``size`` is None.

    References
    ----------
    .. [1] R. Keys, "Cubic convolution interpolation for digital image processing",
       IEEE TASSP 29(6), 1981.
    """
    d, v, _, sz = prepare(depth, valid, guide, size, False, "bicubic")
    return resize(filled(d, v), sz, cv2.INTER_CUBIC)
