"""Primitives shared by every task: normalized convolution, nearest fill, filters, solvers.

Tasks import from here, never from one another.
"""

from .._color import to_gray
from ._biharmonic import MAX_UNKNOWNS, biharmonic_fill
from ._bilateral import joint_bilateral_exact, joint_bilateral_lattice, prepare_weights
from ._colordist import color_dist2
from ._colorization import colorization_fill, colorization_system
from ._fastguided import fast_guided_filter, fast_guided_upsample
from ._geodesic import geodesic_propagate, geodesic_two_layers
from ._guided import clamp_to_window_range, guided_core, guided_filter
from ._jbu import JBU_SIGMA_COLOR, joint_bilateral_upsample
from ._kernels import (
                       DEFOCUS_KERNELS,
                       KERNELS,
                       blur_kernel,
                       defocus_kernel,
                       kernel_power,
                       kernel_std,
)
from ._normconv import nearest_fill
from ._permutohedral import permutohedral_filter
from ._push_pull import push_pull_fill
from ._pyramid_normconv import halve_sums, multiscale_normconv, put_samples
from ._range_refit import range_refit
from ._solver import fast_global_smoother, fgs_normalized, fgs_planes, fgs_weights
from ._ties import TIE_MARGIN, beyond
from ._wmedian import weighted_median

__all__ = ["nearest_fill", "to_gray", "color_dist2"]
__all__ += ["guided_filter", "guided_core", "clamp_to_window_range"]
__all__ += ["colorization_fill", "colorization_system"]
__all__ += ["joint_bilateral_upsample", "JBU_SIGMA_COLOR", "fast_guided_filter",
            "fast_guided_upsample"]
__all__ += ["KERNELS", "blur_kernel", "kernel_std", "DEFOCUS_KERNELS", "defocus_kernel",
            "kernel_power"]
__all__ += ["joint_bilateral_exact", "joint_bilateral_lattice", "prepare_weights",
            "permutohedral_filter", "fast_global_smoother", "fgs_normalized", "fgs_planes",
            "fgs_weights", "weighted_median"]
__all__ += ["biharmonic_fill", "MAX_UNKNOWNS"]
__all__ += ["multiscale_normconv", "put_samples", "halve_sums", "push_pull_fill", "range_refit"]
__all__ += ["geodesic_propagate", "geodesic_two_layers", "TIE_MARGIN", "beyond"]
