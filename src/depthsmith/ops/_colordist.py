"""The squared colour distance between two guide pixels, shared by the numba kernels."""

from __future__ import annotations

import numba as nb

__all__ = ["color_dist2"]


@nb.njit(cache=True, inline="always")
def color_dist2(g, y0, x0, y1, x1):
    """``sum_c (g[y0, x0, c] - g[y1, x1, c])^2`` over the channels of an (H, W, C) guide
    (float64 accumulator); inlined into the calling kernel."""
    s = 0.0
    for c in range(g.shape[2]):
        t = g[y0, x0, c] - g[y1, x1, c]
        s += t * t
    return s
