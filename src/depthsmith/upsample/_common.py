"""Argument handling and small steps shared by the upsample methods."""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import (
    InputError,
    InputTypeError,
    check_depth,
    check_guide,
    check_positive,
    check_valid,
)
from ..ops import nearest_fill

#: Largest output upsample makes (OpenCV's resize addresses at most 2^31 elements).
MAX_OUTPUT_PIXELS = 1 << 30

__all__ = ["MAX_OUTPUT_PIXELS", "output_size", "prepare", "filled", "resize", "finish",
           "or_default", "factor_of", "sigma_depth"]


def output_size(shape, factor=None, size=None, guide_shape=None) -> tuple[int, int]:
    """The (H, W) an upsampling of a ``shape`` depth produces.

    ``size`` (H, W) wins; else ``factor`` (an integer >= 1) times ``shape``; else the
    guide's size. A guide whose size differs from the result raises :class:`InputError`.
    """
    h, w = shape
    if size is not None:
        try:
            H, W = (int(s) for s in size)
            whole = all(int(s) == s for s in size)
        except (TypeError, ValueError):
            raise InputError(f"size must be (height, width), got {size!r}") from None
        if not whole or H < h or W < w:
            raise InputError(f"size {tuple(size)} must be integers >= the depth shape {(h, w)}")
        if factor is not None and (H, W) != (h * _int_factor(factor), w * _int_factor(factor)):
            raise InputError(f"size {(H, W)} and factor {factor!r} disagree for depth shape "
                             f"{(h, w)}: give one of them")
    elif factor is not None:
        s = _int_factor(factor)
        H, W = h * s, w * s
    elif guide_shape is not None:
        H, W = guide_shape
        if H < h or W < w:
            raise InputError(f"guide shape {tuple(guide_shape)} is smaller than depth shape "
                             f"{(h, w)}: expected a high-res guide")
    else:
        raise InputError("give factor, size or a guide: the output size is unknown")
    if H * W > MAX_OUTPUT_PIXELS:
        raise InputError(f"output size {W}x{H} ({H * W / 1e6:.0f} MP) is larger than "
                         f"{MAX_OUTPUT_PIXELS / 1e6:.0f} MP: use a smaller factor or size")
    if guide_shape is not None and tuple(guide_shape) != (H, W):
        how = f"factor {factor} x" if size is None else "size"
        raise InputError(f"guide shape {tuple(guide_shape)} does not match the output size "
                         f"{(H, W)} ({how} depth {(h, w)}): resize the guide or give the size "
                         "explicitly (size=, --size)")
    return H, W


def _int_factor(factor) -> int:
    if isinstance(factor, bool | np.bool_):
        raise InputTypeError(f"factor must be an integer >= 1, got {factor!r}")
    try:
        s = float(factor)
    except (TypeError, ValueError):
        raise InputError(f"factor must be an integer >= 1, got {factor!r}") from None
    if not np.isfinite(s) or s < 1 or s != int(s):
        raise InputError(f"factor must be an integer >= 1, got {factor!r} (use size for other "
                         "output sizes)")
    return int(s)


def prepare(depth, valid, guide, size, need_guide, method):
    """Validated (float32 depth, bool valid, :class:`~depthsmith._validate.Guide` or None,
    output (H, W)); cheap on inputs :func:`~depthsmith.upsample.upsample` already checked."""
    d = check_depth(depth)
    v = check_valid(valid, d, require_any=True)
    g = None
    if guide is not None:
        g = check_guide(guide)
    elif need_guide:
        raise InputError(f"method {method!r} needs a guide image (the high-res color view)")
    H, W = output_size(d.shape, size=size, guide_shape=None if g is None else g.shape[:2])
    return d, v, g, (H, W)


def filled(d, v):
    """``d`` with its invalid pixels given their nearest valid value."""
    return d if v.all() else nearest_fill(d, valid=v)


def resize(d, size, interp):
    """``cv2.resize`` of ``d`` to (H, W) = ``size`` as float32 (a copy at the same size)."""
    H, W = size
    if (H, W) == d.shape:
        return d.copy()
    return cv2.resize(d, (W, H), interpolation=interp).astype(np.float32)


def finish(out, d, v, size):
    """``out`` with the pixels whose window held no valid sample (NaN) taken from the
    bicubic upsampling of the nearest-filled input."""
    bad = ~np.isfinite(out)
    if bad.any():
        out = np.where(bad, resize(filled(d, v), size, cv2.INTER_CUBIC), out)
    return out.astype(np.float32)


def or_default(value, base, name):
    """A positive parameter as given, else the method's default ``base`` (same units)."""
    return check_positive(base if value is None else value, name)


def factor_of(d_shape, size) -> float:
    """The larger of the two axis factors from ``d_shape`` to ``size``."""
    return max(size[0] / d_shape[0], size[1] / d_shape[1])


def sigma_depth(value, samples, frac=0.03):
    """Default depth-range sigma: ``frac`` x the 1st-99th percentile range of the samples."""
    if value is not None:
        return check_positive(value, "sigma_depth")
    lo, hi = np.percentile(samples, [1, 99])
    scale = max(float(hi - lo), 1e-6 * max(1.0, float(np.abs(samples).max())))
    return frac * scale
