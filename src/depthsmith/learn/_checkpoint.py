"""Save and load model checkpoints (``.pt``) as plain dicts, never pickled code.

A checkpoint is ``{"model": class name, "config": constructor kwargs, "state_dict": ...,
"meta": {...}}`` (training checkpoints add optimizer state), read back with
``torch.load(weights_only=True)``, which refuses anything but tensors and plain Python
containers. The class comes from :data:`MODELS`, a name -> "module:attribute" table
resolved lazily (``CompletionNet`` lives in ``depthsmith.learn._completion_net``).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .._validate import InputError

__all__ = ["MODELS", "model_class", "save", "load_dict", "load_model"]

#: Model class name -> "module:attribute" (imported only when asked for).
MODELS = {
    "GuidedSRNet": "depthsmith.learn._sr_net:GuidedSRNet",
    "SeedSRGenerator": "depthsmith.learn._seed_srgan:SeedSRGenerator",
    "SeedSRDiscriminator": "depthsmith.learn._seed_srgan:SeedSRDiscriminator",
    "CompletionNet": "depthsmith.learn._completion_net:CompletionNet",
}


def require_torch():
    """``torch``, or an :class:`InputError` saying to install the ``learn`` extra."""
    try:
        import torch
    except ImportError:
        raise InputError("PyTorch is not installed: install the training extra with "
                         "pip install 'depthsmith[learn]' (or .[learn] from a checkout)") from None
    return torch


def model_class(name: str):
    """The model class registered as ``name`` (an :class:`InputError` if unknown)."""
    if name not in MODELS:
        raise InputError(f"unknown model class {name!r}: expected one of {', '.join(MODELS)}")
    mod, attr = MODELS[name].split(":")
    return getattr(importlib.import_module(mod), attr)


def save(path, model, meta: dict | None = None, **extra) -> Path:
    """Write ``model`` (with a ``config`` dict attribute) to ``path`` atomically."""
    torch = require_torch()
    from ..io import atomic_path

    d = {"model": type(model).__name__, "config": dict(getattr(model, "config", {})),
         "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
         "meta": dict(meta or {}), **extra}
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(p) as tmp:
        torch.save(d, tmp)
    return p


def load_dict(path) -> dict:
    """The checkpoint dict at ``path`` (``weights_only=True``); one-line errors."""
    torch = require_torch()
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such checkpoint file")
    try:
        d = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises pickle / zip / runtime errors
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise InputError(f"{p}: not a depthsmith checkpoint ({first[:200]})") from None
    if not isinstance(d, dict) or not {"model", "config", "state_dict"} <= set(d):
        raise InputError(f"{p}: not a depthsmith checkpoint: expected a dict with 'model', "
                         "'config' and 'state_dict'")
    return d


def load_model(path):
    """``(model, checkpoint dict)``: the model rebuilt from its class, config and weights,
    in eval mode."""
    d = load_dict(path)
    cls = model_class(d["model"])
    try:
        m = cls(**d["config"])
        m.load_state_dict(d["state_dict"])
    except (TypeError, RuntimeError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise InputError(f"{path}: weights do not fit {d['model']}({d['config']}): "
                         f"{first[:200]}") from None
    m.eval()
    return m, d
