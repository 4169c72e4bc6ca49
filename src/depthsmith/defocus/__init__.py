"""Defocus: blur (defocus) maps and relative depth from ONE photo by maximum-likelihood
blur-kernel estimation in the Fourier domain.

Entry points: :func:`estimate_blur` (one patch), :func:`loglik_surface`, :func:`blur_map`
(one image), :func:`simulate`, :func:`blur_to_depth`; registries ``PATCH_METHODS`` and
``MAP_METHODS``. Primitives (periodograms, priors, likelihood): ``defocus._likelihood``;
kernels and their spectra: :func:`depthsmith.ops.defocus_kernel`,
:func:`depthsmith.ops.kernel_power`.
"""

from ._api import (
                   MAP_METHODS,
                   PATCH_METHODS,
                   auto_map,
                   auto_patch,
                   blur_map,
                   estimate_blur,
                   loglik_surface,
)
from ._common import BlurEstimate, BlurMap, DefocusWarning
from ._decorrelation import decorrelation, decorrelation_loss
from ._depth import blur_radius, blur_to_depth
from ._iid_grid import iid_grid
from ._ml import ml, ml_ar1
from ._patches import patches
from ._report import report
from ._segments import segment_labels, segments
from ._simulate import simulate

__all__ = ["estimate_blur", "loglik_surface", "blur_map", "simulate", "blur_to_depth",
           "blur_radius", "PATCH_METHODS", "MAP_METHODS", "BlurEstimate", "BlurMap",
           "DefocusWarning", "auto_patch", "auto_map", "ml", "ml_ar1", "iid_grid", "report",
           "patches", "segments", "segment_labels", "decorrelation", "decorrelation_loss"]
