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

__all__ = ["KERNELS", "blur_kernel", "kernel_std", "DEFOCUS_KERNELS", "defocus_kernel",
           "kernel_power"]


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


# --- two-parameter defocus kernels of the ML blur-estimation report (new names) -------------
#
# ``blur_kernel(model, r)`` above keeps its meaning (DFD-PATCH builds its inputs from it). The
# report's kernels (Nandy-style ML defocus estimation, section 4) are added under new names;
# ``h = kappa * r`` ties their scale to the blur-circle radius ``r`` (a camera constant).

#: Kernel models of :func:`defocus_kernel`: the report's four (``disc``, ``circular_gaussian``,
#: ``circular_cauchy``, ``rect_gaussian``) and the one-parameter models of :data:`KERNELS`.
DEFOCUS_KERNELS = ("disc", "circular_gaussian", "circular_cauchy", "rect_gaussian",
                   "gaussian", "cauchy", "square_gaussian")

_TWO_PARAM = {"circular_gaussian", "circular_cauchy", "rect_gaussian"}


def _area_sampled(density, support, half: int, sub: int) -> np.ndarray:
    """Pixel integrals of ``density * 1{support}`` by ``sub x sub`` supersampling (float64)."""
    y, x = _grid(half, sub)
    n = 2 * half + 1
    vals = np.where(support(x, y), density(x, y), 0.0)
    return vals.reshape(n, sub, n, sub).mean(axis=(1, 3))


def defocus_kernel(model: str, r: float, *, kappa: float = 0.5, sub: int = 16) -> np.ndarray:
    """The normalised (2H+1, 2H+1) float64 defocus kernel of ``model`` at blur radius ``r`` px.

    Models (``h = kappa * r``), each the pixel-area integral of its density (``sub x sub``
    supersampling, so fractional radii are exact up to the sampling of the boundary pixels):

    * ``disc``: uniform on the disc ``x^2 + y^2 <= r^2`` (same as ``blur_kernel("disc", r)``);
    * ``circular_gaussian``: ``exp(-(x^2 + y^2) / 2 h^2)`` truncated to the disc of radius r;
    * ``circular_cauchy``: ``(x^2 + y^2 + h^2)^(-3/2)`` truncated to the disc of radius r;
    * ``rect_gaussian``: ``exp(-(x^2 + y^2) / 2 h^2)`` on the square ``|x|, |y| <= r``
      (separable: its pixel integrals are exact, by erf);
    * ``gaussian``, ``cauchy``, ``square_gaussian``: the one-parameter models of
      :func:`blur_kernel` (``kappa`` unused).

    A radius below about 0.3 px gives (nearly) a delta; ``r = 0`` gives the 1x1 delta.

    References
    ----------
    .. [1] A. Levin, R. Fergus, F. Durand, W. T. Freeman, "Image and depth from a conventional
       camera with a coded aperture", ACM TOG 26(3), 2007.
    .. [2] K. Nandy, "Locally dependent natural image priors for non-blind and blind image
       deconvolution", PhD thesis, Indian Statistical Institute, 2021.
    """
    if model not in DEFOCUS_KERNELS:
        raise InputError(f"kernel {model!r} is not a defocus kernel; known: "
                         f"{', '.join(DEFOCUS_KERNELS)}")
    r = check_positive(r, "r", allow_zero=True)
    kappa = check_positive(kappa, "kappa")
    if model not in _TWO_PARAM:
        return blur_kernel(model, r)
    if r == 0:
        return np.ones((1, 1))
    h = kappa * r
    half = int(np.ceil(r))
    if model == "rect_gaussian":  # separable: exact pixel integrals by erf
        from scipy.special import erf

        c = np.arange(-half, half + 1, dtype=np.float64)
        lo, hi = np.clip(c - 0.5, -r, r), np.clip(c + 0.5, -r, r)
        s2 = np.sqrt(2.0) * h
        k1 = np.maximum(erf(hi / s2) - erf(lo / s2), 0.0)
        k = np.outer(k1, k1)
        return k / k.sum()

    def support(x, y):
        return x * x + y * y <= r * r
    if model == "circular_cauchy":
        def density(x, y):
            return (x * x + y * y + h * h) ** -1.5
    else:
        def density(x, y):
            return np.exp(-(x * x + y * y) / (2 * h * h))
    k = _area_sampled(density, support, half, sub)
    if k.sum() == 0:
        k[half, half] = 1.0
    return k / k.sum()


def _folded(k: np.ndarray, shape) -> np.ndarray:
    """``k`` zero-padded (or wrapped, when larger) onto a periodic grid of ``shape``."""
    out = np.zeros(shape)
    iy = np.arange(k.shape[0]) % shape[0]
    ix = np.arange(k.shape[1]) % shape[1]
    np.add.at(out, (iy[:, None], ix[None, :]), k)
    return out


def kernel_power(model: str, radii, shape, *, kappa: float = 0.5) -> np.ndarray:
    """``|K_w|^2`` of the kernels at ``radii`` on the ``rfft2`` grid of ``shape``.

    ``K`` is the unnormalised DFT of the kernel zero-padded to ``shape`` (its position does not
    change ``|K|^2``); returns a float32 array (len(radii), shape[0], shape[1] // 2 + 1).
    """
    radii = np.atleast_1d(np.asarray(radii, np.float64))
    out = np.empty((radii.size, shape[0], shape[1] // 2 + 1), np.float32)
    for i, r in enumerate(radii):
        spec = np.fft.rfft2(_folded(defocus_kernel(model, float(r), kappa=kappa), shape))
        out[i] = spec.real ** 2 + spec.imag ** 2
    return out
