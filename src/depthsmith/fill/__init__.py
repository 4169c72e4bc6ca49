"""Fill holes and occlusions of depth maps: color-guided propagation and classical fills.

``fill_holes(depth, guide, method=...)`` is the entry point; each method is also a plain
function, and :data:`METHODS` maps names to them (the CLI and the benchmarks use it).
"""

from ._api import METHODS, auto_fill, fill_holes
from ._guided import guided_fill
from ._methods import background_fill, colorization_fill, normconv_fill

__all__ = ["fill_holes", "auto_fill", "guided_fill", "normconv_fill", "colorization_fill",
           "background_fill", "METHODS"]
