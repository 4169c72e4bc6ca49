"""Colorization fill (Levin et al. 2004, the NYU Depth v2 toolbox's hole filling)."""

from __future__ import annotations

import numpy as np

from .._tasks import hint_not_supported
from ..ops import colorization_fill
from ._common import prepare

__all__ = ["colorization"]


def colorization(depth, guide=None, *, valid=None, occlusion: bool = False,
                 disparity: bool = False, solver: str = "fast"):
    """Levin et al. colorization fill with the NYU Depth v2 toolbox's weights.

    A thin wrapper of :func:`depthsmith.ops.colorization_fill` (see there for the system
    and solvers) that keeps the valid pixels exactly (the toolbox also smooths them).
    ``occlusion=True`` is refused (the system has no notion of a background side);
    ``disparity`` is accepted and changes nothing.

    References
    ----------
    .. [1] A. Levin, D. Lischinski and Y. Weiss, "Colorization using optimization",
       SIGGRAPH 2004; N. Silberman et al., ECCV 2012.
    """
    if occlusion:
        raise hint_not_supported("colorization", "occlusion", "the system has no notion of a "
                                 "background side; use 'guided' or 'background'")
    d, v, g = prepare(depth, guide, valid)
    out = colorization_fill(d, g, valid=v, solver=solver)  # float32, ours: no copy needed
    np.copyto(out, d, where=v)
    return out
