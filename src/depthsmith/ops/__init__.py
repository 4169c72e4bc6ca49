"""Primitives shared by every task: normalized convolution, nearest fill, filters, solvers.

Tasks import from here, never from one another.
"""

from ._guided import box_mean, guided_filter
from ._normconv import gaussian_normconv, nearest_fill

__all__ = ["gaussian_normconv", "nearest_fill"]
__all__ += ["guided_filter", "box_mean"]
