"""Peer patch method: i.i.d. gradient prior, grid search over (r, sigma) (Zhu et al. 2013)."""

from __future__ import annotations

import numpy as np

from ._common import (
    BlurEstimate,
    _noise,
    as_gray,
    check_kernel,
    confidence_of,
    expected_energy,
    flat_warning,
    is_flat,
)
from ._likelihood import R_GRID, loglik_at, spectrum, use_periodic

__all__ = ["iid_grid"]

_SIGMAS = np.exp(np.linspace(np.log(0.01), np.log(0.5), 24))


def iid_grid(patch, *, kernel: str = "disc", eta=None, kappa: float = 0.5) -> BlurEstimate:
    """Blur radius by ML with the i.i.d. gradient prior, ``sigma`` profiled (peer method).

    ``log L`` is evaluated on the 0.05-px radius grid over [0.5, 8] px for 24 log-spaced
    ``sigma`` in [0.01, 0.5] and maximised jointly (with ``eta`` = 0 the profile in ``sigma``
    has the closed form ``sigma^2 = mean(I / |K|^2)``; with noise it has none, hence the grid).
    Parameters as :func:`depthsmith.defocus.ml`.

    References
    ----------
    .. [1] X. Zhu, S. Cohen, S. Schiller, P. Milanfar, "Estimating spatially varying defocus
       blur from a single image", IEEE TIP 22(12), 2013.
    """
    b = as_gray(patch, "patch")
    kernel = check_kernel(kernel)
    eta = _noise(eta, b)
    spec = spectrum(b, periodic=use_periodic("smooth", kernel))
    flat = is_flat(spec.energy, eta)
    if flat:
        flat_warning("patch")
    idx = np.arange(R_GRID.size)
    ll = np.stack([loglik_at(spec, idx, model=kernel, kappa=kappa, sigma=s, eta=eta,
                             prior="iid") for s in _SIGMAS])
    i, j = np.unravel_index(int(np.argmax(ll)), ll.shape)
    row = ll[i]
    curv = 0.0
    if 0 < j < row.size - 1:
        curv = max(-(row[j - 1] - 2 * row[j] + row[j + 1]) / 0.05 ** 2, 0.0)
    r, s = float(R_GRID[j]), float(_SIGMAS[i])
    expected = expected_energy(spec, r, kernel=kernel, sigma=s, prior="iid", rho=(0, 0),
                               kappa=kappa)
    conf = 0.0 if flat else confidence_of(curv, spec.energy, expected, eta)
    return BlurEstimate({"r": r}, float(ll[i, j]), conf, {"sigma": s, "eta": eta})
