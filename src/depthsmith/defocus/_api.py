"""Entry points of ``depthsmith.defocus``: blur estimation per patch and blur maps per image.

Registries: ``PATCH_METHODS`` (patch -> :class:`BlurEstimate`) and ``MAP_METHODS`` (image ->
:class:`BlurMap`), each with ``"auto"``.
"""

from __future__ import annotations

import numpy as np

from .. import _threads, _tiling
from .._validate import InputError
from ._common import BlurEstimate, BlurMap, _noise, as_gray, check_kernel, check_prior
from ._decorrelation import decorrelation
from ._iid_grid import iid_grid
from ._likelihood import R_GRID, loglik_at, spectrum, use_periodic
from ._ml import ml, ml_ar1
from ._patches import patches
from ._report import report
from ._segments import segments

__all__ = ["PATCH_METHODS", "MAP_METHODS", "estimate_blur", "loglik_surface", "blur_map",
           "auto_patch", "auto_map"]


def auto_patch(patch, *, kernel: str = "disc", **params) -> BlurEstimate:
    """The default patch method: :func:`ml` with its defaults (i.i.d. prior, energy-matched
    sigma, eta estimated)."""
    return ml(patch, kernel=kernel, **params)


def auto_map(image, *, kernel: str = "disc", segments=None, **params) -> BlurMap:
    """The default map method: :func:`segments` when ``segments`` is given, else
    :func:`patches` (sliding windows)."""
    if segments is not None:
        from ._segments import segments as seg_fn

        return seg_fn(image, kernel=kernel, labels=segments, **params)
    return patches(image, kernel=kernel, **params)


PATCH_METHODS = {"auto": auto_patch, "ml": ml, "ml_ar1": ml_ar1, "iid_grid": iid_grid,
                 "report": report}
MAP_METHODS = {"auto": auto_map, "patches": patches, "segments": segments,
               "decorrelation": decorrelation}


def estimate_blur(patch, *, kernel: str = "disc", prior: str = "iid", sigma="energy",
                  eta=None, method: str = "auto", **params) -> BlurEstimate:
    """Blur radius of one patch by maximum likelihood (see :func:`depthsmith.defocus.ml`).

    ``method`` picks a ``PATCH_METHODS`` entry (``auto`` = ``ml``); ``prior``, ``sigma`` and
    ``eta`` go to ``ml`` / ``auto``. The issue's settings are ``prior="ar1", sigma=0.1``
    (method ``ml_ar1``); the defaults (i.i.d. prior, energy-matched sigma) measured better on
    held-out images and on DFD-PATCH (docs/bench_dfd.md).
    """
    if method not in PATCH_METHODS:
        raise InputError(f"method {method!r} is unknown; known: {', '.join(PATCH_METHODS)}")
    if method in ("auto", "ml"):
        params.update(prior=prior, sigma=sigma, eta=eta)
    return PATCH_METHODS[method](patch, kernel=kernel, **params)


def loglik_surface(patch, radii=None, sigmas=(0.1,), *, kernel: str = "disc",
                   prior: str = "ar1", eta=None, rho=(0.3, 0.6), kappa: float = 0.5,
                   noise: str = "power") -> np.ndarray:
    """``log L`` of ``patch`` on the grid ``sigmas x radii`` (float64, (len(sigmas),
    len(radii))). Radii are snapped to the cached 0.05-px grid over [0.5, 8] px
    (default: all of it). The surface keeps the report's setting (a fixed sigma; the raw
    gradients for the disc); ``sigmas="energy"`` matches sigma at scale 1 as :func:`ml`
    does."""
    b = as_gray(patch, "patch")
    kernel = check_kernel(kernel)
    prior, rho = check_prior(prior, rho)
    eta = _noise(eta, b)
    radii = R_GRID if radii is None else np.asarray(radii, np.float64)
    if radii.min() < R_GRID[0] - 1e-9 or radii.max() > R_GRID[-1] + 1e-9:
        raise InputError(f"radii must lie in [{R_GRID[0]}, {R_GRID[-1]}] px")
    idx = np.rint((radii - R_GRID[0]) / 0.05).astype(np.int64)
    spec = spectrum(b, periodic=use_periodic("smooth", kernel))
    return np.stack([loglik_at(spec, idx, model=kernel, kappa=kappa, sigma=s, eta=eta,
                               prior=prior, rho=rho, noise=noise)
                     for s in (["energy"] if isinstance(sigmas, str) else np.ravel(sigmas))])


def blur_map(image, *, kernel: str = "disc", method: str = "auto", segments=None,
             tile: int | None = None, threads: int | None = None, **params) -> BlurMap:
    """Per-pixel blur-circle radius (px) of one photo and its confidence.

    Parameters
    ----------
    image : (H, W[, 3]) ndarray   photo: uint8, uint16 or float in [0, 1]
    kernel : str                  a model of :data:`depthsmith.ops.DEFOCUS_KERNELS`
    method : str                  a ``MAP_METHODS`` entry; ``auto``: ``segments`` when
                                  ``segments`` is given, else ``patches``
    segments : "slic", "felzenszwalb" or (H, W) int label array, optional
    tile : int, optional          accepted and ignored: every map method is global
                                  (:mod:`depthsmith._tiling`)
    threads : int, optional       threads for numba, OpenCV and BLAS during the call;
                                  the result does not depend on it
    **params                      passed to the method

    Returns
    -------
    BlurMap with ``radius`` and ``confidence``, (H, W) float32, finite.
    """
    _tiling.check_tile(tile)
    with _threads.threads(threads):
        return _blur_map(image, kernel, method, segments, params)


def _blur_map(image, kernel, method, segments, params) -> BlurMap:
    if method not in MAP_METHODS:
        raise InputError(f"method {method!r} is unknown; known: {', '.join(MAP_METHODS)}")
    if method == "patches":
        if segments is not None:
            raise InputError("segments is for the segments method (or auto), not patches")
        return patches(image, kernel=kernel, **params)
    if method in ("segments", "decorrelation"):
        return MAP_METHODS[method](image, kernel=kernel,
                                   labels="slic" if segments is None else segments, **params)
    return MAP_METHODS[method](image, kernel=kernel, segments=segments, **params)


