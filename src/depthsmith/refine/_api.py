"""``refine``: one entry point over the refine methods; ``auto`` is the default pipeline."""

from __future__ import annotations

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
           **params):
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
    d, g, v, c = prepare(depth, guide, valid, confidence)
    return run_method(METHODS, method, d, g, {"valid": v, "confidence": c}, params)
