"""Spatially varying defocus rendering (the DFD-MAP protocol)."""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import InputError, as_rng, check_positive
from ..ops import defocus_kernel
from ._common import as_gray, check_kernel

__all__ = ["simulate"]


def simulate(image, radius_map, *, depth=None, kernel: str = "disc", noise: float = 0.001,
             step: float = 0.25, kappa: float = 0.5, rng=0) -> np.ndarray:
    """Render defocus: each pixel blurred with its own radius, then Gaussian noise.

    Radii are rounded to ``step`` px (0.25 as in DFD-MAP). Without ``depth``: gather rendering
    (each pixel takes the whole image blurred with its radius). With ``depth`` (larger = farther)
    the radius bins are composited back to front, each layer blurred with its mask as alpha, so
    a blurred foreground covers the background.

    Parameters
    ----------
    image : (H, W[, 3]) ndarray      sharp photo (uint8, uint16 or float in [0, 1]); gray output
    radius_map : (H, W) ndarray      blur radius per pixel, px, >= 0
    depth : (H, W) ndarray, optional  for layered compositing
    kernel : str                     a model of :data:`depthsmith.ops.DEFOCUS_KERNELS`
    noise : float                    Gaussian noise std (image in [0, 1])

    Returns
    -------
    (H, W) float32 gray image (not clipped).
    """
    b = as_gray(image)
    kernel = check_kernel(kernel)
    r = np.asarray(radius_map, np.float64)
    if r.shape != b.shape:
        raise InputError(f"radius_map shape {r.shape} does not match image shape {b.shape}")
    if not np.isfinite(r).all() or (r < 0).any():
        raise InputError("radius_map must be finite and >= 0")
    noise = check_positive(noise, "noise", allow_zero=True)
    step = check_positive(step, "step")
    bins = np.round(r / step) * step
    src = b.astype(np.float32)

    def blur(a, rad):
        k = defocus_kernel(kernel, float(rad), kappa=kappa).astype(np.float32)
        return cv2.filter2D(a, -1, k, borderType=cv2.BORDER_REFLECT)

    if depth is None:
        out = np.empty_like(src)
        for v in np.unique(bins):
            sel = bins == v
            out[sel] = blur(src, v)[sel]
    else:
        d = np.asarray(depth, np.float64)
        if d.shape != b.shape:
            raise InputError(f"depth shape {d.shape} does not match image shape {b.shape}")
        vals = np.unique(bins)
        order = sorted(vals, key=lambda v: -float(np.median(d[bins == v])))
        out = blur(src, float(bins.max()))  # a fully blurred backdrop for uncovered pixels
        for v in order:
            m = (bins == v).astype(np.float32)
            alpha = np.clip(blur(m, v), 0, 1)
            out = blur(src * m, v) + (1 - alpha) * out  # premultiplied "over"
    return (out + as_rng(rng).normal(0.0, noise, out.shape)).astype(np.float32)
