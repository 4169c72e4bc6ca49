"""Exact finite-size expected periodograms of blurred white noise (defocus estimation).

For a stationary field ``y = k * x`` with ``x`` white (unit variance), the expected
periodogram of an ``m x n`` window (unitary DFT) is not ``|K_w|^2`` but a smoothed version:
the DFT of the kernel's autocorrelation ``A_k(t)`` weighted by the window's normalised
autocorrelation ``rho_W(t)`` -- the triangle ``(1 - |t_y| / m) (1 - |t_x| / n)`` for the plain
(rectangular) window, i.e. Fejer smoothing. A taper ``W`` (here Tukey's split cosine bell)
lowers the sidelobes through which the window's borders leak low-frequency power to high
frequencies; its effect on the periodogram's mean is exactly this ``rho_W`` weighting.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import signal

from ._kernels import defocus_kernel

__all__ = ["tukey_taper", "taper_lags", "kernel_power_finite"]


@functools.lru_cache(maxsize=64)
def tukey_taper(n: int, alpha: float) -> np.ndarray:
    """Tukey (split cosine bell) taper of length ``n`` with cosine fraction ``alpha``
    (0: rectangular, 1: Hann), scaled to mean square 1 (so a tapered unitary periodogram keeps
    the scale of an untapered one). Read-only.

    References
    ----------
    .. [1] F. J. Harris, "On the use of windows for harmonic analysis with the discrete
       Fourier transform", Proc. IEEE 66(1), 1978.
    """
    w = signal.windows.tukey(int(n), float(alpha), sym=True) if alpha > 0 else np.ones(int(n))
    if not np.any(w > 0):
        w = np.ones(int(n))
    w = w / np.sqrt(np.mean(w * w))
    w.setflags(write=False)
    return w


@functools.lru_cache(maxsize=64)
def taper_lags(n: int, alpha: float) -> np.ndarray:
    """Normalised autocorrelation ``rho_W(t) = sum_s W_s W_{s+t} / sum_s W_s^2`` of
    :func:`tukey_taper` at lags ``t = -(n-1) .. n-1`` (index ``t + n - 1``); the triangle
    ``1 - |t| / n`` for ``alpha = 0``. Read-only."""
    w = tukey_taper(n, alpha)
    out = np.correlate(w, w, mode="full") / float(np.sum(w * w))
    out.setflags(write=False)
    return out


def kernel_power_finite(model: str, radii, shape, *, kappa: float = 0.5,
                        taper: float = 0.0) -> np.ndarray:
    """Expected periodogram of white noise blurred by ``model`` at each radius, seen through a
    window of ``shape`` (rows, cols) with a separable Tukey ``taper``, on its ``rfft2`` grid.

    ``E I_w = sum_t rho_W(t) A_k(t) exp(-i w.t)`` with ``A_k`` the autocorrelation of the
    normalised kernel (:func:`depthsmith.ops.defocus_kernel`) and ``rho_W`` the taper's
    (:func:`taper_lags`); it tends to ``|K_w|^2`` (:func:`depthsmith.ops.kernel_power`) as the
    window grows, has the same mean over the grid (``A_k(0)``) and is never negative.

    Parameters
    ----------
    model : str        a model of :data:`depthsmith.ops.DEFOCUS_KERNELS`
    radii : array      blur radii (px)
    shape : (int, int) window shape (rows, cols)
    kappa : float      ``h = kappa r`` of the two-parameter models
    taper : float      Tukey cosine fraction (0: untapered window, Fejer smoothing)

    Returns
    -------
    float32 array (len(radii), shape[0], shape[1] // 2 + 1)

    References
    ----------
    .. [1] P. J. Brockwell, R. A. Davis, "Time Series: Theory and Methods", 2nd ed., Springer,
       1991, section 10.3 (the expected periodogram is the Fejer-smoothed spectrum).
    .. [2] D. B. Percival, A. T. Walden, "Spectral Analysis for Physical Applications",
       Cambridge University Press, 1993, chapter 6 (tapered periodograms).
    """
    m, n = int(shape[0]), int(shape[1])
    ly, lx = taper_lags(m, float(taper)), taper_lags(n, float(taper))
    radii = np.atleast_1d(np.asarray(radii, np.float64))
    out = np.empty((radii.size, m, n // 2 + 1), np.float32)
    for i, r in enumerate(radii):
        k = defocus_kernel(model, float(r), kappa=kappa)
        a = signal.fftconvolve(k, k[::-1, ::-1])  # autocorrelation, lag 0 at the centre
        ty = np.arange(a.shape[0]) - (k.shape[0] - 1)
        tx = np.arange(a.shape[1]) - (k.shape[1] - 1)
        sy, sx = np.abs(ty) < m, np.abs(tx) < n
        a = a[np.ix_(sy, sx)] * ly[ty[sy] + m - 1][:, None] * lx[tx[sx] + n - 1][None, :]
        grid = np.zeros((m, n))
        np.add.at(grid, ((ty[sy] % m)[:, None], (tx[sx] % n)[None, :]), a)
        out[i] = np.maximum(np.fft.rfft2(grid).real, 0.0)
    return out
