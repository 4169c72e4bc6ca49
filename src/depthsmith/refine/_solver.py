"""Global edge-aware weighted least squares (fast global smoother) with confidence."""

from __future__ import annotations

import numpy as np

from ..ops import fast_global_smoother
from ._common import prepare

__all__ = ["solver"]


def solver(depth, guide, *, valid=None, confidence=None, lam: float = 30.0,
           sigma_color: float = 4.0, iterations: int = 3) -> np.ndarray:
    """Global edge-aware weighted least squares with per-pixel confidence (FGS).

    ``sigma_color`` is in 8-bit steps whatever the guide's dtype; see
    ``ops.fast_global_smoother`` for the model.

    References
    ----------
    .. [1] D. Min et al., "Fast global image smoothing based on weighted least squares",
       IEEE TIP 2014.
    """
    d, g, v, c = prepare(depth, guide, valid, confidence)
    return fast_global_smoother(d, g, lam=lam, sigma_color=sigma_color, iterations=iterations,
                                valid=v, confidence=c)
