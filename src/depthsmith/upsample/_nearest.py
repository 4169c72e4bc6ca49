"""Nearest-neighbour upsampling (OpenCV's INTER_NEAREST)."""

from __future__ import annotations

import cv2
import numpy as np

from ._common import filled, prepare, resize

__all__ = ["nearest"]


def nearest(depth, guide=None, *, size=None, valid=None) -> np.ndarray:
    """Nearest-neighbour upsampling, identical to ``cv2.resize(..., INTER_NEAREST)``.

    Invalid low-res pixels are first given the value of their nearest valid pixel.
    ``guide`` only sets the output size when ``size`` is None.
    """
    d, v, _, sz = prepare(depth, valid, guide, size, False, "nearest")
    return resize(filled(d, v), sz, cv2.INTER_NEAREST)
