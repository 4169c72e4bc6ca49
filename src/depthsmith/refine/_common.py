"""Argument handling shared by the refine methods."""

from __future__ import annotations

from .._validate import check_confidence, check_depth, check_guide, check_valid

__all__ = ["prepare"]


def prepare(depth, guide, valid, confidence):
    """Validated (float32 depth, :class:`~depthsmith._validate.Guide`, bool valid,
    float32 confidence or None); cheap on inputs :func:`~depthsmith.refine.refine` already
    checked (no copies)."""
    d = check_depth(depth)
    g = check_guide(guide, d.shape)
    v = check_valid(valid, d)
    c = None if confidence is None else check_confidence(confidence, d.shape)
    return d, g, v, c
