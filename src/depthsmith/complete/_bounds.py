"""The plausible range of a completed map, from its samples."""

from __future__ import annotations

import numpy as np

__all__ = ["clip_to_samples", "SLACK"]

#: How far (fraction of the samples' range) a completion may go beyond the samples' values.
SLACK = 0.05


def clip_to_samples(out: np.ndarray, samples: np.ndarray, slack: float = SLACK) -> np.ndarray:
    """``out`` clipped to the samples' range widened by ``slack`` of it on either side and,
    when every sample is positive, to at least half the smallest sample.

    A first-order fit extrapolates planes: from noisy or sparse samples a plane can run far
    past every sample, down to zero or negative depth from positive samples. A completion
    has no evidence for values beyond the samples' range, so they are bounded (relative
    bounds: the same in any units). ``out`` float (any shape); returns float32.
    """
    s = np.asarray(samples)
    if s.size == 0:
        return np.asarray(out, np.float32)
    lo, hi = float(s.min()), float(s.max())
    pad = slack * (hi - lo)
    lo2 = lo - pad if lo <= 0 else max(lo - pad, 0.5 * lo)
    return np.clip(out, lo2, hi + pad).astype(np.float32, copy=False)
