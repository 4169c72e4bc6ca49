"""SR-MIDDLEBURY of BENCHMARKS.md (depth super-resolution x4, x8, x16), and its seed subset.

The degradation is :func:`depthsmith.degrade.sr_degrade`.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..datasets import load, scenes
from ..degrade import sr_degrade
from ._core import Case, Method, Task

__all__ = ["SR_MIDDLEBURY", "SR_MIDDLEBURY_SEED", "SEED_SCENES", "FACTORS", "sr_methods",
           "PEER_GF", "PEER_JBF"]

FACTORS = (4, 8, 16)
SEED_SCENES = ("cones", "teddy", "tsukuba", "venus")
# peer settings, chosen once (not tuned per factor or scene)
PEER_GF = {"radius": 8, "eps": (0.01 * 255) ** 2}  # cv2.ximgproc.guidedFilter, uint8 guide
PEER_JBF = {"d": 9, "sigmaColor": 25.0, "sigmaSpace": 9.0}  # jointBilateralFilter


def _cases(root, only=None):
    for f in scenes("middlebury", root):
        if only is not None and f.name not in only:
            continue
        s = load(f)
        png = np.where(s.valid, s.depth * s.scale, 0).astype(np.float32)
        for k in FACTORS:
            lr, g, gt, v = sr_degrade(png, s.valid, s.rgb, k)
            yield Case(f.name, {"depth": lr, "guide": g}, {"gt": gt, "valid": v,
                                                           "shape": gt.shape}, group=f"x{k}")


def _score(pred, case) -> dict:
    v = case.truth["valid"]
    err = pred[v].astype(np.float64) - case.truth["gt"][v].astype(np.float64)
    if not np.isfinite(err).all():
        return {"rmse": float("nan")}
    return {"rmse": float(np.sqrt(np.mean(err ** 2)))}


def _size(guide):
    return guide.shape[1], guide.shape[0]


def peer_nearest(depth, guide):
    """``cv2.resize`` INTER_NEAREST."""
    return cv2.resize(depth, _size(guide), interpolation=cv2.INTER_NEAREST)


def peer_bicubic(depth, guide):
    """``cv2.resize`` INTER_CUBIC (the published tables' bicubic row)."""
    return cv2.resize(depth, _size(guide), interpolation=cv2.INTER_CUBIC)


def peer_bicubic_gf(depth, guide):
    """Bicubic, then ``cv2.ximgproc.guidedFilter`` (radius 8, eps (0.01*255)^2)."""
    bic = cv2.resize(depth, _size(guide), interpolation=cv2.INTER_CUBIC)
    return cv2.ximgproc.guidedFilter(guide, bic, PEER_GF["radius"], PEER_GF["eps"], -1)


def peer_bicubic_jbf(depth, guide):
    """Bicubic, then ``cv2.ximgproc.jointBilateralFilter`` (d 9, sigmaColor 25, space 9)."""
    bic = cv2.resize(depth, _size(guide), interpolation=cv2.INTER_CUBIC)
    return cv2.ximgproc.jointBilateralFilter(guide.astype(np.float32), bic, PEER_JBF["d"],
                                             PEER_JBF["sigmaColor"], PEER_JBF["sigmaSpace"])


def _ours(fn):
    def call(depth, guide):
        return fn(depth, guide, size=guide.shape[:2])
    return call


def sr_methods() -> list[Method]:
    """Our guided methods (nearest/bicubic are the peers' exact cv2 calls), then peers."""
    from .. import upsample

    # nearest and bicubic are the peers' exact cv2 calls: run once, as peers
    ours = [Method(n, _ours(fn), "ours", note="default" if n == "auto" else "")
            for n, fn in upsample.METHODS.items() if n not in ("nearest", "bicubic")]
    peers = [
        Method("nearest", peer_nearest),
        Method("bicubic", peer_bicubic),
        Method("bicubic+cv2.guidedFilter", peer_bicubic_gf),
        Method("bicubic+cv2.jointBilateralFilter", peer_bicubic_jbf),
    ]
    return ours + peers


_DESC = ("Depth super-resolution x4/x8/x16 on {what}: nearest-filled PNG-scale GT cropped to "
         "a multiple of the factor, cv2.resize INTER_CUBIC down, full-res RGB guide; RMSE "
         "over known GT in PNG units (0-255). Our default is `auto`: `learned` where the "
         "low-res input looks antialiased, else `optimize` (this point-sampled input reads "
         "as aliased: `optimize`). `learned`'s shipped weights saw every Middlebury scene "
         "here but cones, teddy, tsukuba and venus.")

SR_MIDDLEBURY = Task("SR-MIDDLEBURY", _DESC.format(what="every shared Middlebury scene"),
                     _cases, _score, sr_methods, columns=("rmse",))

SR_MIDDLEBURY_SEED = Task(
    "SR-MIDDLEBURY-SEED",
    _DESC.format(what="the seed table's four scenes (Cones, Teddy, Tsukuba, Venus)"),
    lambda root: _cases(root, SEED_SCENES), _score, sr_methods, columns=("rmse",))
