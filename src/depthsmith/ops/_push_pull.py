"""Order-0 push-pull fill of a (certainty x value, certainty) pair.

The pull-push pyramid of S. J. Gortler, R. Grzeszczuk, R. Szeliski and M. F. Cohen, "The
Lumigraph", SIGGRAPH 1996: certainty-weighted values are pushed down a Gaussian pyramid
(certainties adding up, capped at 1) until a level is fully covered, then pulled back up,
each level keeping its own estimate in proportion to its certainty and the coarser one
filling the rest, so the result is dense wherever any certainty exists.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["push_pull_fill"]

_COVERED = 0.999  # the push stops once every certainty of a level exceeds this (chosen by hand)


def push_pull_fill(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Order-0 push-pull fill: a dense estimate wherever any certainty exists.

    Push: the (certainty x value, certainty) pair goes down a Gaussian pyramid
    (``cv2.pyrDown``, sums kept), certainties adding up and capped at 1 (a cell over 1 is
    renormalized to certainty 1), until a level is fully covered or 2 pixels small. Pull:
    from the coarsest level's ratio up, each level keeps its own certainty-weighted value
    and the upsampled coarser estimate fills the missing ``1 - certainty`` [1]_.

    Parameters
    ----------
    num : (H, W) array
        Certainty-weighted values ``c * d`` (0 where ``c`` is 0).
    den : (H, W) array
        Certainties ``c >= 0``; values over 1 count as 1 (``num`` is rescaled with them).

    Returns
    -------
    (H, W) float32
        The filled estimate. A pixel of certainty 1 keeps ``num / den``; with no certainty
        at all the result is 0 everywhere.

    References
    ----------
    .. [1] S. J. Gortler, R. Grzeszczuk, R. Szeliski and M. F. Cohen, "The Lumigraph",
       SIGGRAPH 1996.
    """
    n0 = num.astype(np.float32)
    c0 = den.astype(np.float32)
    big = c0 > 1.0
    if big.any():
        n0 = np.where(big, n0 / np.where(big, c0, 1.0), n0).astype(np.float32)
        c0 = np.minimum(c0, 1.0)
    nums, dens = [n0], [c0]
    while min(nums[-1].shape) > 2 and not _covered(dens[-1]):
        n = cv2.pyrDown(nums[-1]) * 4.0
        c = cv2.pyrDown(dens[-1]) * 4.0
        big = c > 1.0
        n[big] /= c[big]
        c[big] = 1.0
        nums.append(n)
        dens.append(c)
    est = _ratio(nums[-1], dens[-1])
    if np.isnan(est).any():
        tot = float(dens[-1].sum())
        est = np.where(np.isnan(est), float(nums[-1].sum()) / tot if tot > 0 else 0.0, est)
    for lvl in range(len(nums) - 2, -1, -1):
        hh, ww = nums[lvl].shape
        up = cv2.pyrUp(est.astype(np.float32), dstsize=(ww, hh))
        est = nums[lvl] + (1.0 - dens[lvl]) * up
    return est.astype(np.float32)


def _covered(den) -> bool:
    return bool((den > _COVERED).all())


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 1e-8, num / np.where(den > 1e-8, den, 1.0), np.nan)

