"""``fill_holes``: one entry point over every fill method, and the ``auto`` rule."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._validate import InputError, check_positive
from ._common import prepare
from ._guided import guided_fill
from ._methods import background_fill, colorization_fill, normconv_fill

__all__ = ["fill_holes", "auto_fill", "METHODS"]


def auto_fill(depth, guide=None, *, valid=None, occlusion: bool = False,
              disparity: bool = False, **params):
    """The default fill: :func:`guided_fill`, with ``prefer="far"`` for occlusions.

    Rule (measured on FILL-OCC and FILL-HOLES, see ``docs/bench_fill.md``): color-guided
    geodesic propagation with slope extrapolation and two-surface blending is the most
    accurate method on both stereo occlusions and sensor dropouts, and the fastest of the
    guided ones, so ``auto`` always uses it. When the caller says the holes are stereo
    occlusions (``occlusion=True``), the hidden surface is the background and ``auto``
    sets ``prefer="far"`` (``disparity=True`` says the values are disparities, larger =
    nearer). Without ``occlusion=True`` no side is preferred. Without a guide the same
    propagation runs on plain (chamfer) distances with slope extrapolation and no
    two-surface blending (still better than nearest-pixel fill on both RMSE and bad-1).
    Extra ``params`` go to :func:`guided_fill`.
    """
    if occlusion:
        params.setdefault("prefer", "far")
    return guided_fill(depth, guide, valid=valid, disparity=disparity, **params)


METHODS = {
    "auto": auto_fill,
    "guided": guided_fill,
    "normconv": normconv_fill,
    "colorization": colorization_fill,
    "background": background_fill,
}


def fill_holes(depth, guide=None, *, valid=None, method: str = "auto", max_hole=None,
               **params):
    """Fill the invalid pixels of a depth map.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (never rescaled). NaN, inf and values <= 0 are
        holes unless ``valid`` says otherwise; invalid pixels are never read.
    guide : (H, W[, 3]) array, optional
        Color or gray image of the same size (uint8, uint16 or float in [0, 1]).
    valid : (H, W) bool, optional
        True where ``depth`` is trusted; default finite & > 0. At least one pixel.
    method : str
        One of :data:`METHODS`: ``"auto"`` (default, see :func:`auto_fill`), ``"guided"``,
        ``"normconv"``, ``"colorization"``, ``"background"``.
    max_hole : float, optional
        Leave NaN where the nearest valid pixel is farther than ``max_hole`` pixels
        (Euclidean); default: fill everything.
    **params
        Passed to the method (e.g. ``occlusion=True, disparity=True`` for ``auto``,
        ``prefer="far"`` for ``guided``, ``disparity=True`` for ``background``).

    Returns
    -------
    (H, W) float32
        Valid pixels unchanged; no NaN left unless ``max_hole`` is given.
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    d, v, _ = prepare(depth, guide, valid)
    if max_hole is not None:
        max_hole = check_positive(max_hole, "max_hole", allow_zero=True)
    out = METHODS[method](d, guide, valid=v, **params)
    out = np.where(v, d, out).astype(np.float32)
    if max_hole is not None and not v.all():
        far = ndimage.distance_transform_edt(~v) > max_hole
        out[far] = np.nan
    return out
