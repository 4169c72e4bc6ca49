"""``learned``: the shipped guided super-resolution network, run through onnxruntime."""

from __future__ import annotations

import os

import numpy as np

from .._validate import InputTypeError
from ._common import prepare

__all__ = ["learned"]


def learned(depth, guide, *, size=None, valid=None, consistency: bool = True,
            smooth_consistency: bool = True, ensemble: int = 4,
            model: str = "sr") -> np.ndarray:
    """Learned guided super-resolution: a small CNN trained over factors 2-16.

    The low-res depth is nearest-filled where invalid, normalised by its own 1st-99th
    percentile range (never by any ground truth), bicubic-upsampled to the output size and
    refined, with the color guide, by ``GuidedSRNet`` (space-to-depth by 4 on both streams,
    a residual trunk at quarter resolution, pixel shuffle out, residual on the bicubic
    input; see ``depthsmith/learn/models/sr.md`` for its training data, split and scores),
    then mapped back to the input's units. No PyTorch: the network is a shipped ONNX file
    run by onnxruntime (one session per process; its threads follow ``upsample``'s
    ``threads``).

    Parameters
    ----------
    depth : (h, w) array
        Low-res depth in any units (never rescaled).
    guide : (H, W[, 3]) array
        High-res color view (uint8, uint16 or float in [0, 1]); required. A gray guide is
        repeated to three channels.
    size : (H, W), optional
        Output size; the factor ``max(H / h, W / w)`` must be in [2, 16] (non-integer
        factors run), else :class:`~depthsmith.InputError`; factor 1 returns the input
        (invalid pixels nearest-filled) as every method does, and a constant input
        returns that constant.
    valid : (h, w) bool array, optional
        Trusted low-res pixels (default finite & > 0); invalid ones are never read.
    consistency : bool
        Apply a training-free consistency step afterwards (Metzger et al. 2023): the
        output is corrected so that its area downsampling equals the low-res input on
        its valid pixels.
    smooth_consistency : bool
        True (default): the residual of that constraint is upsampled bilinearly and added
        back, 3 iterations (iterative back-projection, Irani and Peleg 1991), which meets
        the constraint to a few percent and was 1.5-2.6 % lower RMSE on SR-STANDARD
        (Middlebury-30 k-fold, Lu, RGB-D-D; docs/learn.md). False: Metzger et al.'s exact
        step, every output block shifted by its own residual.
    ensemble : int
        1 (the network once), 2 or 4 (default): the mean over that many flips of the
        inputs (identity, left-right, up-down, both; geometric self-ensemble, Timofte et
        al. 2016, Lim et al. 2017), each output flipped back; costs that many network
        runs. 4 was 1.6-2.0 % lower RMSE than 2 on Middlebury-30 k-fold at every factor
        for twice the network time (a 640x480 x8 output: 163 against 87 ms on 2 quiet
        cores; docs/learn.md).
    model : str
        A shipped model name (``"sr"``) or the path of a compatible ONNX file (inputs
        ``depth``, ``rgb``, ``logf``, as ``depthsmith export`` writes them).

    Returns
    -------
    (H, W) float32 array, dense.

    References
    ----------
    .. [1] W. Shi et al., "Real-time single image and video super-resolution using an
       efficient sub-pixel convolutional neural network", CVPR 2016 (pixel shuffle).
    .. [2] B. Lim et al., "Enhanced deep residual networks for single image
       super-resolution", CVPRW 2017 (residual blocks without batch norm, L1 loss).
    .. [3] R. Timofte, R. Rothe, L. Van Gool, "Seven ways to improve example-based single
       image super resolution", CVPR 2016 (geometric self-ensemble).
    .. [4] M. Irani, S. Peleg, "Improving resolution by image registration", CVGIP:
       Graphical Models and Image Processing 53(3), 1991 (iterative back-projection).
    .. [5] N. Metzger, R. C. Daudt, K. Schindler, "Guided depth super-resolution by deep
       anisotropic diffusion", CVPR 2023 (the consistency adjustment).
    """
    from ..learn._sr_infer import sr_upsample

    d, v, g, sz = prepare(depth, valid, guide, size, True, "learned")
    if not isinstance(model, str | os.PathLike):
        raise InputTypeError(f"model must be a shipped model name or an ONNX file path, "
                             f"got {model!r}")
    return sr_upsample(d, v, g.levels, sz, model=model, consistency=bool(consistency),
                       smooth=bool(smooth_consistency), ensemble=ensemble)
