"""``optimize``: plane-fit JBU + guided filter, then a depth-edge band refinement."""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import Guide, InputError, check_positive
from ..ops import fast_global_smoother, fast_guided_filter, guided_core, joint_bilateral_upsample
from ._common import factor_of, filled, finish, or_default, prepare
from ._common import sigma_depth as sigma_depth_default
from ._jbu import jbu

__all__ = ["optimize"]

# Chosen on small grids over the 21 shared Middlebury scenes (SR-MIDDLEBURY x4-x16); the
# band stage on 7 of them (docs/bench_upsample.md, "Parameters of ours").
#: JBU range sigma, 8-bit steps.
OPT_SIGMA_COLOR = 16.0
#: Guided-filter eps, squared 8-bit steps.
OPT_EPS = 1.0
#: The subsampled stage-1 path runs from factor SUBSAMPLED_FROM x subsample on (x8 for 2).
SUBSAMPLED_FROM = 4
#: Band of stage 2: pixels whose estimate varies by more than BAND_THRESHOLD sigma_depth
#: within (2 floor(factor / BAND_WINDOW_DIVISOR) + 1)^2 px.
BAND_THRESHOLD = 0.6
BAND_WINDOW_DIVISOR = 4
#: The band's edge is a ramp, not a step, centred on the threshold: a pixel whose variation
#: is (1 + x) times the threshold takes clip(1/2 + x / BAND_RAMP, 0, 1) of the band JBU, so
#: that float32 rounding (the same map in other units) cannot flip a pixel in or out of the
#: band (#13); centred, it leaves SR-MIDDLEBURY's mean RMSE unchanged (docs/units.md).
BAND_RAMP = 0.1
#: Spatial sigma of the band JBU in low-res sample spacings (stage 1 uses 0.5).
BAND_SIGMA_SPACE = 0.35
#: Default sigma_depth: this fraction of the 1-99 % range of the valid low-res depth.
SIGMA_DEPTH_FRACTION = 0.05
#: Edge scale of the optional WLS stage (lam > 0), 8-bit steps.
SMOOTH_SIGMA_COLOR = 8.0


def optimize(depth, guide, *, size=None, valid=None, sigma_color: float | None = None,
             radius: int | None = None, eps: float | None = None,
             subsample: int = 2, planar: bool = False, iterations: int = 1,
             sigma_depth: float | None = None, lam: float = 0.0,
             sigma_smooth: float | None = None) -> np.ndarray:
    """Best classical quality: plane-fit joint bilateral upsampling, then edge refinement.

    For factors >= ``4 * subsample`` (x8 and up by default), with a color guide:

    1. :func:`depthsmith.ops.joint_bilateral_upsample` (a color-weighted plane fit to the
       3x3 nearest low-res samples [1]_, range sigma ``sigma_color``) evaluated on a grid
       ``subsample`` times coarser than the output (the guide area-downsampled), a color
       guided filter [2]_ there (window half the factor, small ``eps``), and a bilinear
       resize to full resolution: a cheap estimate whose depth edges already follow the
       color edges;
    2. ``iterations`` times: in the band where that estimate varies by more than
       ``0.6 sigma_depth`` within a quarter of the factor (around its depth edges, about a
       third of the pixels), the plane-fit JBU again, now at full resolution and with a
       depth-range weight against the estimate (a noise-aware / trilateral JBU [3]_), so
       that the samples from the far side of a resolved depth edge, and the mixed samples
       on it, stop leaking in (within 5 % of the threshold a pixel takes a linear share
       of the correction, :data:`BAND_RAMP`, so that the result is continuous in the input
       and the same in any units); then the exact color guided filter [2]_ over the whole
       image (window half the factor, small ``eps``), which snaps the remaining mixed
       pixels to the side whose color they share.

    Below that factor (or for a gray guide, or ``planar=True``) the JBU runs at full
    resolution and the fast guided filter [4]_ (``subsample``) follows; ``planar=True``
    adds the pixel coordinates as guided-filter regressors so that planar depth stays
    exactly planar. Optionally (``lam > 0``) a last stage applies the weighted-least-
    squares fast global smoother [5]_ with the result as data term.

    Parameters
    ----------
    depth, guide, size, valid
        As in :func:`~depthsmith.upsample.upsample` (``size`` must equal the guide's).
    sigma_color : float, optional   JBU range sigma in 8-bit steps (default 16)
    radius : int, optional     guided-filter window half-width in output px; default half
        the factor (at least 2)
    eps : float, optional      guided-filter regularisation in squared 8-bit steps;
        default 1
    subsample : int            grid reduction of stage 1 (1: everything at full resolution)
    planar : bool              plane-exact guided filter (full-resolution path only)
    iterations : int           stage-2 refinements (0: stage 1 and the guided filter only)
    sigma_depth : float, optional   stage-2 depth-range sigma in depth units; default 0.05
        x the (1st-99th percentile) range of the valid low-res depth
    lam : float                last-stage smoothness (0: off, the default)
    sigma_smooth : float, optional   its edge-weight scale in 8-bit steps (default 8)

    Returns
    -------
    (H, W) float32, dense.

    Notes
    -----
    On SR-MIDDLEBURY (docs/bench_upsample.md) stage 2 lowers the mean RMSE at x8 / x16 by
    about 7 % / 3 % over stage 1 + guided filter for about twice the time; the band JBU
    uses ``sigma_space=0.35`` sample spacings (tighter than the stage-1 0.5).

    References
    ----------
    .. [1] J. Kopf et al., "Joint bilateral upsampling", SIGGRAPH 2007.
    .. [2] K. He, J. Sun and X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    .. [3] D. Chan, H. Buisman, C. Theobalt and S. Thrun, "A noise-aware filter for
       real-time depth upsampling", ECCV Workshops, 2008.
    .. [4] K. He and J. Sun, "Fast guided filter", arXiv:1505.00996, 2015.
    .. [5] D. Min et al., "Fast global image smoothing based on weighted least squares",
       IEEE TIP 23(12), 2014.
    """
    d, v, g, sz = prepare(depth, valid, guide, size, True, "optimize")
    if sz == d.shape:
        return filled(d, v).copy()
    f = factor_of(d.shape, sz)
    r = int(max(2, f // 2)) if radius is None else radius
    if int(r) != r or r < 1:
        raise InputError(f"radius must be an integer >= 1, got {radius!r}")
    if int(subsample) != subsample or subsample < 1:
        raise InputError(f"subsample must be an integer >= 1, got {subsample!r}")
    if int(iterations) != iterations or iterations < 0:
        raise InputError(f"iterations must be an integer >= 0, got {iterations!r}")
    e = or_default(eps, OPT_EPS, "eps")
    sc = or_default(sigma_color, OPT_SIGMA_COLOR, "sigma_color")
    s = int(subsample)
    r = int(r)
    if s > 1 and f >= SUBSAMPLED_FROM * s and g.shape[2] == 3 and not planar:
        H, W = sz
        gf = g.levels
        gl = cv2.resize(gf, (W // s, H // s), interpolation=cv2.INTER_AREA)
        rl = max(1, int(round(r / s)))
        ul = finish(joint_bilateral_upsample(d, Guide.from_levels(gl), valid=v, sigma_color=sc),
                     d, v, gl.shape[:2])
        ql = guided_core(ul, gl, None, rl, e)
        u = cv2.resize(ql, (W, H), interpolation=cv2.INTER_LINEAR)
        if iterations:
            sd = sigma_depth_default(sigma_depth, d[v], SIGMA_DEPTH_FRACTION)
            k = np.ones((2 * max(1, int(f // BAND_WINDOW_DIVISOR)) + 1,) * 2, np.uint8)
        for _ in range(int(iterations)):
            x = (cv2.dilate(u, k) - cv2.erode(u, k)) / np.float32(BAND_THRESHOLD * sd) - 1
            wt = np.clip(x / np.float32(BAND_RAMP) + np.float32(0.5), 0, 1)
            band = wt > 0
            if band.any():
                t = joint_bilateral_upsample(d, g, valid=v, sigma_color=sc,
                                             sigma_space=BAND_SIGMA_SPACE,
                                             reference=u, sigma_depth=sd, mask=band)
                u = np.where(band & np.isfinite(t), u + wt * (t - u), u)
            u = guided_core(u, gf, None, r, e)
        if not iterations:
            u = guided_core(u, gf, None, r, e)
    else:
        u = jbu(d, g, valid=v, sigma_color=sc)
        u = fast_guided_filter(u, g, radius=r, eps=e, subsample=s, planar=bool(planar))
    lam = check_positive(lam, "lam", allow_zero=True)
    if lam > 0:
        ssm = or_default(sigma_smooth, SMOOTH_SIGMA_COLOR, "sigma_smooth")
        u = fast_global_smoother(u, g, lam=lam, sigma_color=ssm, valid=np.ones(sz, bool))
    return u.astype(np.float32)
