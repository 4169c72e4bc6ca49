"""Bicubic upsampling, then the colour guided filter (He et al.) at full resolution."""

from __future__ import annotations

import cv2
import numpy as np

from .._validate import InputError
from ..ops import guided_filter
from ._common import factor_of, filled, or_default, prepare, resize

__all__ = ["guided", "GUIDED_EPS"]

#: Default guided-filter eps, squared 8-bit steps: (1 % of the 8-bit range)^2, the setting
#: of the ``bicubic+cv2.guidedFilter`` peer (docs/bench_upsample.md).
GUIDED_EPS = (0.01 * 255.0) ** 2


def guided(depth, guide, *, size=None, valid=None, radius: int | None = None,
           eps: float | None = None) -> np.ndarray:
    """Bicubic upsampling then a color-guided filter (He et al.) at full resolution.

    Parameters
    ----------
    depth, guide, size, valid
        As in :func:`~depthsmith.upsample.upsample` (``size`` must equal the guide's).
    radius : int, optional     guided-filter window half-width in output pixels; default
        the upsampling factor (clamped to 2..16)
    eps : float, optional      regularisation in squared 8-bit steps; default
        :data:`GUIDED_EPS` = ``(0.01 * 255)^2`` (6.5)

    Returns
    -------
    (H, W) float32, dense.

    References
    ----------
    .. [1] K. He, J. Sun and X. Tang, "Guided image filtering", IEEE TPAMI 35(6), 2013.
    """
    d, v, g, sz = prepare(depth, valid, guide, size, True, "guided")
    if sz == d.shape:
        return filled(d, v).copy()
    r = int(min(16, max(2, round(factor_of(d.shape, sz))))) if radius is None else radius
    if int(r) != r or r < 1:
        raise InputError(f"radius must be an integer >= 1, got {radius!r}")
    bic = resize(filled(d, v), sz, cv2.INTER_CUBIC)
    return guided_filter(bic, g, radius=int(r), eps=or_default(eps, GUIDED_EPS, "eps"),
                         valid=np.ones(sz, bool)).astype(np.float32)
