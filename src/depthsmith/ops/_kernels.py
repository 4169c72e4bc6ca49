"""Parametric blur kernels (point-spread functions) for defocus simulation and estimation.

Each model is a function of one scale ``r`` in pixels:

* ``disc``: the pillbox of radius ``r`` (the geometric-optics defocus PSF), anti-aliased by
  exact-area supersampling of the boundary pixels;
* ``gaussian``: circular Gaussian with standard deviation ``r``, truncated at 4 r;
* ``cauchy``: circular Cauchy (Lorentzian) ``1 / (1 + (x^2 + y^2) / r^2)^(3/2)``, the 2-D
  Cauchy density, truncated at 8 r;
* ``square_gaussian``: a Gaussian of the Chebyshev distance ``exp(-max(|x|,|y|)^2 / 2 r^2)``
  (square level sets), truncated at 4 r.

All kernels are normalised to sum to 1. References: Hecht, *Optics* (pillbox PSF);
Pentland, "A new sense for depth of field", PAMI 1987 (Gaussian PSF model).
"""

from __future__ import annotations

import numpy as np

from .._validate import InputError, check_positive

__all__ = ["KERNELS", "blur_kernel", "kernel_std"]


def _grid(half: int, sub: int = 1):
    step = 1.0 / sub
    offs = (np.arange(sub) + 0.5) * step - 0.5
    c = np.arange(-half, half + 1)
    fine = (c[:, None] + offs[None, :]).ravel()
    return np.meshgrid(fine, fine, indexing="ij")


def _disc(r: float) -> np.ndarray:
    half = int(np.ceil(r))
    sub = 16
    y, x = _grid(half, sub)
    inside = (x * x + y * y <= r * r).astype(np.float64)
    n = 2 * half + 1
    k = inside.reshape(n, sub, n, sub).mean(axis=(1, 3))
    if k.sum() == 0:  # radius far below a pixel: a delta
        k[half, half] = 1.0
    return k


def _sampled(fn, half: int) -> np.ndarray:
    y, x = _grid(half, 4)
    n = 2 * half + 1
    return fn(x, y).reshape(n, 4, n, 4).mean(axis=(1, 3))


def _gaussian(r: float) -> np.ndarray:
    return _sampled(lambda x, y: np.exp(-(x * x + y * y) / (2 * r * r)), int(np.ceil(4 * r)))


def _cauchy(r: float) -> np.ndarray:
    return _sampled(lambda x, y: (1 + (x * x + y * y) / (r * r)) ** -1.5, int(np.ceil(8 * r)))


def _square_gaussian(r: float) -> np.ndarray:
    return _sampled(lambda x, y: np.exp(-np.maximum(np.abs(x), np.abs(y)) ** 2 / (2 * r * r)),
                    int(np.ceil(4 * r)))


KERNELS = {"disc": _disc, "gaussian": _gaussian, "cauchy": _cauchy,
           "square_gaussian": _square_gaussian}


def blur_kernel(model: str, r: float) -> np.ndarray:
    """The normalised (2h+1, 2h+1) float64 kernel of ``model`` at scale ``r`` px.

    ``r = 0`` gives a 1x1 delta for every model.
    """
    if model not in KERNELS:
        raise InputError(f"model {model!r} is not a blur kernel; known: {', '.join(KERNELS)}")
    r = check_positive(r, "r", allow_zero=True)
    if r == 0:
        return np.ones((1, 1))
    k = KERNELS[model](r)
    return k / k.sum()


def kernel_std(model: str, r: float = 1.0) -> float:
    """Standard deviation of the kernel's 1-D marginal in px (``disc``: about ``r / 2``)."""
    k = blur_kernel(model, r)
    h = k.shape[0] // 2
    x = np.arange(-h, h + 1)
    return float(np.sqrt((k.sum(axis=0) * x * x).sum()))
