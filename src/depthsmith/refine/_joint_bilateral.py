"""Joint (cross) bilateral filter: exact window or colour-lattice fast path."""

from __future__ import annotations

import math

import numpy as np

from .._validate import InputError, check_positive
from ..ops import joint_bilateral_exact, joint_bilateral_lattice
from ._common import prepare

__all__ = ["joint_bilateral", "lattice_sigma", "LATTICE_SIGMA_FACTOR", "FAST_FROM_RADIUS"]

#: The lattice's Gaussian is the window kernel's equal-variance Gaussian times this factor,
#: which minimises the RMSE between the two filters on Middlebury cones, teddy and art
#: (docs/bench_refine.md).
LATTICE_SIGMA_FACTOR = 1.15
#: ``fast=None`` takes the lattice from this window radius on, where it beats the window
#: in time (docs/bench_refine.md, fast joint bilateral).
FAST_FROM_RADIUS = 6


def lattice_sigma(radius: int, sigma_space: float) -> float:
    """Gaussian sigma (px) with the same second moment as the truncated window kernel.

    The exact filter's spatial kernel is a Gaussian of ``sigma_space`` cut to
    ``|dx| <= radius``; the lattice has no window, so it uses the Gaussian of equal
    variance (e.g. radius 12, sigma_space 12.5 gives 6.7 px), times
    :data:`LATTICE_SIGMA_FACTOR`.
    """
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-x * x / (2 * sigma_space * sigma_space))
    if radius <= 0:
        return 0.5
    return LATTICE_SIGMA_FACTOR * float(np.sqrt((x * x * k).sum() / k.sum()))


def joint_bilateral(depth, guide, *, valid=None, confidence=None, radius: int | None = None,
                    sigma_space: float = 3.0, sigma_color: float = 20.0,
                    color_space: str = "rgb", fast: bool | None = None) -> np.ndarray:
    """Joint (cross) bilateral filter of ``depth`` steered by ``guide``.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (never rescaled).
    guide : (H, W[, 3]) array
        Color or gray image: uint8, uint16 or float in [0, 1].
    valid : (H, W) bool, optional
        Trusted pixels, default finite & > 0; the others are never read (normalized
        convolution) and are filled from their valid neighbours.
    confidence : (H, W) float >= 0, optional
        Per-pixel weight, multiplied by ``valid``.
    radius : int, optional
        Window half-width in px (window ``2 radius + 1``); default ``ceil(2 sigma_space)``.
        ``radius=12, sigma_space=12.5, sigma_color=20`` is OpenCV's
        ``jointBilateralFilter(d=25, sigmaColor=20, sigmaSpace=12.5)``.
    sigma_space : float
        Spatial Gaussian standard deviation in px.
    sigma_color : float
        Range Gaussian standard deviation on the Euclidean color distance, in 8-bit steps
        whatever the guide's dtype, or in Lab units with ``color_space='lab'``.
    color_space : {'rgb', 'lab'}
        Where color distances are measured (Lab needs an RGB guide).
    fast : bool, optional
        True: permutohedral lattice (O(N), Gaussian of the window kernel's variance, no
        truncation); False: exact windowed sum (O(N r^2)); default: lattice when
        ``radius >=`` :data:`FAST_FROM_RADIUS` (where it is faster than the window).

    Returns
    -------
    (H, W) float32; NaN only where no valid pixel is in reach.

    References
    ----------
    .. [1] G. Petschnigg et al., "Digital photography with flash and no-flash image
       pairs", SIGGRAPH 2004; J. Kopf et al., "Joint bilateral upsampling", SIGGRAPH 2007.
    .. [2] A. Adams, J. Baek and M. A. Davis, "Fast high-dimensional filtering using the
       permutohedral lattice", Eurographics 2010.
    """
    d, g, v, c = prepare(depth, guide, valid, confidence)
    ss = check_positive(sigma_space, "sigma_space")
    r = int(math.ceil(2.0 * ss)) if radius is None else radius
    if fast is None:
        fast = isinstance(r, int | np.integer) and r >= FAST_FROM_RADIUS
    if fast:
        if not isinstance(r, int | np.integer) or r < 0:
            raise InputError(f"radius must be an integer >= 0, got {radius!r}")
        out, _ = joint_bilateral_lattice(d, g, sigma_space=lattice_sigma(int(r), ss),
                                         sigma_color=sigma_color, valid=v,
                                         confidence=c, color_space=color_space)
    else:
        out, _ = joint_bilateral_exact(d, g, radius=r, sigma_space=ss,
                                       sigma_color=sigma_color, valid=v,
                                       confidence=c, color_space=color_space)
    return out
