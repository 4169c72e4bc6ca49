"""Complete: sparse-to-dense depth completion (LiDAR, SfM points, sampled sensors).

``complete(depth, guide=None, *, valid=None, method="auto", **params)`` runs one of
:data:`METHODS`; :func:`sample` draws the seed's four sampling schemes for experiments.
"""

from ._api import (
    GUIDED_MAX_DENSITY,
    LINE_GAP_FILL,
    LINE_SIGMA,
    METHODS,
    auto,
    choose_method,
    choose_params,
    complete,
    scan_lines,
)
from ._guided import guided
from ._interpolate import interpolate
from ._morphological import PRESETS, cross_kernel, diamond_kernel, full_kernel, morphological
from ._normconv import normconv
from ._sample import SCHEMES, gradient_magnitude, sample

__all__ = [
    "complete", "METHODS", "auto", "choose_method", "choose_params", "scan_lines",
    "LINE_SIGMA", "LINE_GAP_FILL", "GUIDED_MAX_DENSITY", "morphological",
    "normconv", "interpolate", "guided", "sample", "SCHEMES", "gradient_magnitude", "PRESETS",
    "diamond_kernel", "full_kernel", "cross_kernel",
]
