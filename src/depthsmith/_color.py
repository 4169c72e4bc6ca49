"""Colour conversions on the 8-bit scale (a :class:`~depthsmith._validate.Guide`'s
``levels``): gray level and CIE Lab. One helper for every task."""

from __future__ import annotations

import cv2
import numpy as np

from ._validate import InputError

__all__ = ["REC601", "MATLAB_GRAY", "to_gray", "to_lab"]

#: ITU-R BT.601 luma weights (R, G, B): OpenCV's and PIL's RGB-to-gray.
REC601 = (0.299, 0.587, 0.114)
#: MATLAB ``rgb2gray``'s rounded BT.601 weights, which the NYU toolbox's colorization uses.
MATLAB_GRAY = (0.2989, 0.5870, 0.1140)


def to_gray(image: np.ndarray, weights: tuple[float, float, float] = REC601) -> np.ndarray:
    """Gray level ``wR R + wG G + wB B`` of an (H, W, 3) RGB image, in its own units.

    An (H, W) or (H, W, 1) image is returned as (H, W) unchanged. The result has the
    input's float dtype (float64 for integer input).
    """
    a = np.asarray(image)
    if a.ndim == 2:
        return a
    if a.shape[2] == 1:
        return a[:, :, 0]
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    return a[:, :, 0] * weights[0] + a[:, :, 1] * weights[1] + a[:, :, 2] * weights[2]


def to_lab(levels: np.ndarray) -> np.ndarray:
    """CIE Lab (L in 0-100, a and b about -128..127) of an RGB image on the 8-bit scale.

    ``levels`` is (H, W, 3) float (0-255 for a full-range picture), e.g. ``Guide.levels``.
    """
    g = np.asarray(levels, np.float32)
    if g.ndim != 3 or g.shape[2] != 3:
        raise InputError(f"color_space='lab' needs an RGB guide, got shape {tuple(g.shape)}")
    return cv2.cvtColor(np.ascontiguousarray(g / np.float32(255.0)), cv2.COLOR_RGB2Lab)
