"""Depth-quality metrics, all in float64 and all honouring a validity mask.

Every function takes ``pred, gt, *, valid=None``; the scored pixels are ``valid`` (default:
``gt`` finite and > 0) and ``gt`` finite. Predictions that are NaN on a scored pixel raise,
so a hole left unfilled can never silently improve a score.
"""

from ._metrics import (
    METRICS,
    absrel,
    bad,
    delta,
    edge_band,
    evaluate,
    imae,
    irmse,
    log10,
    mae,
    mape,
    psnr,
    rmse,
    sqrel,
    ssim,
)

__all__ = [
    "METRICS", "evaluate", "rmse", "mae", "absrel", "sqrel", "mape", "log10", "irmse", "imae",
    "delta", "bad", "ssim", "psnr", "edge_band",
]
