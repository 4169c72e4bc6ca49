"""Peer patch method: the report's settings (sigma 0.2, eta 0.001, modulus noise factor)."""

from __future__ import annotations

from ._common import BlurEstimate
from ._ml import ml

__all__ = ["report"]


def report(patch, *, kernel: str = "disc", kappa: float = 0.5) -> BlurEstimate:
    """ML blur radius with the settings of the seed report's code: i.i.d. prior, ``sigma = 0.2``,
    ``eta = 0.001`` fixed, noise factor ``2 |sin(w/2)|`` (the modulus instead of its square).

    Kept to reproduce the report; :func:`depthsmith.defocus.ml` is the corrected method.

    References
    ----------
    .. [1] X. Zhu et al., "Estimating spatially varying defocus blur from a single image",
       IEEE TIP 22(12), 2013.
    """
    return ml(patch, kernel=kernel, prior="iid", sigma=0.2, eta=0.001, kappa=kappa,
              noise="modulus", periodic="smooth")
