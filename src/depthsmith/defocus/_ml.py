"""The default patch method: maximum-likelihood blur radius with the AR(1) gradient prior."""

from __future__ import annotations

from ._common import (
    BlurEstimate,
    _noise,
    as_gray,
    check_kernel,
    check_prior,
    check_sigma,
    confidence_of,
    expected_energy,
    flat_warning,
    is_flat,
    ml_search,
)
from ._likelihood import spectrum, use_periodic

__all__ = ["ml", "ml_ar1"]


def ml(patch, *, kernel: str = "disc", prior: str = "iid", sigma="energy",
       sigma_scale: float = 1.0, eta=None, rho=(0.3, 0.6), kappa: float = 0.5,
       noise: str = "power", mask=None, periodic="auto") -> BlurEstimate:
    """Blur radius of ``patch`` by maximum likelihood in the Fourier domain.

    The gradients' periodogram is Exponential with mean ``sigma^2 |K|^2 g + eta^2 h`` (see
    :mod:`depthsmith.defocus._likelihood`); ``log L`` is maximised over the radius ``r`` in
    [0.5, 8] px (0.25-px grid, then 0.05 px within 0.15 px of the best two local maxima, then
    a parabola).

    ``sigma``: a fixed latent gradient std (the report and Nandy 2021 use 0.1-0.2 with the
    AR(1) prior), or ``"energy"`` (default): for each candidate radius, ``sigma^2`` is
    ``sigma_scale`` times the value whose model gradient energy equals the patch's gradient
    energy above the noise. A fixed sigma makes every low-contrast patch look blurred and every
    high-contrast one sharp; the energy-matched sigma removes the contrast from the estimate.
    The energy is that of the gradients' periodic component (Moisan's periodic + smooth
    decomposition, which removes the border leakage; by Parseval, the energy the periodogram
    holds), so ``sigma_scale = 1`` matches it exactly. This setting (periodic component for
    every kernel, its energy, scale 1, i.i.d. prior) was chosen on images outside the
    benchmarks (Middlebury 2014 motorcycle, HCI antinous, NYU, KITTI; ``benchmarks/
    dfd_heldout.py``): 90 / 99.6 % of 51 / 101-px disc patches within 0.5 px, against 68 / 93 %
    with the raw gradients' energy x 2 and 38 / 55 % for AR(1) with sigma 0.1
    (docs/bench_dfd.md).

    Parameters
    ----------
    patch : (H, W[, 3]) ndarray       gray or RGB photo patch: uint8, uint16 or float in [0, 1]
    kernel : str                      a model of :data:`depthsmith.ops.DEFOCUS_KERNELS`
    prior : {"iid", "ar1"}            gradient prior (i.i.d., or the AR(1) of Nandy 2021)
    sigma : float or "energy"         latent gradient standard deviation (intensity in [0, 1])
    sigma_scale : float               the factor of ``sigma="energy"``
    eta : float, optional             pixel noise std; default estimated (Immerkaer 1996)
    rho : (float, float)              AR(1) correlation (along, across the gradient)
    kappa : float                     ``h = kappa r`` for the two-parameter kernels
    noise : {"power", "modulus"}      noise factor; "modulus" reproduces the report's code
    mask : (H, W) bool ndarray, optional   the region's pixels; gradients leaving it are zeroed
    periodic : bool, "auto", "smooth" DFT of the gradients' periodic component (Moisan 2011),
                                      against boundary leakage; auto: always; "smooth": every
                                      kernel but the disc (the previous rule, for the peers)

    Returns
    -------
    BlurEstimate
        ``params = {"r": px}`` (``"h"`` too for two-parameter kernels); a flat patch (gradient
        energy within 3 eta^2 of zero) gives confidence 0 and a :class:`DefocusWarning` (its
        ``r`` is still the likelihood's maximiser: a constant patch gives the largest radius).

    References
    ----------
    .. [1] A. Levin et al., "Image and depth from a conventional camera with a coded aperture",
       ACM TOG 26(3), 2007.
    .. [2] X. Zhu et al., "Estimating spatially varying defocus blur from a single image", IEEE
       TIP 22(12), 2013.
    .. [3] K. Nandy, "Locally dependent natural image priors for non-blind and blind image
       deconvolution", PhD thesis, ISI, 2021.
    .. [4] L. Moisan, "Periodic plus smooth image decomposition", JMIV 39(2), 2011.
    """
    b = as_gray(patch, "patch")
    kernel = check_kernel(kernel)
    prior, rho = check_prior(prior, rho)
    sigma = check_sigma(sigma)
    eta = _noise(eta, b)
    spec = spectrum(b, mask, periodic=use_periodic(periodic, kernel))
    r, ll, curv = ml_search(spec, kernel=kernel, sigma=sigma, eta=eta, prior=prior, rho=rho,
                            noise=noise, kappa=kappa, sigma_scale=sigma_scale)
    if is_flat(spec.energy, eta):
        flat_warning("patch")
        return BlurEstimate(_params(kernel, r, kappa), ll, 0.0, {"eta": eta, "sigma": sigma})
    conf = confidence_of(curv, spec.energy,
                         expected_energy(spec, r, kernel=kernel, sigma=sigma, prior=prior,
                                         rho=rho, kappa=kappa), eta)
    return BlurEstimate(_params(kernel, r, kappa), ll, conf, {"eta": eta, "sigma": sigma})


def ml_ar1(patch, *, kernel: str = "disc", sigma: float = 0.1, eta=None, rho=(0.3, 0.6),
           kappa: float = 0.5, mask=None) -> BlurEstimate:
    """:func:`ml` with the issue's settings: AR(1) prior (rho 0.3 along, 0.6 across), sigma
    fixed at 0.1, eta estimated (Nandy 2021; the report's final values)."""
    return ml(patch, kernel=kernel, prior="ar1", sigma=sigma, eta=eta, rho=rho, kappa=kappa,
              mask=mask, periodic="smooth")


def _params(kernel, r, kappa):
    p = {"r": r}
    if kernel in ("circular_gaussian", "circular_cauchy", "rect_gaussian"):
        p["h"] = kappa * r
    return p


