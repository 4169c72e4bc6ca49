"""Argument handling shared by the refine methods."""

from __future__ import annotations

from .._validate import InputError, check_confidence, check_depth, check_guide, check_valid

__all__ = ["prepare"]


def prepare(depth, guide, valid, confidence):
    """Validated (float32 depth, :class:`~depthsmith._validate.Guide`, bool valid,
    float32 confidence or None); cheap on inputs :func:`~depthsmith.refine.refine` already
    checked (no copies)."""
    d = check_depth(depth)
    g = check_guide(guide, d.shape)
    v = check_valid(valid, d)
    c = None if confidence is None else check_confidence(confidence, d.shape)
    if c is not None and not (c[v] > 0).any():
        raise InputError("confidence is 0 at every valid pixel: nothing to refine from")
    return d, g, v, c
