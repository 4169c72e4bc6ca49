"""Refine: RGB-guided, edge-preserving denoising and sharpening of depth maps.

``refine(depth, guide, method="auto")`` runs one of :data:`METHODS`: a joint bilateral filter
(exact or colour lattice), the color guided filter, a joint weighted median, a
confidence-aware global solver (fast global smoother) and ``auto``, the documented default
pipeline. Each method is also a plain function of the same name.
"""

from ._api import METHODS, refine
from ._auto import auto
from ._guided import guided
from ._joint_bilateral import joint_bilateral, lattice_sigma
from ._solver import solver
from ._weighted_median import weighted_median

__all__ = ["refine", "METHODS", "auto", "joint_bilateral", "guided", "weighted_median",
           "solver", "lattice_sigma"]
