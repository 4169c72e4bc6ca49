"""REFINE of BENCHMARKS.md: RGB-guided refinement of a blotchy, blurred, noisy depth.

The degradation is :func:`depthsmith.degrade.refine_degrade`.

Peers are OpenCV ximgproc's edge-aware filters (what a user would reach for) and, when kornia
and torch import, kornia's ``joint_bilateral_blur``. Peer parameters are documented on each
wrapper; each is the best of a small sweep on cones, teddy, art and aloe (JBF d=9: sigmaColor
{10, 20, 40} x sigmaSpace {3, 4.5}; guidedFilter: radius {2, 4, 8} x eps {50, 400, 2000}; FGS:
lambda {30, 100, 400} x sigma_color {4, 8, 16}; WMF: r {4, 7, 10} x sigma {10, 25.5}), the
same scenes our own defaults were tuned on. d=25 keeps the issue's sigmaColor 20, sigmaSpace 12.5.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..datasets import load, scenes
from ..degrade import refine_degrade
from ..metrics import edge_band
from ._core import Case, Method, Task

__all__ = ["REFINE", "refine_methods"]


def _cases(root):
    for f in scenes("middlebury", root):
        s = load(f)
        deg = refine_degrade(s.depth, s.valid)
        band = edge_band(s.depth, valid=s.valid, radius=3, jump=1.0)
        yield Case(s.name.split("/", 1)[1], {"depth": deg, "guide": s.rgb},
                   {"gt": s.depth, "valid": s.valid, "band": band, "shape": s.depth.shape})


def _score(pred, case) -> dict:
    gt, v, band = case.truth["gt"], case.truth["valid"], case.truth["band"]
    p = np.asarray(pred, np.float64)
    g = np.asarray(gt, np.float64)
    err = p - g
    if not np.isfinite(err[v]).all():
        return {"rmse": float("nan"), "rmse_edge": float("nan")}
    return {"rmse": float(np.sqrt(np.mean(err[v] ** 2))),
            "rmse_edge": float(np.sqrt(np.mean(err[band] ** 2))) if band.any() else float("nan")}


# ---- peers -----------------------------------------------------------------------------

def peer_identity(depth, guide):
    """The degraded input itself."""
    return depth


def _jbf(d, sigma_color, sigma_space):
    def fn(depth, guide):
        # ximgproc needs the joint image and the source in the same dtype: float32 copies
        return cv2.ximgproc.jointBilateralFilter(guide.astype(np.float32),
                                                 depth.astype(np.float32), d, sigma_color,
                                                 sigma_space)
    return fn


def peer_guided(depth, guide, *, radius=2, eps=50.0):
    """``cv2.ximgproc.guidedFilter`` (color guide, eps in squared 0-255 units)."""
    return cv2.ximgproc.guidedFilter(guide, depth.astype(np.float32), radius, eps)


def peer_fgs(depth, guide, *, lam=100.0, sigma_color=4.0):
    """``cv2.ximgproc.fastGlobalSmootherFilter`` (Min et al. 2014) on the uint8 guide."""
    return cv2.ximgproc.fastGlobalSmootherFilter(guide, depth.astype(np.float32), lam,
                                                 sigma_color)


def peer_wmf(depth, guide, *, radius=4, sigma=25.5):
    """``cv2.ximgproc.weightedMedianFilter`` (Zhang et al. 2014), exponential weights."""
    return cv2.ximgproc.weightedMedianFilter(guide, depth.astype(np.float32), radius, sigma)


def _kornia_peer():
    try:
        import kornia  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return None

    def fn(depth, guide):
        import kornia
        import torch

        d = torch.from_numpy(np.ascontiguousarray(depth, np.float32))[None, None]
        g = torch.from_numpy(guide.astype(np.float32).transpose(2, 0, 1).copy())[None] / 255.0
        out = kornia.filters.joint_bilateral_blur(d, g, (9, 9), 20.0 / 255.0, (4.5, 4.5))
        return out[0, 0].numpy()
    return fn


def refine_methods() -> list[Method]:
    """Our registered refine methods, then the peers (kornia only when it imports)."""
    from .. import refine

    ours = [Method(n, _ours(fn), "ours") for n, fn in refine.METHODS.items()]
    peers = [
        Method("identity", peer_identity),
        Method("cv2 jointBilateralFilter d=9", _jbf(9, 20.0, 4.5),
               note="sigmaColor 20, sigmaSpace 4.5"),
        Method("cv2 jointBilateralFilter d=25", _jbf(25, 20.0, 12.5),
               note="sigmaColor 20, sigmaSpace 12.5"),
        Method("cv2 guidedFilter", peer_guided, note="radius 2, eps 50"),
        Method("cv2 fastGlobalSmootherFilter", peer_fgs, note="lambda 100, sigma_color 4"),
        Method("cv2 weightedMedianFilter", peer_wmf, note="r 4, sigma 25.5"),
    ]
    k = _kornia_peer()
    if k is not None:
        peers.append(Method("kornia joint_bilateral_blur", k, note="9x9, sigma 20/255, 4.5"))
    return ours + peers


def _ours(fn):
    def call(depth, guide):
        return fn(depth, guide)
    return call


REFINE = Task(
    "REFINE",
    "Every Middlebury scene: GT disparity area-downsampled x4, bicubic back, Gaussian blur "
    "sigma 2 px, noise sigma 2 % of the range (seed 0); RMSE (px) over known GT and over the "
    "3-px band around GT discontinuities (> 1 px).",
    _cases, _score, refine_methods, columns=("rmse", "rmse_edge"))
