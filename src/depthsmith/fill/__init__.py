"""Fill holes and occlusions of depth maps: color-guided propagation and classical fills.

``fill_holes(depth, guide, method=...)`` is the entry point; each method is also a plain
function of the same name, and :data:`METHODS` maps names to them (the CLI, the benchmark
runner and the batch runner enumerate it). Shared hints: ``occlusion``, ``disparity``.
"""

from ._api import METHODS, auto, fill_holes
from ._background import background
from ._biharmonic import biharmonic
from ._colorization import colorization
from ._guided import guided
from ._normconv import normconv
from ._planes import planes

__all__ = ["fill_holes", "METHODS", "auto", "planes", "guided", "normconv", "colorization",
           "background", "biharmonic"]
