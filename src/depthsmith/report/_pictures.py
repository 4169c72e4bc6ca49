"""Small pictures for the report: NaN-aware thumbnails of depth, guides and errors, as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["THUMB", "shrink_depth", "shrink_rgb", "guide_rgb", "depth_range", "depth_png",
           "error_png", "save_png"]

#: Longest side of a thumbnail, in pixels (pages stay a few MB whatever the inputs' size).
THUMB = 240


def _thumb_size(shape, side: int) -> tuple[int, int]:
    h, w = shape[:2]
    f = min(1.0, side / max(h, w, 1))
    return max(1, round(w * f)), max(1, round(h * f))


def shrink_depth(depth, side: int = THUMB, valid=None) -> np.ndarray:
    """A float32 thumbnail of a depth map: area average of the valid pixels, NaN where none.

    ``valid`` (default: finite pixels) marks the pixels averaged; depth is never rescaled.
    """
    import cv2

    d = np.asarray(depth, np.float32)
    v = np.isfinite(d) if valid is None else (np.asarray(valid, bool) & np.isfinite(d))
    size = _thumb_size(d.shape, side)
    if size == (d.shape[1], d.shape[0]):
        return np.where(v, d, np.nan).astype(np.float32)
    w = cv2.resize(v.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    s = cv2.resize(np.where(v, d, 0).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = s / w
    out[w < 1e-6] = np.nan
    return out.astype(np.float32)


def guide_rgb(guide) -> np.ndarray | None:
    """An RGB uint8 picture of a guide (uint8, uint16 or float in [0, 1]; gray accepted)."""
    if guide is None:
        return None
    g = np.asarray(guide)
    if g.ndim == 3 and g.shape[2] == 1:
        g = g[..., 0]
    if g.ndim == 2:
        g = np.repeat(g[..., None], 3, axis=2)
    if g.ndim != 3 or g.shape[2] < 3:
        return None
    g = g[..., :3]
    if g.dtype == np.uint8:
        return g
    if g.dtype == np.uint16:
        return (g // 257).astype(np.uint8)
    f = np.nan_to_num(g.astype(np.float32), nan=0.0)
    if f.size and np.nanmax(f) > 1.0:  # a float photo in 0..255 (e.g. a gray DFD image)
        f = f / 255.0
    return (np.clip(f, 0, 1) * 255 + 0.5).astype(np.uint8)


def shrink_rgb(rgb, side: int = THUMB) -> np.ndarray:
    """A uint8 RGB thumbnail (area average)."""
    import cv2

    a = np.ascontiguousarray(rgb)
    size = _thumb_size(a.shape, side)
    if size == (a.shape[1], a.shape[0]):
        return a
    return cv2.resize(a, size, interpolation=cv2.INTER_AREA)


def depth_range(*depths) -> tuple[float, float] | None:
    """A robust common colour range (2nd and 98th percentiles of every finite value)."""
    vals = [np.asarray(d, np.float32)[np.isfinite(d)] for d in depths if d is not None]
    vals = [v for v in vals if v.size]
    if not vals:
        return None
    allv = np.concatenate(vals)
    lo, hi = (float(x) for x in np.percentile(allv, (2.0, 98.0)))
    return (lo, hi if hi > lo else lo + 1.0)


def depth_png(path, depth, rng=None) -> Path:
    """Write a colourised (turbo) thumbnail of ``depth`` as PNG; invalid pixels black."""
    from ..io import colorize

    d = np.asarray(depth, np.float32)
    lo, hi = rng if rng is not None else (depth_range(d) or (0.0, 1.0))
    return save_png(path, colorize(d, valid=np.isfinite(d), vmin=lo, vmax=hi))


def error_png(path, err, vmax: float) -> Path:
    """Write a colourised (inferno, 0..``vmax``) thumbnail of an absolute error map as PNG."""
    from ..io import colorize

    e = np.asarray(err, np.float32)
    return save_png(path, colorize(e, valid=np.isfinite(e), vmin=0.0,
                                   vmax=max(float(vmax), 1e-12), cmap="inferno"))


def save_png(path, rgb) -> Path:
    """Write an RGB uint8 picture as PNG (inside the report's temporary folder)."""
    from ..io import write_image

    return write_image(path, np.ascontiguousarray(rgb, np.uint8))
