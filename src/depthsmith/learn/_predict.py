"""Bring your own monocular depth model: run any ONNX network on an RGB image through
onnxruntime (no PyTorch), optionally followed by depthsmith's RGB-guided refinement.

The usual pipeline of the seed research's use case: a monocular network gives a rough
depth, then an RGB-guided step snaps it to the image's edges. Input size, normalisation,
tensor layout and whether the network outputs depth or inverse depth are parameters, so
MiDaS-style (inverse relative depth, 384x384 or dynamic multiples of 32, ImageNet mean and
std) and FCRN-style (metric depth, fixed 228x304 input, NHWC) models both run.
"""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import InputError, check_guide
from . import _runtime

__all__ = ["predict", "IMAGENET_MEAN", "IMAGENET_STD"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _input_spec(model):
    s = _runtime.session(model)
    ins = s.get_inputs()
    p = _runtime.model_path(model)
    if len(ins) != 1:
        raise InputError(f"model {str(p)!r} has {len(ins)} inputs "
                         f"({', '.join(i.name for i in ins)}): expected one image input")
    i = ins[0]
    if len(i.shape) != 4:
        raise InputError(f"model {str(p)!r}: input {i.name!r} has shape {i.shape}: expected "
                         "a 4-D image tensor (1, 3, H, W) or (1, H, W, 3)")
    return i.name, list(i.shape), p


def _static(dim):
    return dim if isinstance(dim, int) and dim > 0 else None


def _as_2d(out: np.ndarray, p) -> np.ndarray:
    a = np.asarray(out)
    a = a.reshape([s for s in a.shape if s != 1] or [1])
    if a.ndim != 2:
        raise InputError(f"model {str(p)!r} output has shape {np.shape(out)}: expected one "
                         "depth map ((1, H, W), (1, 1, H, W), (H, W) or (1, H, W, 1))")
    return a.astype(np.float32)


def predict(rgb, model, *, input_size=None, mean=IMAGENET_MEAN, std=IMAGENET_STD,
            output: str = "depth", layout: str = "nchw", multiple: int = 32,
            out_scale: float = 1.0) -> np.ndarray:
    """Depth from one RGB image with a user's ONNX monocular depth model.

    Parameters
    ----------
    rgb : (H, W, 3) array
        uint8, uint16 or float in [0, 1]; it is scaled to [0, 1], resized to the model's
        input size (area when shrinking, cubic when enlarging), then normalised as
        ``(x - mean) / std`` per channel.
    model : path
        An ONNX file with one 4-D float input.
    input_size : (h, w), optional
        The network's input size; default the model's static size, else the image's size
        rounded to a multiple of ``multiple`` (dynamic models such as MiDaS).
    mean, std : 3 floats
        Per-channel normalisation (default ImageNet's; ``(0, 0, 0)`` and ``(1, 1, 1)``
        feed [0, 1] values).
    output : {"depth", "inverse"}
        What the network predicts: ``"depth"`` (e.g. FCRN, metric) is returned as is
        times ``out_scale``; ``"inverse"`` (e.g. MiDaS's relative inverse depth) is
        inverted, ``out_scale / x`` where ``x > 0``, and marked invalid (0) elsewhere.
        MiDaS's output is affine-invariant: its inverse is only relative depth.
    layout : {"nchw", "nhwc"}
        The input tensor layout.
    multiple : int
        Size multiple for dynamic models.
    out_scale : float
        Multiplies the depth (units of the output).

    Returns
    -------
    (H, W) float32 depth at the image's size (0 = invalid), bilinearly resized back.

    References
    ----------
    .. [1] R. Ranftl et al., "Towards robust monocular depth estimation: mixing datasets
       for zero-shot cross-dataset transfer", TPAMI 2022 (MiDaS).
    .. [2] I. Laina et al., "Deeper depth prediction with fully convolutional residual
       networks", 3DV 2016 (FCRN).
    """
    g = check_guide(rgb, name="RGB", channels=(3,))
    if output not in ("depth", "inverse"):
        raise InputError(f"output must be 'depth' or 'inverse', got {output!r}")
    if layout not in ("nchw", "nhwc"):
        raise InputError(f"layout must be 'nchw' or 'nhwc', got {layout!r}")
    m = np.asarray(mean, np.float32).ravel()
    s = np.asarray(std, np.float32).ravel()
    if m.size != 3 or s.size != 3 or not np.isfinite(m).all() or not (s > 0).all():
        raise InputError(f"mean and std must be 3 numbers each (std > 0), got {mean!r}, {std!r}")
    name, shape, p = _input_spec(model)
    c_ax, h_ax, w_ax = (1, 2, 3) if layout == "nchw" else (3, 1, 2)
    if _static(shape[c_ax]) not in (None, 3):
        raise InputError(f"model {str(p)!r}: input {name!r} has shape {shape}: expected 3 "
                         f"colour channels on axis {c_ax} ({layout}; see --layout)")
    H, W = g.shape[:2]
    if input_size is not None:
        try:
            h, w = (int(v) for v in input_size)
        except (TypeError, ValueError):
            raise InputError(f"input_size must be (height, width), got {input_size!r}") from None
        if h < 1 or w < 1:
            raise InputError(f"input_size must be positive, got {input_size!r}")
    else:
        h, w = _static(shape[h_ax]), _static(shape[w_ax])
        k = max(1, int(multiple))
        h = h or max(k, int(round(H / k)) * k)
        w = w or max(k, int(round(W / k)) * k)
    for ax, want, what in ((h_ax, h, "height"), (w_ax, w, "width")):
        if _static(shape[ax]) not in (None, want):
            raise InputError(f"model {str(p)!r} needs input {what} {shape[ax]}, got {want} "
                             "(--input-size)")
    x = g.levels / 255.0
    interp = cv2.INTER_AREA if h * w < H * W else cv2.INTER_CUBIC
    x = cv2.resize(x, (w, h), interpolation=interp).reshape(h, w, 3)
    x = (x - m) / s
    x = x.transpose(2, 0, 1)[None] if layout == "nchw" else x[None]
    out = _runtime.run(model, {name: np.ascontiguousarray(x, np.float32)})[0]
    pred = _as_2d(out, p)
    pred = cv2.resize(pred, (W, H), interpolation=cv2.INTER_LINEAR)
    if output == "inverse":
        with np.errstate(divide="ignore"):
            pred = np.where(pred > 0, float(out_scale) / np.maximum(pred, 1e-30), 0.0)
    else:
        pred = pred * float(out_scale)
    pred = np.where(np.isfinite(pred), pred, 0.0)
    return pred.astype(np.float32)
