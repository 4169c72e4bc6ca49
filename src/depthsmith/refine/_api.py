"""``refine``: one entry point over the refine methods; ``auto`` is the default pipeline."""

from __future__ import annotations

import numpy as np

from .. import _threads, _tiling
from .._tasks import run_method
from ._auto import auto
from ._common import prepare
from ._guided import guided
from ._joint_bilateral import joint_bilateral
from ._solver import solver
from ._weighted_median import weighted_median

__all__ = ["refine", "METHODS"]

#: Refine methods by name; each takes ``(depth, guide, *, valid, confidence, **params)``.
#: ``auto`` (the default) is its own pipeline (:func:`~depthsmith.refine.auto`): on REFINE
#: it beats every single filter here and the peers (docs/bench_refine.md).
METHODS = {
    "auto": auto,
    "joint_bilateral": joint_bilateral,
    "guided": guided,
    "weighted_median": weighted_median,
    "solver": solver,
}


def refine(depth, guide, *, valid=None, confidence=None, method: str = "auto",
           tile: int | None = None, threads: int | None = None, **params):
    """Refine ``depth`` with the color image ``guide``: denoise, sharpen edges onto color edges.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity, any units (never rescaled); NaN/0 invalid by default.
    guide : (H, W[, 3]) array
        The registered color (or gray) image: uint8, uint16 or float in [0, 1]. Colour
        parameters are in 8-bit steps whatever its dtype.
    valid : (H, W) bool, optional
        Trusted pixels (default finite & > 0); invalid ones are filled from valid
        neighbours and never read.
    confidence : (H, W) float >= 0, optional
        Per-pixel trust, multiplied by ``valid``.
    method : str
        One of :data:`METHODS`: ``auto`` (default), ``joint_bilateral``, ``guided``,
        ``weighted_median``, ``solver``.
    tile : int, optional
        Process the frame in ``tile`` x ``tile`` tiles overlapping by the method's support
        (bounded memory; every refine method tiles except ``joint_bilateral``'s lattice
        path, ``fast=True``, which ignores it; see :mod:`depthsmith._tiling` for the
        tolerance); None: the whole frame at once.
    threads : int, optional
        Threads for numba, OpenCV and BLAS during the call (default: ``set_threads`` /
        ``DEPTHSMITH_NUM_THREADS``, else all cores); the result does not depend on it.
    **params
        Keyword parameters of the chosen method (e.g. ``radius``, ``sigma_space``,
        ``sigma_color`` for ``joint_bilateral``); an unknown one is an :class:`InputError`.

    Returns
    -------
    (H, W) float32; NaN only where no valid pixel is in reach.

    Examples
    --------
    >>> import numpy as np
    >>> from depthsmith.refine import refine
    >>> rgb = np.zeros((16, 16, 3), np.uint8)
    >>> rgb[:, 8:] = 200  # two colour regions
    >>> d = np.where(rgb[:, :, 0] > 0, 3.0, 1.0).astype(np.float32)
    >>> out = refine(d, rgb)
    >>> out.shape, bool(abs(out[8, 2] - 1.0) < 0.05 and abs(out[8, 13] - 3.0) < 0.05)
    ((16, 16), True)
    """
    with _threads.threads(threads):
        tile = _tiling.check_tile(tile)
        if tile is None or _tiling.global_reason("refine", method, params):
            d, g, v, c = prepare(depth, guide, valid, confidence)
            return run_method(METHODS, method, d, g, {"valid": v, "confidence": c}, params)
        return _tiled(depth, guide, valid, confidence, method, tile, params)


def _tiled(depth, guide, valid, confidence, method, tile, params):
    """:func:`refine` tile by tile (see :mod:`depthsmith._tiling`): the whole frame is
    checked once, the guide is converted to float one tile at a time, and ``auto``'s ramp
    scale comes from the whole frame."""
    from .._validate import InputError, check_confidence, check_depth, check_guide, check_valid
    from . import _auto

    _tiling.check_params(METHODS, method, params, ("valid", "confidence"))
    d = check_depth(depth)
    g = _tiling.guide_for_tiles(guide, d.shape)
    v = check_valid(valid, d)
    c = None
    if confidence is not None:
        c = check_confidence(confidence, d.shape)
        if not (c[v] > 0).any():
            raise InputError("confidence is 0 at every valid pixel: nothing to refine from")
    t = _auto.ramp_scale(d, v) if method == "auto" else None

    def call(guide, depth, valid, confidence):
        if confidence is not None and not (confidence[valid] > 0).any():
            return np.full(depth.shape, np.nan, np.float32)
        if method == "auto":
            gg = check_guide(guide, depth.shape)
            g8 = gg.uint8 if gg.uint8 is not None else gg.levels
            return _auto._pipeline(depth, gg.levels, valid, confidence, guide_gf=g8, t=t)
        return run_method(METHODS, method, depth, guide,
                          {"valid": valid, "confidence": confidence}, params)

    return _tiling.run_same_size(call, d.shape, tile, _tiling.support("refine", method, params),
                                 {"depth": d, "valid": v, "confidence": c}, guide=g)
