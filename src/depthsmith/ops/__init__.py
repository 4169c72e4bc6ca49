"""Primitives shared by every task: normalized convolution, nearest fill, filters, solvers.

Tasks import from here, never from one another.
"""

from .._color import MATLAB_GRAY, REC601, to_gray, to_lab
from ._bilateral import joint_bilateral_exact, joint_bilateral_lattice, permutohedral_filter
from ._colorization import colorization_fill, colorization_system
from ._fastguided import fast_guided_filter, fast_guided_upsample
from ._geodesic import geodesic_propagate, geodesic_two_layers
from ._guided import box_mean, guided_core, guided_filter
from ._jbu import joint_bilateral_upsample, sample_centres
from ._kernels import KERNELS, blur_kernel, kernel_std
from ._normconv import gaussian_normconv, nearest_fill
from ._pyramid_normconv import multiscale_normconv, range_refit
from ._solver import fast_global_smoother, fgs_normalized, fgs_planes, fgs_weights
from ._wmedian import weighted_median

__all__ = ["gaussian_normconv", "nearest_fill", "to_gray", "to_lab", "REC601", "MATLAB_GRAY"]
__all__ += ["guided_filter", "guided_core", "box_mean"]
__all__ += ["colorization_fill", "colorization_system"]
__all__ += ["joint_bilateral_upsample", "sample_centres", "fast_guided_filter",
            "fast_guided_upsample"]
__all__ += ["KERNELS", "blur_kernel", "kernel_std"]
__all__ += ["joint_bilateral_exact", "joint_bilateral_lattice", "permutohedral_filter",
            "fast_global_smoother", "fgs_normalized", "fgs_planes", "fgs_weights",
            "weighted_median"]
__all__ += ["multiscale_normconv", "range_refit"]
__all__ += ["geodesic_propagate", "geodesic_two_layers"]
