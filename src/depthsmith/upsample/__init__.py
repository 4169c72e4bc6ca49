"""Guided depth super-resolution (x2-x16 and arbitrary sizes).

``upsample(depth, factor, guide)`` picks a method by a documented rule (``auto``);
``METHODS`` maps each method name to its function of the same name (same call shape:
low-res depth, guide, keyword ``size``, ``valid`` and the method's parameters).
"""

from ._api import (
    LEARNED_FROM_MIXED,
    LEARNED_RANGE,
    METHODS,
    OPTIMIZE_FROM,
    auto,
    auto_method,
    upsample,
)
from ._bicubic import bicubic
from ._common import output_size
from ._guided import guided
from ._jbu import jbu
from ._nearest import nearest
from ._optimize import optimize

__all__ = ["upsample", "METHODS", "auto", "auto_method", "output_size", "OPTIMIZE_FROM",
           "LEARNED_RANGE", "LEARNED_FROM_MIXED",
           "nearest", "bicubic", "jbu", "guided", "optimize"]
