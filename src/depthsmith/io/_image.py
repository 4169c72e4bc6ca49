"""Guide images: read as RGB, write from RGB."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .._color import to_gray
from .._validate import InputError
from ._atomic import atomic_path
from ._errors import ReadError, UnsupportedFormatError, as_path, check_input_file, one_line
from ._probe import check_size, probe, resolve_max_pixels

__all__ = ["read_image", "write_image", "image_formats"]

# Extensions OpenCV may write; image_formats() keeps those this OpenCV build supports.
_CANDIDATES = (".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".dib", ".tif", ".tiff", ".webp",
               ".ppm", ".pgm", ".pbm", ".pnm", ".sr", ".ras", ".hdr", ".pic", ".jp2",
               ".avif", ".exr", ".pfm", ".gif")
_WRITABLE: tuple[str, ...] | None = None


def image_formats() -> tuple[str, ...]:
    """The image extensions ``write_image`` can write (those OpenCV has a writer for)."""
    global _WRITABLE
    if _WRITABLE is None:
        known = []
        for ext in _CANDIDATES:
            try:
                if cv2.haveImageWriter("x" + ext):
                    known.append(ext)
            except cv2.error:
                pass
        _WRITABLE = tuple(known)
    return _WRITABLE


def read_image(path, *, gray: bool = False, max_pixels=None) -> np.ndarray:
    """Read a guide image as RGB (H, W, 3) (or (H, W) with ``gray``), uint8 or uint16.

    Alpha channels are dropped; single-channel images are returned as (H, W, 3) unless
    ``gray``. Raises ``ReadError`` naming the file when it cannot be read, is empty, or its
    header declares more than ``max_pixels`` pixels (default ``MAX_PIXELS``, checked before
    decoding); ``InputTypeError`` when ``path`` is not a path.
    """
    p = as_path(path)
    check_input_file(p)
    limit = resolve_max_pixels(max_pixels)
    size = probe(p)
    if size is not None:
        check_size(p, size, limit)
    try:
        a = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
    except cv2.error as e:
        raise ReadError(f"{p}: cannot be read as an image ({one_line(e)})") from None
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


def write_image(path, rgb, *, overwrite: bool = True) -> Path:
    """Write an RGB (or gray, or RGBA) uint8/uint16 image atomically; format from the
    extension (``image_formats()``). ``overwrite=False`` publishes exclusively
    (``OutputExistsError`` if the file exists, even if it appeared while writing)."""
    p = as_path(path)
    ext = p.suffix.lower()
    if ext not in image_formats():
        raise UnsupportedFormatError(f"{p}: unknown image format {ext or '(none)'!r}; known: "
                                     f"{', '.join(image_formats())}")
    a = np.asarray(rgb)
    if a.ndim == 3 and a.shape[2] == 3:
        a = a[:, :, ::-1]
    elif a.ndim == 3 and a.shape[2] == 4:
        a = a[:, :, [2, 1, 0, 3]]
    elif not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 1)):
        raise InputError(f"{p}: image shape {a.shape} is not (H, W), (H, W, 3) or (H, W, 4)")
    with atomic_path(p, overwrite=overwrite) as tmp:
        try:
            ok = cv2.imwrite(str(tmp), np.ascontiguousarray(a))
        except cv2.error as e:
            raise InputError(f"{p}: cannot write this image as {ext} ({one_line(e)})") from None
        if not ok:
            raise InputError(f"{p}: cannot write this image as {ext}")
    return p
