"""Guide images: read as RGB, write from RGB."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .._color import to_gray
from .._validate import InputError
from ._atomic import atomic_path
from ._depth import ReadError

__all__ = ["read_image", "write_image"]


def read_image(path, *, gray: bool = False) -> np.ndarray:
    """Read a guide image as RGB (H, W, 3) (or (H, W) with ``gray``), uint8 or uint16.

    Alpha channels are dropped; single-channel images are returned as (H, W, 3) unless
    ``gray``. Raises ``ReadError`` naming the file when it cannot be read.
    """
    p = Path(path)
    if not p.is_file():
        raise ReadError(f"{p}: no such file")
    a = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
    if a is None:
        raise ReadError(f"{p}: cannot be read as an image")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    elif a.shape[2] == 4:
        a = a[:, :, :3]
    elif a.shape[2] != 3:
        raise InputError(f"{p}: image has {a.shape[2]} channels; expected 1, 3 or 4")
    rgb = np.ascontiguousarray(a[:, :, ::-1])
    if gray:
        return np.ascontiguousarray(to_gray(rgb)).astype(np.float32)
    return rgb


def write_image(path, rgb) -> Path:
    """Write an RGB (or gray) uint8/uint16 image atomically; format from the extension."""
    a = np.asarray(rgb)
    if a.ndim == 3:
        a = a[:, :, ::-1]
    with atomic_path(path) as tmp:
        if not cv2.imwrite(str(tmp), np.ascontiguousarray(a)):
            raise ReadError(f"{path}: cannot write an image with this extension")
    return Path(path)
