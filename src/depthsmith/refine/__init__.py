"""Refine: RGB-guided, edge-preserving denoising and sharpening of depth maps.

``refine(depth, guide, method="auto")`` runs one of :data:`METHODS`: a joint bilateral filter
(exact or permutohedral lattice), the color guided filter, a joint weighted median, a
confidence-aware global solver (fast global smoother) and ``auto``, the documented default
pipeline.
"""

from ._refine import (
    METHODS,
    auto,
    guided,
    joint_bilateral,
    lattice_sigma,
    refine,
    solver,
    weighted_median_refine,
)

__all__ = ["refine", "METHODS", "joint_bilateral", "guided", "weighted_median_refine", "solver",
           "auto", "lattice_sigma"]
