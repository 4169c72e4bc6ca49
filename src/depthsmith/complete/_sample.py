"""Sampling schemes for sparse-to-dense experiments (BENCHMARKS.md COMPLETE-SAMPLES)."""

from __future__ import annotations

import cv2
import numpy as np

from .._color import to_gray
from .._validate import InputError, as_rng, check_depth, check_guide, check_valid

__all__ = ["sample", "SCHEMES", "gradient_magnitude"]

SCHEMES = ("uniform", "gradient", "uniform+gradient", "grid")


def gradient_magnitude(guide) -> np.ndarray:
    """Sobel gradient magnitude (3x3) of the guide's gray level ``0.299R+0.587G+0.114B``,
    float64, in 8-bit steps per pixel."""
    gray = to_gray(check_guide(guide).levels).astype(np.float32)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT_101)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT_101)
    return np.hypot(gx, gy).astype(np.float64)


def _uniform(avail, k, rng):
    idx = np.flatnonzero(avail)
    return idx[rng.choice(idx.size, min(k, idx.size), replace=False)]


def _gradient(avail, k, rng, mag):
    idx = np.flatnonzero(avail & (mag > 0))
    if idx.size < k:  # flat guide: the rest uniformly among what is left
        rest = np.flatnonzero(avail & (mag <= 0))
        extra = rest[rng.choice(rest.size, min(k - idx.size, rest.size), replace=False)]
        return np.concatenate([idx, extra])
    p = mag[idx] / mag[idx].sum()
    return idx[rng.choice(idx.size, k, replace=False, p=p)]


def sample(depth, n, scheme: str = "uniform", guide=None, *, valid=None, rng=0) -> np.ndarray:
    """Choose ``n`` sample pixels of ``depth`` with one of the four schemes of the seed.

    Samples are drawn from valid pixels only (default finite & > 0):

    * ``"uniform"``: ``n`` pixels uniformly at random, without replacement;
    * ``"gradient"``: ``n`` pixels without replacement with probability proportional to the
      guide's Sobel gradient magnitude (:func:`gradient_magnitude`; needs ``guide``);
    * ``"uniform+gradient"``: ``n // 2`` uniform pixels drawn with ``rng``, then
      ``n - n // 2`` gradient pixels among the remaining ones drawn with ``rng + 1`` (an int
      seed) or with the same generator (a Generator);
    * ``"grid"``: a regular lattice of step ``round(sqrt(H W / n))`` starting at
      ``step // 2`` in both axes, kept where valid (so ``n`` is only the budget).

    Parameters
    ----------
    depth : (H, W) array        depth or disparity (only its validity and shape are used)
    n : int                     sample budget (>= 1)
    scheme : str                one of :data:`SCHEMES`
    guide : (H, W[, 3]) array   color image, required by the gradient schemes
    valid : (H, W) bool, optional
    rng : numpy Generator, int or None
        Randomness; ``0`` reproduces the benchmark's draw.

    Returns
    -------
    (H, W) bool ndarray, True at the chosen pixels (``min(n, #valid)`` of them except for
    ``"grid"``); e.g. ``np.where(mask, depth, np.nan)`` is the sparse input.

    References
    ----------
    .. [1] S. Hawe, M. Kleinsteuber and K. Diepold, "Dense disparity maps from sparse
       disparity measurements", ICCV 2011 (sparse-disparity sampling experiments of this
       kind; the exact schemes here are those of BENCHMARKS.md COMPLETE-SAMPLES).
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    if scheme not in SCHEMES:
        raise InputError(f"scheme {scheme!r} is unknown: expected one of {', '.join(SCHEMES)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n must be an integer >= 1, got {n!r}")
    n = int(n)
    h, w = d.shape
    avail = v.ravel().copy()
    out = np.zeros(h * w, bool)
    if scheme == "grid":
        step = max(1, int(round(np.sqrt(h * w / n))))
        lat = np.zeros((h, w), bool)
        lat[step // 2::step, step // 2::step] = True
        return lat & v
    mag = None
    if "gradient" in scheme:
        if guide is None:
            raise InputError(f"scheme {scheme!r} needs a guide image: pass guide=(H, W, 3)")
        mag = gradient_magnitude(check_guide(guide, d.shape)).ravel()
    if scheme == "uniform":
        out[_uniform(avail, n, as_rng(rng))] = True
    elif scheme == "gradient":
        out[_gradient(avail, n, as_rng(rng), mag)] = True
    else:
        first = as_rng(rng)
        second = first if isinstance(rng, np.random.Generator) else as_rng(
            None if rng is None else int(rng) + 1)
        a = _uniform(avail, n // 2, first)
        out[a] = True
        avail[a] = False
        out[_gradient(avail, n - n // 2, second, mag)] = True
    return out.reshape(h, w)
