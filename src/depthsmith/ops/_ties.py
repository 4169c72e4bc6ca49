"""Relative thresholds that resolve ties the same way in any units.

A relative test such as ``|a - b| > tol |a|`` is units-free in exact arithmetic, but on
quantized depth (disparities in steps of 1/4 px, integer millimetres) exact ties
``|a - b| == tol |a|`` are common, and the float32 rounding of the same map read in other
units (``mm / 1000`` for metres) moves each side by about 1e-7 relative, so a tie goes one
way in millimetres and the other in metres (issue #13: a fill changed by 4e-4 of its range
between disparities and disparities / 100). :data:`TIE_MARGIN` widens such a threshold by a
relative 1e-4, far above that rounding (at most about 1e-7 / ``tol`` relative to the
threshold) and far below any tuned tolerance, so an exact tie always counts as "within".
"""

from __future__ import annotations

from numba import njit

__all__ = ["TIE_MARGIN", "beyond"]

#: Relative widening of a relative threshold (see the module docstring).
TIE_MARGIN = 1e-4


@njit(cache=True)
def beyond(x, limit):
    """Whether ``x`` exceeds the non-negative threshold ``limit`` by more than
    :data:`TIE_MARGIN` of it: ``x > limit (1 + TIE_MARGIN)``, so a tie (``x == limit`` up
    to float32 rounding) is never beyond.

    Parameters
    ----------
    x : float
        The tested quantity (e.g. ``|a - b|``).
    limit : float
        The threshold, >= 0 (e.g. ``tol * |a|``).

    Returns
    -------
    bool
    """
    return x > limit * (1.0 + TIE_MARGIN)
