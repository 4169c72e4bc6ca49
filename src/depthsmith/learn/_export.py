"""Export a trained checkpoint (``.pt``) to ONNX with dynamic height and width.

The exported graph takes ``depth`` (1, 1, H, W), ``rgb`` (1, 3, H, W) and ``logf``
(1, 1, 1, 1) for SR models (see :mod:`depthsmith.learn._sr_infer`); H and W are dynamic
(multiples of the network's multiple). Opset :data:`OPSET` runs on onnxruntime >= 1.16.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from .._validate import InputError
from . import _checkpoint

__all__ = ["OPSET", "export", "example_inputs"]

#: ONNX opset of exported models.
OPSET = 17


def example_inputs(model_name: str, config: dict, h: int = 64, w: int = 96):
    """Example inputs (torch tensors), input names and dynamic axes for a model class."""
    import torch

    if model_name == "GuidedSRNet":
        g = torch.Generator().manual_seed(0)
        ins = (torch.rand(1, 1, h, w, generator=g), torch.rand(1, 3, h, w, generator=g),
               torch.full((1, 1, 1, 1), 0.75))
        names = ["depth", "rgb", "logf"]
        axes = {"depth": {2: "H", 3: "W"}, "rgb": {2: "H", 3: "W"}, "out": {2: "H", 3: "W"}}
        return ins, names, ["out"], axes
    cls = _checkpoint.model_class(model_name)
    spec = getattr(cls, "onnx_spec", None)
    if spec is not None:
        return spec(config, h, w)
    if model_name == "CompletionNet":  # forward(depth, mask, rgb[, prior]) -> (depth, confidence)
        k = int(getattr(cls(**config), "multiple", 1))
        h, w = -(-h // k) * k, -(-w // k) * k
        g = torch.Generator().manual_seed(0)
        mask = (torch.rand(1, 1, h, w, generator=g) < 0.05).float()
        ins = (torch.rand(1, 1, h, w, generator=g) * mask, mask,
               torch.rand(1, 3, h, w, generator=g))
        names = ["depth", "mask", "rgb"]
        if config.get("prior"):
            ins = (*ins, torch.rand(1, 1, h, w, generator=g))
            names.append("prior")
        outs = ["depth_out", "confidence"]
        axes = {n: {2: "H", 3: "W"} for n in names + outs}
        return ins, names, outs, axes
    raise InputError(f"model class {model_name!r} has no ONNX export spec")


def export(checkpoint, out_path, *, opset: int = OPSET, overwrite: bool = True) -> Path:
    """Write the ONNX file of a checkpoint, atomically; returns its path.

    Parameters
    ----------
    checkpoint : path
        A ``.pt`` written by ``depthsmith train`` (loaded with ``weights_only=True``).
    out_path : path
        The ``.onnx`` file to write.
    opset : int
        ONNX opset.
    """
    torch = _checkpoint.require_torch()
    from ..io import atomic_path

    model, d = _checkpoint.load_model(checkpoint)
    ins, in_names, out_names, axes = example_inputs(d["model"], d["config"])
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # the TorchScript exporter: it needs no onnxscript and writes opset 17 graphs
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(model, ins, buf, input_names=in_names, output_names=out_names,
                          dynamic_axes=axes, opset_version=opset, dynamo=False)
    data = buf.getvalue()
    p = Path(out_path)
    with atomic_path(p, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return p


def max_relative_difference(checkpoint, onnx_path, h: int = 64, w: int = 96) -> float:
    """max |torch - onnx| / max(|torch|) on example inputs (the round-trip check)."""
    import onnxruntime as ort
    import torch

    model, d = _checkpoint.load_model(checkpoint)
    ins, in_names, _, _ = example_inputs(d["model"], d["config"], h, w)
    with torch.no_grad():
        ref = model(*ins)
    ref = (ref[0] if isinstance(ref, tuple | list) else ref).numpy()  # the first output
    s = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = s.run(None, {n: t.numpy() for n, t in zip(in_names, ins, strict=True)})[0]
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-12))
