"""SR-STANDARD of BENCHMARKS.md: guided depth SR with the field's standard protocol.

Sets: ``middlebury_sr30`` and ``lu2014_kinect`` (PNG units 0-255, predictions clipped to
[0, 255]) and ``rgbdd`` (scored in cm), each factor of each set its own group, plus the real
low-resolution RGB-D-D frames (the phone ToF's own 192x144 depth to 512x384) as a group of
its own. The degradation is :func:`depthsmith.degrade.sr_standard_degrade`. Methods and
peers are SR-MIDDLEBURY's (:func:`sr_methods`), plus the papers' PIL-bicubic row.
"""

from __future__ import annotations

import numpy as np

from ..datasets import load, scenes
from ..degrade import sr_standard_degrade
from ._core import Case, Method, Task
from ._sr_tasks import FACTORS, sr_methods

__all__ = ["SR_STANDARD", "SETS", "REAL_GROUP", "standard_methods", "peer_bicubic_pil",
           "ANCHORS"]

# dataset folder -> (table name, divisor to the scored unit, clip range or None)
SETS = {
    "middlebury_sr30": ("Middlebury", 1.0, (0.0, 255.0)),
    "lu2014_kinect": ("Lu", 1.0, (0.0, 255.0)),
    "rgbdd": ("RGB-D-D", 10.0, None),  # mm -> cm
}
REAL_GROUP = "RGB-D-D real LR (192x144 -> 512x384)"

#: Published RMSE on the full test sets, x4 / x8 / x16 (DCTNet, Zhao et al., CVPR 2022,
#: trained on 1000 NYU v2 frames); RGB-D-D in cm. For comparison only: not rows of the task.
ANCHORS = {"Middlebury": (1.10, 2.05, 4.19), "Lu": (0.88, 1.85, 4.39),
           "RGB-D-D": (1.08, 1.74, 3.05)}


def _gt(s):
    """The ground truth on the scale the set is published on (PNG units or mm)."""
    if "png" in s.extra:  # middlebury_sr30: the stored 0-255 values
        return s.extra["png"]
    return np.nan_to_num(s.depth, nan=0.0)  # Lu: stored values; RGB-D-D: mm


def _cases(root):
    for ds, (label, div, clip) in SETS.items():
        for f in scenes(ds, root):
            s = load(f)
            hr = _gt(s)
            for k in FACTORS:
                lr, guide, truth = sr_standard_degrade(hr, s.rgb, k)
                yield Case(s.name, {"depth": lr, "guide": guide},
                           {"gt": truth, "div": div, "clip": clip, "shape": truth.shape},
                           group=f"{label} x{k}")
    for f in scenes("rgbdd", root, require=("depth_lr_phone_filled_mm.png",)):
        s = load(f)
        lr = np.nan_to_num(s.extra["depth_lr"], nan=0.0).astype(np.float32)
        truth = _gt(s).astype(np.float32)
        yield Case(s.name, {"depth": lr, "guide": s.rgb},
                   {"gt": truth, "div": 10.0, "clip": None, "shape": truth.shape},
                   group=REAL_GROUP)


def _score(pred, case) -> dict:
    """RMSE over all pixels, in PNG units (clipped to [0, 255] first) or cm."""
    p = np.asarray(pred, np.float64)
    clip = case.truth["clip"]
    if clip is not None:
        p = np.clip(p, *clip)
    err = (p - case.truth["gt"].astype(np.float64)) / case.truth["div"]
    if not np.isfinite(err).all():
        return {"rmse": float("nan")}
    return {"rmse": float(np.sqrt(np.mean(err ** 2)))}


def peer_bicubic_pil(depth, guide):
    """PIL's bicubic resize of the float map to the guide's size (the papers' bicubic row)."""
    from PIL import Image

    h, w = guide.shape[:2]
    img = Image.fromarray(np.ascontiguousarray(depth, np.float32))
    return np.array(img.resize((w, h), Image.BICUBIC), dtype=np.float32)


def standard_methods() -> list[Method]:
    """SR-MIDDLEBURY's methods and peers, plus the PIL-bicubic row."""
    return [*sr_methods(), Method("bicubic (PIL, the papers' row)", peer_bicubic_pil)]


def _anchor_text() -> str:
    return "; ".join(f"{k} {' / '.join(f'{v:.2f}' for v in vals)}"
                     for k, vals in ANCHORS.items())


SR_STANDARD = Task(
    "SR-STANDARD",
    "Guided depth SR with the DKN/FDSR/DCTNet protocol: middlebury_sr30 (20 scenes) and "
    "lu2014_kinect (6) in PNG units (predictions clipped to [0, 255]), rgbdd (204 frames) in "
    "cm; GT cropped to a multiple of s, LR = PIL bicubic resize of the float GT (x4/x8/x16), "
    "full-res RGB guide; RMSE per image over all pixels, mean over images. Real LR: the 3 "
    "RGB-D-D frames with the phone ToF's own 192x144 depth, output 512x384 (our methods get "
    "size=), RMSE in cm. `bicubic` is OpenCV INTER_CUBIC (our bicubic); the papers' bicubic "
    "row is PIL's. Our default is `auto` (`learned` where the low-res input looks "
    "antialiased, as this protocol's does, at x2-x16, the real LR included; otherwise "
    "`optimize`, or `jbu` below x4). `learned`'s shipped weights saw the Middlebury-30 "
    "scenes except cones and teddy: its (and auto's) Middlebury-30 rows are not held-out "
    "figures (see benchmarks/learn_sr_kfold.py); Lu and RGB-D-D were never trained on. Published "
    "anchors, not run here (DCTNet, CVPR 2022, full test sets, x4 / x8 / x16): "
    f"{_anchor_text()}.",
    _cases, _score, standard_methods, columns=("rmse",))
