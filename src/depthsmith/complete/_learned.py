"""Learned completion: the shipped CompletionNet, run through onnxruntime (no PyTorch)."""

from __future__ import annotations

import numpy as np

from .._validate import InputError, check_depth, check_guide, check_valid
from ..learn._sr_infer import guide_input, pad_to
from ._bounds import clip_to_samples

__all__ = ["learned", "predict", "normalise", "prepare", "has_prior", "classical_prior",
           "normalise_prior", "MODEL", "MULTIPLE", "CORRECT_MAX_DENSITY"]

#: The shipped model (``depthsmith/learn/models/complete.onnx``, card ``complete.md``).
MODEL = "complete"
#: H and W are padded to a multiple of this before the network runs, unless the model's
#: metadata says otherwise (``multiple``, written by the export).
MULTIPLE = 64
#: A model that corrects the classical estimate (``prior`` input) is only run when at most
#: this fraction of the pixels is valid; above it :func:`learned` returns the classical
#: estimate itself. Chosen on the Middlebury scenes through their k-fold models (the
#: correction's RMSE ratio to the classical default: 0.998 at 1 %, 1.004-1.007 at 3 %,
#: 1.013-1.024 at 10-25 %, uniform and scan-line samples; docs/learn_complete.md); the same
#: 2 % as ``auto``'s switch from ``guided`` to ``normconv``.
CORRECT_MAX_DENSITY = 0.02


def normalise(values) -> tuple[float, float]:
    """``(offset, scale)`` mapping the samples' robust range to about [0, 1].

    ``offset`` is the 1st percentile of the sample values, ``scale`` the 1st-to-99th
    percentile spread, at least 10 % of the larger magnitude (a flat scene, or a handful of
    samples on one surface, still gets a sensible scale). Computed from the input samples
    only, never from a ground truth; the network works on ``(depth - offset) / scale`` and
    its output is mapped back.
    """
    v = np.asarray(values, np.float64)
    lo, hi = np.percentile(v, [1.0, 99.0]) if v.size else (0.0, 1.0)
    scale = max(float(hi - lo), 0.1 * max(abs(float(lo)), abs(float(hi))), 1e-12)
    if not np.isfinite(scale) or not np.isfinite(lo):
        return 0.0, 1.0
    return float(lo), scale


def classical_prior(depth, valid, guide) -> np.ndarray:
    """The estimate a ``prior`` model corrects: the classical default's completion
    (:func:`~depthsmith.complete.auto`, samples kept) of ``depth[valid]`` with ``guide``
    (an image, a :class:`~depthsmith._validate.Guide` or None). Inference and training
    both take it from here."""
    from ._api import auto

    return auto(depth, guide, valid=valid)


def normalise_prior(prior, offset: float, scale: float) -> np.ndarray:
    """``prior`` (H, W, the depth's units) as the network sees it: ``(prior - offset) /
    scale`` (the samples' normalisation, :func:`normalise`), clipped to [-0.5, 1.5],
    float32."""
    return np.clip((np.asarray(prior, np.float64) - offset) / scale, -0.5,
                   1.5).astype(np.float32)


def prepare(depth, valid, guide, multiple: int = MULTIPLE, prior=None):
    """The network's inputs for one image: ``(inputs, (offset, scale), (H, W))``.

    ``inputs`` maps ``"depth"``, ``"mask"`` and ``"rgb"`` to float32 (1, C, H', W') arrays,
    edge-padded to multiples of ``multiple`` (the mask is zero in the padding); ``guide``
    is a :class:`~depthsmith._validate.Guide` or None (then a flat gray image, as in
    training). ``prior``, a dense (H, W) estimate in the depth's units, adds ``"prior"``:
    :func:`normalise_prior`, edge-padded.
    """
    h, w = depth.shape
    off, scale = normalise(depth[valid])
    dn = np.where(valid, (depth - off) / scale, 0.0).astype(np.float32)
    ph, pw = (-h) % multiple, (-w) % multiple
    dn = np.pad(dn, ((0, ph), (0, pw)))
    m = np.pad(valid.astype(np.float32), ((0, ph), (0, pw)))
    if guide is None:
        rgb = np.full((1, 3, h + ph, w + pw), 0.5, np.float32)
    else:  # the same guide conversion and edge padding as the SR model's
        rgb = guide_input(pad_to(guide.levels, multiple))
    inputs = {"depth": dn[None, None], "mask": m[None, None], "rgb": rgb}
    if prior is not None:
        inputs["prior"] = np.pad(normalise_prior(prior, off, scale), ((0, ph), (0, pw)),
                                 mode="edge")[None, None]
    return inputs, (off, scale), (h, w)


def learned(depth, guide=None, *, valid=None, model: str = MODEL, keep_samples: bool = True,
            max_density: float | None = CORRECT_MAX_DENSITY):
    """Dense depth from sparse samples by the shipped CompletionNet (a small CNN) refining the
    classical default.

    First the classical default (:func:`~depthsmith.complete.auto`) completes the samples;
    then the network (``depthsmith.learn._completion_net.CompletionNet`` with
    ``prior=True``, trained here, weights and card in ``depthsmith/learn/models/complete.*``)
    adds a correction to that estimate, computed by a small CNN at a quarter of the
    resolution over the colour image, the samples, the classical estimate and its own
    learned multi-scale normalized convolution of the samples (non-negative weights that
    propagate a confidence, Eldesokey et al.; the confidence :func:`predict` returns).
    The correction's last layer started at zero in training, so the method starts from the
    classical result and only moves away where training found it pays. Above
    ``max_density`` (2 %) valid pixels the network is not run and the classical estimate
    is returned: on denser input the correction was measured to hurt. Depth is
    normalised by the samples' robust range (:func:`normalise`), so any units work and
    come back unchanged; the input is padded to the multiple the model needs (its
    metadata; 64 by default) and cropped back. It was trained on 0.1-30 % samples in
    uniform, gradient, grid, scan-line and clustered patterns, on Middlebury scenes and
    procedural scenes (see the card). Runs through onnxruntime; PyTorch is not needed. A
    model without a ``prior`` input (0.3.2's, or a user's) runs on the samples alone.

    Parameters
    ----------
    depth : (H, W) array
        Sparse depth in any units (never rescaled); invalid pixels are never read.
    guide : (H, W[, 3]) array, optional
        Registered colour image: uint8, uint16 or float in [0, 1]. Without one the network
        sees a flat gray image (it was trained with some of those); expect worse edges.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    model : str
        The shipped model's name or the path of a compatible ONNX file. A compatible file
        has the inputs depth, mask and rgb and the outputs depth and confidence, as
        written by the training's export.
    keep_samples : bool
        Put the input samples back unchanged (default).
    max_density : float or None
        For a model that corrects the classical estimate (the shipped one): above this
        valid fraction the network is not run and the classical estimate is returned
        (default 0.02, ``CORRECT_MAX_DENSITY``: the correction was measured to hurt denser
        input). 1 or None: always run it. Ignored by models without a ``prior`` input.

    Returns
    -------
    (H, W) float32 ndarray, dense and finite, in the input's units, clipped to the samples'
    range widened by 5 % (and, for positive samples, to at least half the smallest).
    :func:`predict` also returns the network's confidence.

    References
    ----------
    .. [1] A. Eldesokey, M. Felsberg and F. S. Khan, "Confidence propagation through CNNs for
       guided sparse depth regression", IEEE TPAMI 42(10), 2019.
    .. [2] I. Makarov, A. Korinevskaya and V. Aliev, "Sparse depth map interpolation using
       deep convolutional neural networks", TSP 2018.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    g = None if guide is None else check_guide(guide, d.shape)
    if max_density is not None:
        if not (isinstance(max_density, int | float) and 0 < max_density <= 1):
            raise InputError(f"max_density must be a fraction in (0, 1] or None, got "
                             f"{max_density!r}")
        if np.count_nonzero(v) > max_density * v.size and has_prior(model):
            return classical_prior(d, v, g)
    out, _ = predict(d, v, g, model)
    if keep_samples:
        out[v] = d[v]
    return out


def has_prior(model: str = MODEL) -> bool:
    """Whether ``model`` corrects the classical estimate (it has a ``prior`` input)."""
    from ..learn import _runtime

    if not isinstance(model, str):
        raise InputError(f"model must be a model name or an ONNX path, got {model!r}")
    return "prior" in [i.name for i in _runtime.session(model).get_inputs()]


def predict(depth, valid, guide, model: str = MODEL):
    """``(depth, confidence)`` of the network for checked inputs (``depth`` float32,
    ``valid`` bool, ``guide`` a :class:`~depthsmith._validate.Guide` or None): the output
    in the input's units, clipped as in :func:`learned` (samples not put back), and the
    normalized convolution's propagated confidence in [0, 1] (how much sample support each
    pixel had)."""
    from ..learn import _runtime

    if not isinstance(model, str):
        raise InputError(f"model must be a model name or an ONNX path, got {model!r}")
    meta = _runtime.session(model).get_modelmeta().custom_metadata_map
    try:
        multiple = max(1, int(meta.get("multiple", MULTIPLE)))
    except ValueError:
        multiple = MULTIPLE
    prior = None
    if has_prior(model):
        if meta.get("prior", "auto") != "auto":
            raise InputError(f"model {model!r} asks for a prior {meta['prior']!r}: only "
                             "'auto' (the classical default's estimate) is known")
        prior = classical_prior(depth, valid, guide)
    inputs, (off, scale), (h, w) = prepare(depth, valid, guide, multiple, prior)
    outs = _runtime.run(model, inputs)
    if len(outs) != 2 or np.shape(outs[0]) != inputs["mask"].shape:
        raise InputError(f"model {model!r} does not return (depth, confidence) of the input "
                         f"size: got {[np.shape(o) for o in outs]}")
    out = np.nan_to_num(outs[0][0, 0, :h, :w].astype(np.float64), nan=0.5, posinf=1.0,
                        neginf=0.0) * scale + off
    out = clip_to_samples(out, depth[valid])
    conf = np.clip(np.nan_to_num(outs[1][0, 0, :h, :w]), 0, 1).astype(np.float32)
    return out, conf
