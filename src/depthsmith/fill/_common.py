"""Helpers shared by the fill methods: argument handling, farness, scanline ends."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._validate import InputError, check_depth, check_guide, check_valid

__all__ = ["prepare", "scanline_far", "scan_ends", "farness", "check_prefer"]


def prepare(depth, guide, valid):
    """Validated (depth float32, valid bool, :class:`~depthsmith._validate.Guide` or None).

    Cheap on inputs :func:`~depthsmith.fill.fill_holes` already checked (no copies).
    """
    d = check_depth(depth)
    v = check_valid(valid, d, require_any=True)
    g = check_guide(guide, d.shape) if guide is not None else None
    return d, v, g


def farness(d: np.ndarray, disparity: bool) -> np.ndarray:
    """A map that grows with distance from the camera: depth, or minus disparity."""
    return -d if disparity else d


def check_prefer(prefer):
    """``prefer`` itself when it is None, "far" or "near", else an :class:`InputError`."""
    if prefer not in (None, "far", "near"):
        raise InputError(f"prefer must be None, 'far' or 'near', got {prefer!r}")
    return prefer


@njit(cache=True)
def scan_ends(f, valid):
    """Per row: value of the nearest valid pixel on the left and on the right (NaN if none)."""
    h, w = f.shape
    left = np.full((h, w), np.nan, np.float32)
    right = np.full((h, w), np.nan, np.float32)
    for y in range(h):
        last = np.nan
        for x in range(w):
            if valid[y, x]:
                last = f[y, x]
            else:
                left[y, x] = last
        last = np.nan
        for x in range(w - 1, -1, -1):
            if valid[y, x]:
                last = f[y, x]
            else:
                right[y, x] = last
    return left, right


def scanline_far(d, valid, *, disparity: bool):
    """Each invalid pixel's farther scanline end (left/right nearest valid pixel); NaN: none."""
    f = np.ascontiguousarray(farness(d, disparity), dtype=np.float32)
    left, right = scan_ends(f, valid)
    far = np.fmax(left, right)
    return farness(far, disparity)
