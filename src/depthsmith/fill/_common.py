"""Helpers shared by the fill methods: argument handling, scanline ends, seed gradients."""

from __future__ import annotations

import cv2
import numpy as np
from numba import njit

from .._validate import InputError, check_depth, check_guide, check_valid

__all__ = ["prepare", "guide_255", "scanline_far", "seed_gradients", "seed_gradients_at",
           "farness"]


def prepare(depth, guide, valid):
    """Validated (depth float32, valid bool, guide float32 (H, W, C) in 8-bit units or None)."""
    d = check_depth(depth)
    v = check_valid(valid, d, require_any=True)
    g = guide_255(guide, d.shape) if guide is not None else None
    return d, v, g


def guide_255(guide, shape) -> np.ndarray:
    """The guide as float32 (H, W, C) on an 8-bit scale (uint16 / 257, float [0, 1] * 255).

    Color parameters of the fill methods are per 8-bit level whatever the guide's dtype.
    """
    return check_guide(guide, shape).levels


def farness(d: np.ndarray, disparity: bool) -> np.ndarray:
    """A map that grows with distance from the camera: depth, or minus disparity."""
    return -d if disparity else d


def check_prefer(prefer):
    if prefer not in (None, "far", "near"):
        raise InputError(f"prefer must be None, 'far' or 'near', got {prefer!r}")
    return prefer


@njit(cache=True)
def _scan_ends(f, valid):
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
    left, right = _scan_ends(f, valid)
    far = np.fmax(left, right)
    return farness(far, disparity)


def seed_gradients(d, valid, *, radius: int = 5, max_slope: float = 0.04):
    """Local depth slope (d/dx, d/dy per pixel) from valid central differences.

    Differences whose magnitude exceeds ``max_slope * |d|`` (depth edges) are ignored; the
    rest are averaged over a (2 radius + 1)^2 box. Only valid pixels are read.
    """
    z = np.where(valid, d, 0).astype(np.float32)
    lim = max_slope * np.abs(z)
    gx = np.zeros_like(z)
    gy = np.zeros_like(z)
    wx = np.zeros_like(z)
    wy = np.zeros_like(z)
    okx = valid[:, 2:] & valid[:, :-2]
    oky = valid[2:, :] & valid[:-2, :]
    dx = (z[:, 2:] - z[:, :-2]) * 0.5
    dy = (z[2:, :] - z[:-2, :]) * 0.5
    okx &= np.abs(dx) <= lim[:, 1:-1]
    oky &= np.abs(dy) <= lim[1:-1, :]
    gx[:, 1:-1] = np.where(okx, dx, 0)
    wx[:, 1:-1] = okx
    gy[1:-1, :] = np.where(oky, dy, 0)
    wy[1:-1, :] = oky
    k = (2 * radius + 1, 2 * radius + 1)
    sx = cv2.boxFilter(gx, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    nx = cv2.boxFilter(wx, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    sy = cv2.boxFilter(gy, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    ny = cv2.boxFilter(wy, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    return sx / np.maximum(nx, 1e-6), sy / np.maximum(ny, 1e-6)


def seed_gradients_at(d, valid, at, radius: int = 5, max_slope: float = 0.04):
    """:func:`seed_gradients` evaluated only where ``at`` is True (zeros elsewhere).

    Same result, via integral images read at the requested pixels only.
    """
    h, w = d.shape
    z = np.where(valid, d, 0).astype(np.float64)
    lim = max_slope * np.abs(z)
    ex = np.zeros((h, w))
    cx = np.zeros((h, w))
    ey = np.zeros((h, w))
    cy = np.zeros((h, w))
    dx = (z[:, 2:] - z[:, :-2]) * 0.5
    okx = valid[:, 2:] & valid[:, :-2] & (np.abs(dx) <= lim[:, 1:-1])
    ex[:, 1:-1] = np.where(okx, dx, 0)
    cx[:, 1:-1] = okx
    dy = (z[2:, :] - z[:-2, :]) * 0.5
    oky = valid[2:, :] & valid[:-2, :] & (np.abs(dy) <= lim[1:-1, :])
    ey[1:-1, :] = np.where(oky, dy, 0)
    cy[1:-1, :] = oky
    ys, xs = np.nonzero(at)
    y0 = np.clip(ys - radius, 0, h)
    y1 = np.clip(ys + radius + 1, 0, h)
    x0 = np.clip(xs - radius, 0, w)
    x1 = np.clip(xs + radius + 1, 0, w)

    def box(a):
        ii = cv2.integral(a)
        return ii[y1, x1] - ii[y0, x1] - ii[y1, x0] + ii[y0, x0]

    gx = np.zeros((h, w), np.float32)
    gy = np.zeros((h, w), np.float32)
    nx, ny = box(cx), box(cy)
    gx[ys, xs] = np.where(nx > 0.5, box(ex) / np.maximum(nx, 1), 0)
    gy[ys, xs] = np.where(ny > 0.5, box(ey) / np.maximum(ny, 1), 0)
    return gx, gy
