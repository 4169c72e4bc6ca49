"""Primitives of ML blur estimation in the Fourier domain: gradient periodograms, the AR(1)
gradient prior, the gradient-noise factor, cached kernel spectra and the log-likelihood.

Model (per region with one shift-invariant kernel ``k``): the horizontal / vertical gradients
``y`` of the gray photo satisfy ``Y_w = K_w X_w + N_w`` with ``X_w ~ CN(0, sigma^2 g_w)`` and
``N_w ~ CN(0, eta^2 h_w)``, so the periodogram ``I_w = |Y_w|^2`` (unitary DFT) is Exponential
with mean ``v_w = sigma^2 |K_w|^2 g_w + eta^2 h_w``, independent over ``w``, and

    log L = sum over w and both directions of ( -log v_w - I_w / v_w ).

Gradients are cropped to odd sizes in space (no DFT row or column is ever dropped); the
vertical gradient is transposed so that the gradient's direction is always the last axis, and a
square patch then shares one frequency grid between both directions (their periodograms add).
Only the ``rfft2`` half-plane is evaluated, each frequency weighted by the number of DFT
coefficients it stands for (1 on the first column, 2 elsewhere), so ``log L`` equals the
full-plane sum.

References
----------
.. [1] A. Levin, R. Fergus, F. Durand, W. T. Freeman, "Image and depth from a conventional
   camera with a coded aperture", ACM TOG 26(3), 2007.
.. [2] X. Zhu, S. Cohen, S. Schiller, P. Milanfar, "Estimating spatially varying defocus blur
   from a single image", IEEE TIP 22(12), 2013.
.. [3] K. Nandy, "Locally dependent natural image priors for non-blind and blind image
   deconvolution", PhD thesis, Indian Statistical Institute, 2021.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numba as nb
import numpy as np
import scipy.fft as sfft

from .._numba import parallel_njit
from ..ops import kernel_power
from ..ops._dfd_spectra import kernel_power_finite, taper_lags, tukey_taper

__all__ = ["R_GRID", "ar1_factor", "noise_factor", "prior_grid", "Spectrum", "spectrum",
           "power_table", "loglik_at", "loglik_batch", "estimate_noise", "signal_mean",
           "sigma2_of", "use_periodic", "axis_keep"]

#: Radii (px) of the cached kernel spectra: 0.5 to 8 in steps of 0.05.
R_GRID = np.round(np.arange(0.5, 8.0 + 1e-9, 0.05), 4)
#: Every ``COARSE``-th entry of :data:`R_GRID` is the coarse search grid (0.25 px).
COARSE = 5


@functools.lru_cache(maxsize=256)
def _ar1_cached(rho: float, n: int) -> np.ndarray:
    t = np.arange(1, n)
    coef = (1.0 - t / n) * rho ** t
    k = np.arange(n)
    out = 1.0 + 2.0 * (np.cos(2 * np.pi * np.outer(k, t) / n) @ coef if n > 1 else 0.0)
    out.setflags(write=False)
    return out


def ar1_factor(rho: float, n: int) -> np.ndarray:
    """1-D AR(1) spectral factor
    ``g1(rho, n)[k] = 1 + 2 sum_{t<n} (1 - t/n) rho^t cos(2 pi k t / n)``.

    The expected periodogram (unitary DFT, length ``n``) of a unit-variance series with
    autocorrelation ``rho^|t|`` (the Fejer-smoothed AR(1) spectrum of Nandy 2021); its mean over
    ``k`` is exactly 1. Read-only (cached).
    """
    return _ar1_cached(float(rho), int(n))


def noise_factor(n: int, kind: str = "power") -> np.ndarray:
    """Factor ``h[k]`` of the periodogram of the [-1, 1] gradient of unit i.i.d. noise, along the
    gradient's direction (constant across it), for a series of length ``n``.

    ``kind="power"``: ``4 sin^2(w/2) + (2/n) cos w`` with ``w = 2 pi k / n``, the exact
    finite-``n`` expectation (neighbouring gradient noise is correlated -0.5), which tends to
    ``4 sin^2(w/2)``. ``kind="modulus"``: ``2 |sin(w/2)|``, what the report's code uses (kept
    only to reproduce it).
    """
    w = 2 * np.pi * np.arange(n) / n
    if kind == "modulus":
        return 2.0 * np.abs(np.sin(w / 2))
    return 4.0 * np.sin(w / 2) ** 2 + (2.0 / n) * np.cos(w)


@functools.lru_cache(maxsize=64)
def prior_grid(shape: tuple, prior: str = "ar1", rho: tuple = (0.3, 0.6),
               noise: str = "power", taper: float = 0.0):
    """(g, h, weight) flattened on the ``rfft2`` half-plane of a gradient array of ``shape``
    (rows across the gradient, columns along it). ``rho`` = (rho_along, rho_across).
    ``taper`` > 0 (Tukey, :func:`depthsmith.ops._dfd_spectra.tukey_taper`): ``h`` is the
    tapered periodogram's exact mean, ``2 - 2 rho_W(1) cos w``."""
    m, n = shape
    nh = n // 2 + 1
    if prior == "iid":
        g = np.ones((m, nh))
    else:
        g = np.outer(ar1_factor(rho[1], m), ar1_factor(rho[0], n)[:nh])
    if taper > 0 and noise == "power":
        w1 = 2 * np.pi * np.arange(nh) / n
        h = np.broadcast_to(2.0 - 2.0 * taper_lags(n, float(taper))[n] * np.cos(w1), (m, nh))
    else:
        h = np.broadcast_to(noise_factor(n, noise)[:nh], (m, nh))
    w = np.full((m, nh), 2.0)
    w[:, 0] = 1.0
    if n % 2 == 0:
        w[:, -1] = 1.0
    out = tuple(np.ascontiguousarray(a, np.float64).ravel() for a in (g, h, w))
    for a in out:
        a.setflags(write=False)
    return out


@functools.lru_cache(maxsize=64)
def axis_keep(shape: tuple, cross: int = 0) -> np.ndarray:
    """1 / 0 per frequency of the ``rfft2`` half-plane of ``shape``: 0 within ``cross`` - 1
    bins of either frequency axis (``cross = 0``: every frequency kept).

    The discontinuities of a window's borders leak into the periodogram as a cross of power
    decaying like ``1 / f^2`` along the two frequency axes, which the stationary model reads as
    high-frequency content (a blurred window looks sharp). Leaving those frequencies out of
    ``log L`` keeps the model exact on the others (still Exponential and independent)."""
    m, n = shape
    nh = n // 2 + 1
    keep = np.ones((m, nh))
    if cross > 0:
        k = np.arange(m)
        keep[np.minimum(k, m - k) < cross, :] = 0.0
        keep[:, :cross] = 0.0
    out = keep.ravel()
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=64)
def power_table(model: str, kappa: float, shape: tuple, finite: bool = False,
                taper: float = 0.0) -> np.ndarray:
    """``|K|^2`` of ``model`` at every radius of :data:`R_GRID` on the ``rfft2`` grid of
    ``shape``, flattened: float32 (len(R_GRID), F), read-only, cached per (model, kappa, shape,
    finite). ``finite``: the exact expected periodogram of blurred white noise in a window of
    ``shape`` (:func:`depthsmith.ops._dfd_spectra.kernel_power_finite`, Fejer-smoothed), seen
    through a Tukey ``taper`` when ``taper`` > 0 (implies ``finite``).
    """
    if finite or taper > 0:
        t = kernel_power_finite(model, R_GRID, shape, kappa=kappa, taper=float(taper))
    else:
        t = kernel_power(model, R_GRID, shape, kappa=kappa)
    t = t.reshape(R_GRID.size, -1)
    t.setflags(write=False)
    return t


@dataclass
class Spectrum:
    """Periodograms of one region: one entry per frequency grid (``shape``: rows across the
    gradient, columns along it), ``S`` the summed periodograms of the ``ndir`` directions on it,
    ``energy`` the mean squared gradient, ``count`` the number of gradients used."""

    blocks: list  # of (shape, S (F,), ndir)
    energy: float
    count: int


def _odd(a: np.ndarray) -> np.ndarray:
    return a[: a.shape[0] - (1 - a.shape[0] % 2), : a.shape[1] - (1 - a.shape[1] % 2)]


@functools.lru_cache(maxsize=64)
def _smooth_factors(m: int, n: int):
    """Per-shape constants of :func:`_periodic_rfft2`: the border factors of the boundary
    image's DFT and the inverse of the discrete Laplacian's symbol (0 at the origin)."""
    nh = n // 2 + 1
    ek = 1.0 - np.exp(2j * np.pi * np.arange(m) / m)
    el = 1.0 - np.exp(2j * np.pi * np.arange(nh) / n)
    den = (2 * np.cos(2 * np.pi * np.arange(m) / m)[:, None]
           + 2 * np.cos(2 * np.pi * np.arange(nh) / n)[None, :] - 4)
    den[0, 0] = 1.0
    inv = 1.0 / den
    inv[0, 0] = 0.0
    for a in (ek, el, inv):
        a.setflags(write=False)
    return ek, el, inv


def _periodic_rfft2(u: np.ndarray, workers=None) -> np.ndarray:
    """``rfft2`` of the periodic component of ``u`` (Moisan's periodic + smooth decomposition):
    removes the cross-shaped leakage of the array's boundary discontinuities, which otherwise
    looks like high-frequency content and makes a strongly blurred region look sharp.

    The boundary image (the jumps across the periodic borders) lives on the four border lines,
    so its DFT is two 1-D DFTs times border factors; the smooth component's DFT is that divided
    by the discrete Laplacian's symbol.

    References
    ----------
    .. [1] L. Moisan, "Periodic plus smooth image decomposition", JMIV 39(2), 2011.
    """
    m, n = u.shape[-2:]
    ek, el, inv = _smooth_factors(m, n)
    top = sfft.rfft(u[..., -1, :] - u[..., 0, :], axis=-1)  # row jumps, along the columns
    left = sfft.fft(u[..., :, -1] - u[..., :, 0], axis=-1)  # column jumps, along the rows
    f = sfft.rfft2(u, workers=workers)
    lead = f.shape[:-2]
    f3 = f.reshape((-1,) + f.shape[-2:])
    _subtract_smooth(f3, np.ascontiguousarray(top.reshape(-1, top.shape[-1]), f.dtype),
                     np.ascontiguousarray(left.reshape(-1, m), f.dtype), ek.astype(f.dtype),
                     el.astype(f.dtype), inv)
    return f3.reshape(lead + f.shape[-2:])


@nb.njit(cache=True)
def _subtract_smooth(f, top, left, ek, el, inv):  # pragma: no cover (numba)
    """``f -= (top ek + left el) / Laplacian`` in place: the smooth component's DFT, fused."""
    for b in range(f.shape[0]):
        for k in range(f.shape[1]):
            lk = left[b, k]
            ekk = ek[k]
            for j in range(f.shape[2]):
                f[b, k, j] -= (top[b, j] * ekk + lk * el[j]) * inv[k, j]


def use_periodic(periodic, kernel: str) -> bool:
    """``periodic="auto"``: on for every kernel (measured on held-out images, with the
    energy of the periodic component matched at sigma scale 1: disc patches within 0.5 px
    68 -> 90 % at p = 51, 93 -> 99.6 % at p = 101; earlier, DFD-PATCH gaussian /
    square_gaussian 23 % -> 78-80 % at p = 101)."""
    if periodic == "smooth":  # the previous rule, kept for the peers: not for the disc
        return kernel != "disc"
    return True if periodic == "auto" else bool(periodic)


def spectrum(b: np.ndarray, mask: np.ndarray | None = None, *,
             periodic: bool = False, taper: float = 0.0) -> Spectrum:
    """Gradient periodograms of the gray region ``b`` (float, [0, 1]).

    ``mask`` (same shape, bool) marks the region's pixels: a gradient whose pixel pair leaves
    the region is set to zero (never the intensities outside it), and the periodogram is
    normalised by the number of gradients kept instead of the array size. ``periodic``: take
    the DFT of each gradient array's periodic component (:func:`_periodic_rfft2`); ``energy``
    is then that component's mean square (Parseval), which the periodogram holds. ``taper``
    > 0: multiply each gradient array by a separable Tukey taper of mean square 1 before the
    DFT (not with ``mask``); the likelihood must then use the same ``taper``.
    """
    b = np.asarray(b, np.float64)
    gx = b[:, 1:] - b[:, :-1]
    gy = (b[1:, :] - b[:-1, :]).T
    if mask is not None:
        m = np.asarray(mask, bool)
        gx = np.where(m[:, 1:] & m[:, :-1], gx, 0.0)
        gy = np.where((m[1:, :] & m[:-1, :]).T, gy, 0.0)
        nx = max(int((m[:, 1:] & m[:, :-1]).sum()), 1)
        ny = max(int((m[1:, :] & m[:-1, :]).sum()), 1)
    gx, gy = _odd(gx), _odd(gy)
    if mask is None:
        nx, ny = gx.size, gy.size
        if taper > 0:
            gx = gx * np.outer(tukey_taper(gx.shape[0], taper), tukey_taper(gx.shape[1], taper))
            gy = gy * np.outer(tukey_taper(gy.shape[0], taper), tukey_taper(gy.shape[1], taper))
    fft = _periodic_rfft2 if periodic else sfft.rfft2
    if gx.shape == gy.shape:  # one batched transform for both directions
        f = fft(np.stack([gx, gy]))
        f = f.real ** 2 + f.imag ** 2
        px, py = f[0].ravel() / nx, f[1].ravel() / ny
    else:
        px = fft(gx)
        px = (px.real ** 2 + px.imag ** 2).ravel() / nx
        py = fft(gy)
        py = (py.real ** 2 + py.imag ** 2).ravel() / ny
    if periodic:  # the energy of what was transformed (Parseval), not of the raw gradients
        _g, _h, wx = prior_grid(gx.shape, "iid")
        _g, _h, wy = prior_grid(gy.shape, "iid")
        energy = float((wx @ px * nx / gx.size + wy @ py * ny / gy.size) / (nx + ny))
    else:
        energy = float((np.sum(gx * gx) + np.sum(gy * gy)) / (nx + ny))
    if gx.shape == gy.shape:
        blocks = [(gx.shape, px + py, 2)]
    else:
        blocks = [(gx.shape, px, 1), (gy.shape, py, 1)]
    return Spectrum(blocks, energy, nx + ny)


@nb.njit(cache=True, fastmath=True)
def _ll_row(S2, s2, a, b, row, ones):
    """sum(2 log v) - sum(log v over ``ones``) and sum(S2 / v), ``v = a row + b``
    (``s2 a`` = sigma^2 g, ``b`` = eta^2 h).

    The logs are taken of products of 8 consecutive ``v`` (vectorisable without a vector log).
    """
    n = S2.size
    acc_log = 0.0
    acc_div = 0.0
    f = 0
    while f + 8 <= n:
        prod = 1.0
        for t in range(f, f + 8):
            v = s2 * a[t] * row[t] + b[t]
            prod *= v
            acc_div += S2[t] / v
        acc_log += np.log(prod)
        f += 8
    for t in range(f, n):
        v = s2 * a[t] * row[t] + b[t]
        acc_log += np.log(v)
        acc_div += S2[t] / v
    acc_one = 0.0
    for i in range(ones.size):
        t = ones[i]
        acc_one += np.log(s2 * a[t] * row[t] + b[t])
    return 2.0 * acc_log - acc_one, acc_div


@nb.njit(cache=True, fastmath=True)
def _ll_kernel(S2, g, b, table, idx, s2, ndir, ones, out):
    for j in range(idx.size):
        lg, dv = _ll_row(S2, s2[j], g, b, table[idx[j]], ones)
        out[j] = -(ndir * lg + dv)


@functools.lru_cache(maxsize=64)
def _ones(shape: tuple) -> np.ndarray:
    """Flat indices of the rfft2 half-plane frequencies that stand for one DFT coefficient."""
    m, n = shape
    nh = n // 2 + 1
    cols = [0] + ([nh - 1] if n % 2 == 0 else [])
    out = np.array(sorted(i * nh + c for i in range(m) for c in cols), np.int64)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=128)
def signal_mean(model: str, kappa: float, shape: tuple, prior: str = "ar1",
                rho: tuple = (0.3, 0.6), finite: bool = False,
                taper: float = 0.0) -> np.ndarray:
    """Mean over the DFT grid of ``|K|^2 g`` at every radius of :data:`R_GRID`: the gradient
    power a latent of unit ``sigma`` gives after the blur (read-only, cached)."""
    g, _h, w = prior_grid(shape, prior, tuple(rho))
    out = power_table(model, kappa, shape, finite, taper).astype(np.float64) @ (w * g) / w.sum()
    out.setflags(write=False)
    return out


def sigma2_of(spec: Spectrum, eta: float, sigma, *, model: str, kappa: float, prior: str,
              rho, scale: float = 2.0, finite: bool = False, taper: float = 0.0) -> np.ndarray:
    """sigma^2 at every radius of :data:`R_GRID`: ``sigma**2`` for a number; for
    ``"energy"``, ``scale`` x the value that matches the region's gradient energy above the
    noise, ``(E - 2 eta^2) / mean(|K_r|^2 g)`` (energy-matched, per radius)."""
    if sigma != "energy":
        return np.full(R_GRID.size, float(sigma) ** 2)
    num = den = 0.0
    for shape, _s, ndir in spec.blocks:
        _g, _h, w = prior_grid(shape, prior, tuple(rho))
        num = num + ndir * float(w.sum()) * signal_mean(model, kappa, shape, prior, tuple(rho),
                                                        finite, taper)
        den += ndir * float(w.sum())
    excess = max(spec.energy - 2.0 * float(eta) ** 2, 1e-6 * spec.energy, 1e-14)
    return scale * excess / np.maximum(num / den, 1e-30)


def loglik_at(spec: Spectrum, idx: np.ndarray, *, model: str, kappa: float, sigma,
              eta: float, prior: str = "ar1", rho=(0.3, 0.6), noise: str = "power",
              sigma_scale: float = 1.0, finite: bool = False, cross: int = 0,
              taper: float = 0.0):
    """``log L`` at the radii ``R_GRID[idx]`` (float64 array like ``idx``); ``sigma`` a number
    or ``"energy"`` (see :func:`sigma2_of`); ``finite``: exact finite-window kernel spectra
    (:func:`power_table`); ``cross``: leave the border-leakage cross out (:func:`axis_keep`;
    those frequencies then add a constant)."""
    idx = np.ascontiguousarray(idx, np.int64)
    total = np.zeros(idx.size)
    out = np.empty(idx.size)
    e2 = max(float(eta), 1e-6) ** 2
    s2 = sigma2_of(spec, eta, sigma, model=model, kappa=kappa, prior=prior, rho=rho,
                   scale=sigma_scale, finite=finite, taper=taper)[idx]
    for shape, S, ndir in spec.blocks:
        g, h, w = prior_grid(shape, prior, tuple(rho), noise, float(taper))
        keep = axis_keep(shape, int(cross))
        _ll_kernel(w * keep * S, g * keep, e2 * h, power_table(model, kappa, shape, finite, taper),
                   idx, s2,
                   float(ndir),
                   _ones(shape), out)
        total += out
    return total


@parallel_njit(fastmath=True)
def _ll_batch_kernel(S2, g, s2, e2, h, table, idx, ndir, ones, out):  # pragma: no cover
    for p in nb.prange(S2.shape[0]):
        b = e2[p] * h
        for j in range(idx.size):
            lg, dv = _ll_row(S2[p], s2[p, j], g, b, table[idx[j]], ones)
            out[p, j] = -(ndir * lg + dv)


def loglik_batch(S: np.ndarray, eta: np.ndarray, shape: tuple, idx: np.ndarray, *, model: str,
                 kappa: float, sigma, energy=None, ndir: int = 2, prior: str = "ar1",
                 rho=(0.3, 0.6), noise: str = "power", sigma_scale: float = 1.0,
                 finite: bool = False, cross: int = 0, taper: float = 0.0) -> np.ndarray:
    """``log L`` of many same-shape square regions at once: ``S`` (P, F) summed periodograms,
    ``eta`` (P,) noise levels, ``energy`` (P,) mean squared gradients (for
    ``sigma="energy"``); returns (P, len(idx))."""
    g, h, w = prior_grid(shape, prior, tuple(rho), noise, float(taper))
    keep = axis_keep(shape, int(cross))
    eta = np.asarray(eta, np.float64)
    e2 = np.maximum(eta, 1e-6) ** 2
    idx = np.asarray(idx, np.int64)
    if sigma == "energy":
        excess = np.maximum(np.asarray(energy, np.float64) - 2.0 * eta ** 2,
                            np.maximum(1e-6 * np.asarray(energy, np.float64), 1e-14))
        m = signal_mean(model, kappa, shape, prior, tuple(rho), finite, taper)[idx]
        s2 = sigma_scale * excess[:, None] / np.maximum(m, 1e-30)[None, :]
    else:
        s2 = np.full((S.shape[0], idx.size), float(sigma) ** 2)
    out = np.empty((S.shape[0], len(idx)))
    _ll_batch_kernel(np.ascontiguousarray(S * (w * keep), np.float64), g * keep, s2, e2,
                     np.ascontiguousarray(h), power_table(model, kappa, shape, finite, taper),
                     np.ascontiguousarray(idx, np.int64), float(ndir), _ones(shape), out)
    return out


_LAPLACE2 = np.array([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]])


def estimate_noise(b: np.ndarray) -> float:
    """Standard deviation of i.i.d. Gaussian noise in the gray region ``b`` (Immerkaer 1996:
    the mean absolute response to the difference of two Laplacians, times sqrt(pi/2) / 6)."""
    b = np.asarray(b, np.float64)
    if min(b.shape) < 3:
        return 0.0
    resp = (b[:-2, :-2] - 2 * b[:-2, 1:-1] + b[:-2, 2:]
            - 2 * b[1:-1, :-2] + 4 * b[1:-1, 1:-1] - 2 * b[1:-1, 2:]
            + b[2:, :-2] - 2 * b[2:, 1:-1] + b[2:, 2:])
    return float(np.sqrt(np.pi / 2) * np.mean(np.abs(resp)) / 6.0)
