"""Shared pieces of the defocus methods: result types, input checks, the ML search."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .._validate import InputError, InputTypeError, check_positive
from ..ops import DEFOCUS_KERNELS
from ._likelihood import COARSE, R_GRID, Spectrum, estimate_noise, loglik_at, prior_grid

__all__ = ["BlurEstimate", "BlurMap", "DefocusWarning", "as_gray", "check_kernel",
           "check_prior", "ml_search", "confidence_of"]

#: Blur-circle radii (px) the search covers.
R_MIN, R_MAX = float(R_GRID[0]), float(R_GRID[-1])


class DefocusWarning(UserWarning):
    """A defocus estimate without support (flat, textureless input)."""


@dataclass
class BlurEstimate:
    """One blur estimate: ``params`` (``{"r": px}``, plus ``"h"`` for two-parameter kernels),
    ``loglik`` at the maximum and ``confidence`` in [0, 1] (0: no support)."""

    params: dict
    loglik: float
    confidence: float
    extra: dict = field(default_factory=dict, repr=False)

    @property
    def r(self) -> float:
        return float(self.params["r"])


@dataclass
class BlurMap:
    """A per-pixel blur-circle radius ``radius`` (px, float32, finite) and its ``confidence``
    in [0, 1] (float32; 0 where the radius was filled from confident neighbours)."""

    radius: np.ndarray
    confidence: np.ndarray


def as_gray(image, name: str = "image") -> np.ndarray:
    """(H, W) float64 gray in [0, 1] from a gray or RGB image: uint8, uint16 or float in [0, 1]
    (0.299 R + 0.587 G + 0.114 B)."""
    if not isinstance(image, np.ndarray) and not hasattr(image, "__array__"):
        raise InputTypeError(f"{name} must be an array, got {type(image).__name__}")
    a = np.asarray(image)
    if a.dtype.kind not in "uif" or a.dtype == bool:
        raise InputTypeError(f"{name} must be numeric (uint8, uint16 or float), got {a.dtype}")
    if a.ndim == 3 and a.shape[2] in (3, 4):
        a = a[..., :3]
        scale = 255.0 if a.dtype == np.uint8 else 65535.0 if a.dtype == np.uint16 else 1.0
        a = (a.astype(np.float64) @ np.array([0.299, 0.587, 0.114])) / scale
    elif a.ndim == 2:
        scale = 255.0 if a.dtype == np.uint8 else 65535.0 if a.dtype == np.uint16 else 1.0
        a = a.astype(np.float64) / scale
    else:
        raise InputError(f"{name} must be (H, W) gray or (H, W, 3) RGB, got shape {a.shape}")
    if min(a.shape) < 8:
        raise InputError(f"{name} is too small for blur estimation: {a.shape} (at least 8 x 8)")
    if not np.isfinite(a).all():
        raise InputError(f"{name} has NaN or infinite values")
    return a


def check_kernel(kernel) -> str:
    if kernel not in DEFOCUS_KERNELS:
        raise InputError(f"kernel {kernel!r} is unknown; known: {', '.join(DEFOCUS_KERNELS)}")
    return kernel


def check_prior(prior, rho=(0.3, 0.6)):
    if prior not in ("ar1", "iid"):
        raise InputError(f"prior {prior!r} is unknown; known: ar1, iid")
    rho = tuple(float(x) for x in np.broadcast_to(np.asarray(rho, float), (2,)))
    if not all(-1 < x < 1 for x in rho):
        raise InputError(f"rho must lie in (-1, 1), got {rho}")
    return prior, rho


#: Typical latent gradient standard deviation of photos in [0, 1] (the confidence's reference).
SIGMA_REF = 0.1


def check_sigma(sigma):
    """``sigma``: a positive number, or ``"energy"`` (energy-matched per radius)."""
    if isinstance(sigma, str):
        if sigma != "energy":
            raise InputError(f"sigma must be a positive number or 'energy', got {sigma!r}")
        return sigma
    return check_positive(sigma, "sigma")


def _noise(eta, b) -> float:
    if eta is None:
        return max(estimate_noise(b), 1e-4)
    return check_positive(eta, "eta")


def confidence_of(curv: float, energy: float, expected: float, eta: float) -> float:
    """Confidence in [0, 1] from the curvature of ``log L`` at its maximum (``curv``, per px^2:
    standard error ``1 / sqrt(curv)``) and the gradient energy above the noise relative to what
    ``sigma`` assumes at the estimate (``expected``)."""
    se = 1.0 / np.sqrt(max(curv, 1e-12))
    c_curv = 1.0 / (1.0 + (se / 0.25) ** 2)
    c_energy = min(1.0, max(energy - 2.0 * eta * eta, 0.0) / max(expected, 1e-30))
    return float(c_curv * c_energy)


def is_flat(energy: float, eta: float) -> bool:
    return energy <= max(3.0 * eta * eta, 1e-12)


def ml_search(spec: Spectrum, *, kernel: str, sigma, eta: float, prior: str, rho,
              noise: str = "power", kappa: float = 0.5, top: int = 2, refine: bool = True,
              sigma_scale: float = 1.0):
    """Maximise ``log L`` over the radius: the coarse 0.25-px grid over [0.5, 8] px, then the
    0.05-px grid (+-0.15 px) around the best ``top`` local maxima, then a parabola through the
    best point and its neighbours. Returns (r, loglik, curvature)."""
    kw = dict(model=kernel, kappa=kappa, sigma=sigma, eta=eta, prior=prior, rho=rho, noise=noise,
              sigma_scale=sigma_scale)
    coarse = np.arange(0, R_GRID.size, COARSE)
    ll = loglik_at(spec, coarse, **kw)
    n = ll.size
    is_max = np.ones(n, bool)
    is_max[1:] &= ll[1:] >= ll[:-1]
    is_max[:-1] &= ll[:-1] >= ll[1:]
    cands = np.flatnonzero(is_max)
    cands = cands[np.argsort(-ll[cands])][:top]
    if not refine:
        j = int(cands[0])
        return _parabola(R_GRID[coarse], ll, j)
    idx = np.unique(np.concatenate([np.arange(coarse[c] - COARSE + 2, coarse[c] + COARSE - 1)
                                    for c in cands]))
    idx = idx[(idx >= 0) & (idx < R_GRID.size)]
    fine = loglik_at(spec, idx, **kw)
    best = int(idx[np.argmax(fine)])
    nb = np.array([best - 1, best, best + 1])
    nb = nb[(nb >= 0) & (nb < R_GRID.size)]
    have = dict(zip(idx.tolist(), fine.tolist(), strict=True))
    missing = [i for i in nb if i not in have]
    if missing:
        have.update(zip(missing, loglik_at(spec, np.array(missing), **kw).tolist(), strict=True))
    vals = np.array([have[i] for i in nb])
    return _parabola(R_GRID[nb], vals, int(np.flatnonzero(nb == best)[0]))


def _parabola(r, ll, j):
    """(r, loglik, curvature) at index ``j`` of a sampled curve, refined by a parabola."""
    if 0 < j < len(ll) - 1:
        d = r[j + 1] - r[j]
        a, b, c = ll[j - 1], ll[j], ll[j + 1]
        curv = (a - 2 * b + c) / (d * d)
        if curv < 0:
            off = float(np.clip(0.5 * (a - c) / (a - 2 * b + c), -0.5, 0.5))
            return float(r[j] + off * d), float(b - 0.25 * (a - c) * off), float(-curv)
        return float(r[j]), float(b), 0.0
    k = j + 1 if j == 0 else j - 1
    d = abs(r[k] - r[j])
    return float(r[j]), float(ll[j]), float(max(ll[j] - ll[k], 0.0) / (d * d))


def expected_energy(spec: Spectrum, r: float, *, kernel: str, sigma, prior: str, rho,
                    kappa: float = 0.5) -> float:
    """Mean gradient power the model assigns to the blurred latent image at radius ``r``
    (``sigma="energy"``: with the reference :data:`SIGMA_REF`)."""
    sigma = SIGMA_REF if sigma == "energy" else sigma
    from ._likelihood import power_table

    i = int(np.clip(np.rint((r - R_MIN) / 0.05), 0, R_GRID.size - 1))
    tot = wsum = 0.0
    for shape, _s, ndir in spec.blocks:
        g, _h, w = prior_grid(shape, prior, tuple(rho))
        tot += ndir * float(np.sum(w * g * power_table(kernel, kappa, shape)[i]))
        wsum += ndir * float(np.sum(w))
    return sigma * sigma * tot / max(wsum, 1.0)


def flat_warning(what: str):
    warnings.warn(f"{what} is flat (no gradient above the noise): blur is unobservable, "
                  "confidence 0", DefocusWarning, stacklevel=3)
