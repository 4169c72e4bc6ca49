"""Classical morphological completion in inverted depth (Ku, Harakeh & Waslander, 2018)."""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import InputError, check_depth, check_positive, check_valid

__all__ = ["morphological", "PRESETS", "diamond_kernel", "full_kernel", "cross_kernel",
           "BILATERAL_SIGMA_FRACTION"]

#: Default ``bilateral_sigma_color`` as a fraction of the 1-99 % range of the valid depth:
#: the published 1.5 m over the ~60 m of a KITTI frame, so that the default follows the
#: data's units (issue #13) instead of assuming metres.
BILATERAL_SIGMA_FRACTION = 0.025


def full_kernel(size: int) -> np.ndarray:
    """A ``size`` x ``size`` square structuring element of ones (uint8)."""
    return np.ones((size, size), np.uint8)


def cross_kernel(size: int) -> np.ndarray:
    """A ``size`` x ``size`` cross (the centre row and column)."""
    k = np.zeros((size, size), np.uint8)
    k[size // 2, :] = 1
    k[:, size // 2] = 1
    return k


def diamond_kernel(size: int) -> np.ndarray:
    """A ``size`` x ``size`` diamond: pixels with ``|dy| + |dx| <= size // 2`` (uint8)."""
    r = size // 2
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return (np.abs(yy) + np.abs(xx) <= r).astype(np.uint8)


#: Kernel presets. ``"paper"`` is the published pipeline's configuration (5x5 diamond
#: dilation, 5x5 closing, 7x7 small-hole fill, 31x31 large-hole fill, 5x5 median, 5x5
#: Gaussian blur); it reproduces the figures measured with the published code on the
#: COMPLETE-KITTI inputs (RMSE 940 / 1269 mm) and suits 64-beam density; ``"hdl32"`` has
#: taller kernels for the sparser 32-beam sweep (not validated on real 32-beam data here:
#: no such data in ../shared/data).
PRESETS = {
    "paper": dict(dilation_kernel="diamond5", closing_size=5, small_fill_size=7,
                  large_fill_size=31, median_size=5, blur="gaussian"),
    "hdl32": dict(dilation_kernel="diamond7", closing_size=7, small_fill_size=9,
                  large_fill_size=31, median_size=5, blur="gaussian"),
}


def _kernel(spec, name) -> np.ndarray:
    if isinstance(spec, str):
        for prefix, fn in (("diamond", diamond_kernel), ("full", full_kernel),
                           ("cross", cross_kernel)):
            if spec.startswith(prefix) and spec[len(prefix):].isdigit():
                size = int(spec[len(prefix):])
                if size < 1 or size % 2 == 0:
                    break
                return fn(size)
        raise InputError(f"{name} {spec!r} is not a kernel: expected 'diamondN', 'fullN', "
                         "'crossN' with N odd, or a 2-D array")
    k = np.asarray(spec)
    if k.ndim != 2 or k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0 or not k.any():
        raise InputError(f"{name} shape {k.shape} is not a kernel: expected an odd-sized "
                         "2-D array with a nonzero element")
    return (k != 0).astype(np.uint8)


def _odd(value, name, *, allow_zero=False) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be an odd integer, got {value!r}") from None
    if v != value or (v == 0 and not allow_zero) or v < 0 or (v and v % 2 == 0):
        raise InputError(f"{name} must be an odd integer{' or 0' if allow_zero else ''} "
                         f">= 1, got {value!r}")
    return v


def morphological(depth, guide=None, *, valid=None, preset: str = "paper",
                  max_depth: float | None = None, dilation_kernel=None,
                  closing_size: int | None = None, small_fill_size: int | None = None,
                  large_fill_size: int | None = None, median_size: int | None = None,
                  blur: str | None = None,
                  extrapolate_top: bool = True, bilateral_sigma_color: float | None = None,
                  bilateral_sigma_space: float = 2.0):
    """Dense depth from sparse depth by morphology on inverted depth (IP_Basic style).

    The steps of Ku et al. [1]_, written from the paper: (1) invert valid depth,
    ``max_depth - d``, so that dilation favours near surfaces; (2) dilate with a small
    custom kernel (a 5x5 diamond by default); (3) close small holes; (4) fill the remaining
    empty pixels from a 7x7 dilation; (5) extend each column's topmost value to the top of
    the image, then fill the large holes left from a 31x31 dilation; (6) remove outliers with
    a median filter and smooth with a 5x5 Gaussian (or a bilateral filter); (7) invert back.
    Every kernel is a parameter; ``preset`` picks a set (see :data:`PRESETS`), explicit
    parameters override it.

    Parameters
    ----------
    depth : (H, W) array
        Sparse depth in any units (never rescaled); invalid pixels are never read.
    guide : ignored
        Accepted for a uniform call shape with the guided methods.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    preset : {"paper", "hdl32"}
        Kernel set; ``"paper"`` is the published configuration.
    max_depth : float, optional
        Inversion constant in depth units; default ``1.01 * max(valid depth)`` (the paper
        uses 100 m).
    dilation_kernel : str or 2-D array, optional
        First dilation kernel: ``"diamondN"``, ``"fullN"``, ``"crossN"`` or an array.
    closing_size, small_fill_size, large_fill_size, median_size : odd int, optional
        Square kernel sizes of the closing, the small- and large-hole fills and the median
        (``median_size=0`` disables it).
    blur : {"gaussian", "bilateral", "none"}, optional
        Final smoothing of the inverted map (5x5 Gaussian as in the paper, or a 5x5
        bilateral filter with the two ``bilateral_*`` parameters).
    extrapolate_top : bool
        Extend each column's topmost value upwards (useful for LiDAR with an empty sky).
    bilateral_sigma_color : float, optional
        Range sigma of the bilateral blur, in depth units; default
        :data:`BILATERAL_SIGMA_FRACTION` (2.5 %) of the 1-99 % range of the valid depth (the
        paper's 1.5 m on KITTI).
    bilateral_sigma_space : float
        Spatial sigma of the bilateral blur, in pixels.

    Returns
    -------
    (H, W) float32 ndarray, dense (no NaN). Input samples are smoothed by the median and
    blur steps (step 6) like every other pixel; pixels still empty after step 5 get the
    nearest filled value before step 6, so the output stays within the valid depth's range.

    References
    ----------
    .. [1] J. Ku, A. Harakeh and S. L. Waslander, "In Defense of Classical Image Processing:
       Fast Depth Completion on the CPU", CRV 2018.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    if preset not in PRESETS:
        raise InputError(f"preset {preset!r} is unknown: expected one of {', '.join(PRESETS)}")
    cfg = dict(PRESETS[preset])
    for k, val in (("dilation_kernel", dilation_kernel), ("closing_size", closing_size),
                   ("small_fill_size", small_fill_size), ("large_fill_size", large_fill_size),
                   ("median_size", median_size), ("blur", blur)):
        if val is not None:
            cfg[k] = val
    k_dil = _kernel(cfg["dilation_kernel"], "dilation_kernel")
    k_close = full_kernel(_odd(cfg["closing_size"], "closing_size"))
    k_small = full_kernel(_odd(cfg["small_fill_size"], "small_fill_size"))
    k_large = full_kernel(_odd(cfg["large_fill_size"], "large_fill_size"))
    med = _odd(cfg["median_size"], "median_size", allow_zero=True)
    if cfg["blur"] not in ("bilateral", "gaussian", "none"):
        raise InputError(f"blur {cfg['blur']!r} is unknown: expected 'bilateral', 'gaussian' "
                         "or 'none'")
    dmax = float(d[v].max())
    top = 1.01 * dmax if max_depth is None else check_positive(max_depth, "max_depth")
    if top <= dmax:
        raise InputError(f"max_depth must exceed the largest valid depth {dmax:g}, got {top:g}")
    if bilateral_sigma_color is None:
        lo, hi = np.percentile(d[v], [1, 99])
        sc = BILATERAL_SIGMA_FRACTION * (float(hi - lo) or dmax)
    else:
        sc = check_positive(bilateral_sigma_color, "bilateral_sigma_color")
    ss = check_positive(bilateral_sigma_space, "bilateral_sigma_space")

    # (1) inversion: empty = 0, valid in (0, top)
    inv = np.where(v, top - np.where(v, d, 0), 0).astype(np.float32)
    # (2) custom-kernel dilation, (3) closing
    inv = cv2.dilate(inv, k_dil)
    inv = cv2.morphologyEx(inv, cv2.MORPH_CLOSE, k_close)
    # (4) small holes from a larger dilation
    empty = inv < 1e-6 * top
    if empty.any():
        inv = np.where(empty, cv2.dilate(inv, k_small), inv)
    # (5) extend the top value of each column upwards, then large holes
    if extrapolate_top:
        filled = inv > 1e-6 * top
        has = filled.any(axis=0)
        first = np.argmax(filled, axis=0)
        cols = np.nonzero(has)[0]
        rows = np.arange(inv.shape[0])[:, None]
        above = (rows < first[None, :]) & has[None, :]
        topval = inv[first[cols], cols]
        fillv = np.zeros(inv.shape[1], np.float32)
        fillv[cols] = topval
        inv = np.where(above, fillv[None, :], inv)
    empty = inv < 1e-6 * top
    if empty.any():
        inv = np.where(empty, cv2.dilate(inv, k_large), inv)
    # anything still empty (no sample within reach) gets its nearest filled neighbour
    # before the smoothing: a median or blur over empty (zero) pixels would pull the
    # inverted map towards 0, i.e. the depth towards ``top``, above every sample
    empty = inv < 1e-6 * top
    if empty.any():
        if (~empty).any():
            _, lab = cv2.distanceTransformWithLabels(empty.astype(np.uint8), cv2.DIST_L2, 5,
                                                     labelType=cv2.DIST_LABEL_PIXEL)
            vals = np.zeros(lab.max() + 1, np.float32)
            vals[lab[~empty]] = inv[~empty]
            inv = np.where(empty, vals[lab], inv)
        else:
            inv[:] = top - float(np.median(d[v]))
    # (6) median + blur, on the inverted map
    if med:
        if med <= 5:
            inv = cv2.medianBlur(inv, med)
        else:
            inv = cv2.medianBlur(inv, med) if inv.dtype == np.uint8 else _median(inv, med)
    if cfg["blur"] == "bilateral":
        inv = cv2.bilateralFilter(inv, 5, sc, ss)
    elif cfg["blur"] == "gaussian":
        inv = cv2.GaussianBlur(inv, (5, 5), 0)
    # (7) back to depth
    return (top - inv).astype(np.float32)


def _median(a, size):
    from scipy import ndimage

    return ndimage.median_filter(a, size=size, mode="nearest").astype(np.float32)
