"""The ONNX inference path of the learned guided super-resolution (no PyTorch).

Steps: nearest-fill the invalid low-res pixels; normalise the depth from the low-res
input's robust range (:func:`normalise`, never the ground truth); bicubic pre-upsampling to
the output size; pad to the network's multiple (edge replication); run the ONNX model
through :mod:`depthsmith.learn._runtime`; map back to the user's units; optionally the
training-free consistency step of Metzger et al. 2023 (:func:`consistency_step`).
"""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import InputError
from . import _runtime

__all__ = ["FACTOR_RANGE", "MULTIPLE", "LOW_PCT", "HIGH_PCT", "normalise", "guide_input",
           "check_factor", "consistency_step", "smooth_consistency_step", "SMOOTH_ITERATIONS",
           "pad_to", "run_sr", "sr_upsample", "FLIPS",
           "self_ensemble"]

#: Factors the shipped network was trained for (log-uniform mixture, see ``_train_sr``).
FACTOR_RANGE = (2.0, 16.0)
#: The network's height and width multiple (space-to-depth by 4).
MULTIPLE = 4
#: Robust range of the low-res input used to normalise depth (percentiles).
LOW_PCT, HIGH_PCT = 1.0, 99.0
#: Input names of an SR model's ONNX graph.
INPUTS = ("depth", "rgb", "logf")


def normalise(lr_values) -> tuple[float, float]:
    """``(offset, scale)`` mapping depth to about [0, 1] from the low-res input's values.

    The 1st and 99th percentiles of the valid low-res samples; a flat input gets a scale
    of 1 % of its magnitude (or 1e-6), so it is never divided by zero.
    """
    v = np.asarray(lr_values, np.float64).ravel()
    lo, hi = np.percentile(v, [LOW_PCT, HIGH_PCT])
    floor = max(0.01 * max(abs(lo), abs(hi)), 1e-6)
    return float(lo), float(max(hi - lo, floor))


def guide_input(levels: np.ndarray) -> np.ndarray:
    """(1, 3, H, W) float32 in [0, 1] from a guide on the 8-bit scale ((H, W, 1|3))."""
    g = np.asarray(levels, np.float32)
    if g.shape[2] == 1:
        g = np.repeat(g, 3, axis=2)
    return np.ascontiguousarray(np.clip(g, 0.0, 255.0).transpose(2, 0, 1)[None] / 255.0,
                                dtype=np.float32)


def check_factor(factor: float) -> float:
    """``factor`` if the learned model supports it (in :data:`FACTOR_RANGE`), else an
    :class:`InputError` naming the factor and the range (factor 1, the identity, never
    reaches the model: :func:`sr_upsample` returns the input)."""
    lo, hi = FACTOR_RANGE
    f = float(factor)
    if not (lo - 1e-9 <= f <= hi + 1e-9):
        raise InputError(f"factor {f:g} is outside the learned model's range [{lo:g}, {hi:g}]: "
                         "use another method (e.g. method='optimize') for this factor")
    return f


def pad_to(a: np.ndarray, multiple: int) -> np.ndarray:
    """``a`` (H, W[, C]) edge-padded at the bottom and right to multiples of ``multiple``."""
    H, W = a.shape[:2]
    ph, pw = (-H) % multiple, (-W) % multiple
    if not ph and not pw:
        return a
    pad = ((0, ph), (0, pw)) + ((0, 0),) * (a.ndim - 2)
    return np.pad(a, pad, mode="edge")


def consistency_step(out: np.ndarray, lr: np.ndarray, valid: np.ndarray,
                     iterations: int = 3) -> np.ndarray:
    """Make the output's area downsampling match the low-res input (training-free).

    The adjustment of Metzger, Daudt and Schindler, "Guided Depth Super-Resolution by Deep
    Anisotropic Diffusion", CVPR 2023: each output block is shifted by the difference
    between its low-res pixel and the block's mean (area downsampling), so that
    ``area_down(out) == lr`` on the valid low-res pixels. For integer factors one step is
    exact; for other sizes ``iterations`` steps of the same correction (area down, nearest
    up) converge to it.
    """
    h, w = lr.shape
    H, W = out.shape
    o = out.astype(np.float32, copy=True)
    integer = H % h == 0 and W % w == 0
    for _ in range(1 if integer else iterations):
        down = cv2.resize(o, (w, h), interpolation=cv2.INTER_AREA)
        r = np.where(valid, lr - down, 0.0).astype(np.float32)
        o += cv2.resize(r, (W, H), interpolation=cv2.INTER_NEAREST)
    return o


#: Iterations of :func:`smooth_consistency_step` (chosen on Middlebury-30 with the k-fold
#: models: 1, 3, 10 gave x8 RMSE 2.689, 2.673, 2.680; benchmarks/sr_consistency_variants.py).
SMOOTH_ITERATIONS = 3


def smooth_consistency_step(out: np.ndarray, lr: np.ndarray, valid: np.ndarray,
                            iterations: int = SMOOTH_ITERATIONS) -> np.ndarray:
    """The consistency step with the residual spread bilinearly (iterative back-projection).

    ``iterations`` times: the residual ``lr - area_down(out)`` on the valid low-res pixels
    is upsampled bilinearly and added (Irani and Peleg, "Improving resolution by image
    registration", CVGIP 1991, with Metzger et al. 2023's area-downsampling constraint).
    It converges to the same constraint as :func:`consistency_step` without the blocks'
    piecewise-constant correction; after 3 iterations the constraint holds to a few
    percent of the first residual.
    """
    h, w = lr.shape
    H, W = out.shape
    o = out.astype(np.float32, copy=True)
    for _ in range(int(iterations)):
        down = cv2.resize(o, (w, h), interpolation=cv2.INTER_AREA)
        r = np.where(valid, lr - down, 0.0).astype(np.float32)
        o += cv2.resize(r, (W, H), interpolation=cv2.INTER_LINEAR)
    return o


def run_sr(model, depth_up: np.ndarray, rgb: np.ndarray, factor: float,
           threads: int | None = None) -> np.ndarray:
    """Run an SR model on a normalised, upsampled depth (H, W) and guide (1, 3, H, W);
    pads to :data:`MULTIPLE` and crops back. Returns (H, W) float32 (normalised)."""
    H, W = depth_up.shape
    d = pad_to(depth_up, MULTIPLE)[None, None].astype(np.float32)
    g = pad_to(rgb[0].transpose(1, 2, 0), MULTIPLE).transpose(2, 0, 1)[None]
    logf = np.full((1, 1, 1, 1), np.log2(factor) / 4.0, np.float32)
    out = _runtime.run(model, {"depth": np.ascontiguousarray(d),
                               "rgb": np.ascontiguousarray(g, dtype=np.float32),
                               "logf": logf}, threads)[0]
    return np.asarray(out, np.float32).reshape(out.shape[-2:])[:H, :W]


#: Flips of the geometric self-ensemble, in the order used: (vertical, horizontal).
FLIPS = ((False, False), (False, True), (True, False), (True, True))


def _flip(a: np.ndarray, vertical: bool, horizontal: bool) -> np.ndarray:
    """``a`` (..., H, W) flipped along its last two axes as asked (a view)."""
    if vertical:
        a = a[..., ::-1, :]
    if horizontal:
        a = a[..., ::-1]
    return a


def self_ensemble(run, up: np.ndarray, rgb: np.ndarray, factor: float,
                  views: int = 1) -> np.ndarray:
    """The mean of ``run(up, rgb, factor)`` over the first ``views`` flips of :data:`FLIPS`,
    each output flipped back (geometric self-ensemble, Lim et al. 2017 / Timofte et al.
    2016). ``views`` 1 is the plain network."""
    acc = None
    for fv, fh in FLIPS[:views]:
        o = run(np.ascontiguousarray(_flip(up, fv, fh)),
                np.ascontiguousarray(_flip(rgb, fv, fh)), factor)
        o = _flip(np.asarray(o, np.float32), fv, fh)
        acc = o.astype(np.float32, copy=True) if acc is None else acc + o
    return acc / float(views)


def sr_upsample(d: np.ndarray, v: np.ndarray, levels: np.ndarray, size, *, model="sr",
                consistency: bool = True, smooth: bool = False, ensemble: int = 1,
                threads: int | None = None, runner=None) -> np.ndarray:
    """Learned guided upsampling of a validated low-res depth ``d`` with valid mask ``v`` to
    ``size`` (H, W) with a guide on the 8-bit scale. See :func:`depthsmith.upsample.learned`.

    ``smooth`` picks :func:`smooth_consistency_step` over :func:`consistency_step` when
    ``consistency`` is on. ``ensemble`` (1, 2 or 4) averages the network over that many flips
    (:func:`self_ensemble`). ``runner(depth_up, rgb, factor)``, if given, replaces the ONNX
    model (training code validates its torch model through exactly this path).
    """
    views = ensemble if isinstance(ensemble, int | np.integer) and not isinstance(
        ensemble, bool) else None
    if views not in (1, 2, 4):
        raise InputError(f"ensemble must be 1, 2 or 4 (flips averaged), got {ensemble!r}")
    H, W = size
    if not v.all():
        from ..ops import nearest_fill

        d = nearest_fill(d, valid=v)
    if (H, W) == d.shape:  # factor 1: the input (nearest-filled), as every method does
        return d.astype(np.float32, copy=True)
    factor = check_factor(max(H / d.shape[0], W / d.shape[1]))
    vals = d[v]
    if vals.min() == vals.max():  # a constant map stays exactly constant
        return np.full((H, W), vals[0], np.float32)
    lo, scale = normalise(vals)
    dn = ((d - lo) / scale).astype(np.float32)
    up = cv2.resize(dn, (W, H), interpolation=cv2.INTER_CUBIC)
    if runner is None:
        def runner(u, g, f):
            return run_sr(model, u, g, f, threads)
    out = self_ensemble(runner, up, guide_input(levels), factor, views)
    if consistency:
        out = (smooth_consistency_step if smooth else consistency_step)(out, dn, v)
    res = out.astype(np.float64) * scale + lo
    if not np.isfinite(res).all():  # never NaN on valid input: fall back per pixel
        res = np.where(np.isfinite(res), res, up.astype(np.float64) * scale + lo)
    return res.astype(np.float32)
