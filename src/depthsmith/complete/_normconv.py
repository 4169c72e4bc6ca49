"""Multi-scale first-order normalized convolution completion."""

from __future__ import annotations

import numpy as np

from .._validate import InputError, check_depth, check_valid
from ..ops import multiscale_normconv, put_samples
from ..ops._scanline_gaps import blend_gaps
from ._bounds import clip_to_samples

#: ``gap_fill`` choices of :func:`normconv`.
GAP_FILLS = ("pyramid", "delaunay")

__all__ = ["normconv"]


def normconv(depth, guide=None, *, valid=None, sigma_space=(1.2, 2.5), order: int = 1,
             ridge: float = 0.3, tau: float = 1.0, levels: int = 3, clamp: bool = False,
             keep_samples: bool = True, robust: float | None = 0.05,
             edge_spread: float = 0.05, gap_fill: str = "pyramid"):
    """Dense depth from sparse samples by multi-scale normalized convolution.

    At full resolution each pixel gets the weighted local plane (order 1, Knutsson &
    Westin's normalized convolution with the basis {1, x, y}) of the samples under an
    anisotropic Gaussian applicability (wider along rows, where LiDAR-like depth varies
    least); where the summed applicability is below ``tau`` the same fit on 2x, 4x, 8x
    coarser grids of the pushed-down certainty blends in (confidence propagation, Eldesokey
    et al.). Where the window spans a depth edge the plane is refitted once with range
    weights around that estimate (``robust``), so the two layers are not averaged. No
    learned weights; no guide is used.

    Parameters
    ----------
    depth : (H, W) array
        Sparse depth in any units (never rescaled); invalid pixels are never read.
    guide : ignored
        Accepted for the task's uniform call shape: this method uses no colour (``auto``
        picks :func:`~depthsmith.complete.guided` when the colour helps).
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    sigma_space : float or (rows, columns)
        Level-0 applicability in pixels.
    order : {0, 1}
        0: weighted mean; 1: weighted plane (exact on planar depth).
    ridge : float
        Penalty on the plane's slope (px^2, relative to the total weight).
    tau : float
        Certainty at which level 0 is fully trusted.
    levels : int
        Number of coarser grids.
    clamp : bool
        Clamp each fit to the range of the samples in its window (off by default: on the
        KITTI frames it changed RMSE by under 1 % and cost a fifth of the time).
    keep_samples : bool
        Put the input samples back unchanged (default). With False the samples are
        re-estimated by the fit like every other pixel (a mild smoothing).
    robust : float or None
        Relative range scale (0.05 = 5 % of the depth) of one range-weighted refit at the
        full-resolution pixels whose window spans a depth edge (one iteration of an
        iteratively reweighted normalized convolution with Welsch weights, Holland &
        Welsch): the layer the first estimate leans to wins instead of the two being
        averaged. None turns it off (then samples of two layers are averaged across edges);
        not run with ``order=0`` or ``clamp=True``.
    edge_spread : float
        A pixel is refitted where the applicability-weighted standard deviation of its
        window's samples exceeds this fraction of their weighted mean (0.05: 5 %).
    gap_fill : {"pyramid", "delaunay"}
        Where the level-0 certainty is below tau: pyramid (default) keeps the coarser
        levels' estimate, delaunay blends it towards the linear interpolation over the
        Delaunay triangulation of the samples around the gap. The blend weight is
        ``1 - certainty / tau``
        (:func:`~depthsmith.ops._scanline_gaps.delaunay_gap_fill`); the triangulation weighs
        each side of a hole by distance instead of by how many samples it holds (``auto``
        uses it on scan lines, where holes span several lines; docs/bench_complete.md).

    Returns
    -------
    (H, W) float32 ndarray, dense (no NaN), within the samples' range widened by 5 % of it
    (and at least half the smallest sample when all are positive:
    :func:`~depthsmith.complete._bounds.clip_to_samples`).

    References
    ----------
    .. [1] H. Knutsson and C.-F. Westin, "Normalized and differential convolution",
       CVPR 1993.
    .. [2] A. Eldesokey, M. Felsberg and F. S. Khan, "Propagating confidences through CNNs
       for sparse data regression", BMVC 2018.
    .. [3] P. W. Holland and R. E. Welsch, "Robust regression using iteratively reweighted
       least-squares", Communications in Statistics 6(9), 1977.
    .. [4] B. Delaunay, "Sur la sphere vide", 1934 (``gap_fill="delaunay"``).
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    if gap_fill not in GAP_FILLS:
        raise InputError(f"gap_fill must be one of {', '.join(GAP_FILLS)}, got {gap_fill!r}")
    if order != 1 or clamp:
        robust = None  # the refit is a first-order fit without clamping
    out, cert = multiscale_normconv(d, valid=v, sigma_space=sigma_space, order=order,
                                    ridge=ridge, tau=tau, clamp=clamp, levels=levels,
                                    sigma_range=robust, edge_spread=edge_spread)
    if gap_fill == "delaunay":
        out = np.ascontiguousarray(out, np.float32)
        blend_gaps(out, cert, tau, d, v)
    # planes extrapolated from noisy samples can run past every sample (to zero or below
    # from positive depth): bounded by the samples' widened range
    out = clip_to_samples(out, d[v])
    if keep_samples:
        put_samples(out, d, v)
    return out
