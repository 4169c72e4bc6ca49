"""Weighted local plane numerics shared by :mod:`._pyramid_normconv` and :mod:`._range_refit`.

The closed-form solve of the ridge-regularised first-order normalized convolution (the
"normalized differential" basis {1, x, y} of H. Knutsson and C.-F. Westin, "Normalized and
differential convolution", CVPR 1993) from its applicability-weighted moments, the
unnormalised Gaussian applicability taps, and the parsing of a (rows, columns) sigma.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .._validate import InputError, check_positive

_DET_EPS = 1e-9  # plane fit falls back to the mean below this det / s0^3 (chosen by hand)


def _sigma_pair(sigma_space):
    if np.ndim(sigma_space) == 0:
        s = check_positive(sigma_space, "sigma_space")
        return s, s
    vals = list(np.asarray(sigma_space, dtype=object).ravel())
    if len(vals) != 2:
        raise InputError(f"sigma_space must be a number or a (rows, columns) pair, got "
                         f"{sigma_space!r}")
    return (check_positive(vals[0], "sigma_space[0]"),
            check_positive(vals[1], "sigma_space[1]"))


@nb.njit(cache=True, fastmath=True)
def _gauss_taps(r, inv_sigma2):
    """Unnormalised Gaussian taps exp(-t^2 / 2 sigma^2) for t in -r..r (float64)."""
    out = np.empty(2 * r + 1, np.float64)
    for i in range(2 * r + 1):
        t = i - r
        out[i] = math.exp(-0.5 * t * t * inv_sigma2)
    return out


@nb.njit(cache=True, fastmath=True)
def _plane0(s0, a01, a02, a11, a12, a22, b0, b1, b2, ridge):
    """Value at the origin of the ridge-regularised weighted plane from its moments."""
    a01 = np.float64(a01)
    a02 = np.float64(a02)
    a11 = np.float64(a11) + ridge * s0
    a12 = np.float64(a12)
    a22 = np.float64(a22) + ridge * s0
    b1 = np.float64(b1)
    b2 = np.float64(b2)
    m00 = a11 * a22 - a12 * a12
    det = s0 * m00 - a01 * (a01 * a22 - a12 * a02) + a02 * (a01 * a12 - a11 * a02)
    if abs(det) > _DET_EPS * s0 * s0 * s0:
        return (b0 * m00 - a01 * (b1 * a22 - a12 * b2) + a02 * (b1 * a12 - a11 * b2)) / det
    return b0 / s0
