"""How a low-res depth map was sampled, read from the map alone (for ``auto``'s rule).

An antialiased downsampling (an area average, PIL's or MATLAB's bicubic with the kernel
widened by the factor) mixes the two sides of a depth discontinuity into the low-res
pixel that straddles it, so a clean step in the low-res map has a pixel with an
intermediate value. A point-sampled or aliased map (OpenCV's ``INTER_CUBIC`` /
``INTER_LINEAR`` / ``INTER_NEAREST`` downsampling, which look at a few high-res pixels,
or a sensor that samples points) snaps to one side of most steps.

:func:`mixed_step_fraction` measures that: along rows and columns, in every window of five
valid low-res pixels ``x0 .. x4`` whose middle jump ``|x3 - x1|`` is large (more than
:data:`STEP_FRACTION` of the map's 1st-99th percentile range) and whose outer pixels are
flat next to it (``|x1 - x0| + |x4 - x3| < FLAT_FRACTION |x3 - x1|``, which rejects
ramps), it asks whether ``x2`` lies strictly inside, more than :data:`MIX_MARGIN` of the
jump away from both ``x1`` and ``x3``. The statistic only uses relative quantities, so it
does not depend on the depth's units or offset.
"""

from __future__ import annotations

import numpy as np

from ..ops._ties import TIE_MARGIN

__all__ = ["STEP_FRACTION", "FLAT_FRACTION", "MIX_MARGIN", "MIN_STEPS",
           "mixed_step_fraction"]

#: A step: a jump over two pixels larger than this fraction of the 1st-99th percentile
#: range of the valid low-res values.
STEP_FRACTION = 0.1
#: ... with the pixels beyond it flat: their two outer differences together below this
#: fraction of the jump (a ramp is not a step).
FLAT_FRACTION = 0.3
#: A mixed middle pixel: more than this fraction of the jump away from both sides.
MIX_MARGIN = 0.2
#: Fewer step windows than this: the statistic is undefined (NaN).
MIN_STEPS = 20


def mixed_step_fraction(depth: np.ndarray, valid: np.ndarray | None = None) -> tuple[float, int]:
    """Fraction of the low-res map's clean depth steps whose middle pixel is mixed.

    Parameters
    ----------
    depth : (h, w) array
        Low-res depth in any units.
    valid : (h, w) bool array, optional
        Trusted pixels (default finite & > 0); a window with an untrusted pixel is skipped.

    Returns
    -------
    fraction : float
        In [0, 1]: high (about 0.4-1) for antialiased downsampling, low (about 0-0.5) for
        point sampling; NaN when fewer than :data:`MIN_STEPS` step windows were found
        (a smooth or tiny map: nothing to tell).
    steps : int
        The number of step windows it is computed from.

    Notes
    -----
    The distributions per data set and per downsampling (PIL bicubic, OpenCV area, cubic,
    linear, nearest, with and without noise) are in ``docs/bench_upsample.md``
    ("auto's input rule"), from ``benchmarks/sr_auto_rule.py``.
    """
    d = np.asarray(depth, np.float64)
    v = (np.isfinite(d) & (d > 0)) if valid is None else np.asarray(valid, bool)
    if d.ndim != 2 or min(d.shape) < 1 or not v.any():
        return float("nan"), 0
    vals = d[v]
    lo, hi = np.percentile(vals, [1.0, 99.0])
    span = float(hi - lo)
    if not np.isfinite(span) or span <= 0:
        return float("nan"), 0
    d = np.where(v, d, 0.0)
    mixed = steps = 0
    for a, va in ((d, v), (d.T, v.T)):
        n = a.shape[1]
        if n < 5:
            continue
        x = [a[:, i:n - 4 + i] for i in range(5)]
        ok = va[:, :n - 4].copy()
        for i in range(1, 5):
            ok &= va[:, i:n - 4 + i]
        jump = x[3] - x[1]
        size = np.abs(jump)
        # every threshold is widened by TIE_MARGIN (relative) so that the exact ties of
        # quantised depth (integer PNG levels, millimetres) go the same way in any units
        # (a crop of Middlebury-30 flipped between learned and optimize at x 1e-3, #13)
        wide = 1.0 + TIE_MARGIN
        sel = ok & (size > STEP_FRACTION * span * wide) & (
            (np.abs(x[1] - x[0]) + np.abs(x[4] - x[3])) * wide < FLAT_FRACTION * size)
        if not sel.any():
            continue
        t = (x[2] - x[1])[sel] / jump[sel]
        m = MIX_MARGIN * wide
        mixed += int(np.count_nonzero((t > m) & (1.0 - t > m)))
        steps += int(t.size)
    if steps < MIN_STEPS:
        return float("nan"), steps
    return mixed / steps, steps
