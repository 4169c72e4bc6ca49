"""Guided depth super-resolution (x2-x16 and arbitrary sizes).

``upsample(depth, scale, guide)`` picks a method by a documented rule (``auto``);
``METHODS`` maps each method name to its function (same call shape: low-res depth, guide,
keyword ``size``, ``valid`` and the method's parameters).
"""

from ._upsample import (
    METHODS,
    auto_method,
    output_size,
    upsample,
    upsample_bicubic,
    upsample_guided,
    upsample_jbu,
    upsample_nearest,
    upsample_optimize,
)

__all__ = ["METHODS", "upsample", "auto_method", "output_size", "upsample_nearest",
           "upsample_bicubic", "upsample_jbu", "upsample_guided", "upsample_optimize"]
