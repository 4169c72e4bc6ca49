"""Biharmonic (thin-plate) fill: the smoothest surface through the valid pixels."""

from __future__ import annotations

from .._tasks import hint_not_supported
from .._validate import check_int
from ..ops import biharmonic_fill
from ._common import prepare

__all__ = ["biharmonic"]


def biharmonic(depth, guide=None, *, valid=None, occlusion: bool = False,
               disparity: bool = False, max_unknowns: int | None = None):
    """Fill holes with the thin-plate (biharmonic) interpolant of the valid pixels.

    Each hole takes the values that minimise the squared discrete Laplacian of the map
    (:func:`depthsmith.ops.biharmonic_fill`): the surface continues from the hole border
    with its value and slope, curving as little as possible; a plane stays a plane. The
    guide is not used (discontinuities inside a hole are smoothed over). Linear in the
    values, so any units. Direct sparse solves of at most ``max_unknowns`` unknowns (default
    :data:`depthsmith.ops.MAX_UNKNOWNS`); a larger hole is solved on a grid coarsened by 2
    (recursively). About 1 s per megapixel at 20 % holes on one core (SuperLU's
    factorisation is most of it). ``disparity`` is accepted and changes nothing.

    Parameters
    ----------
    depth, guide, valid
        As :func:`~depthsmith.fill.fill_holes` (the guide is not used).
    occlusion : bool
        Not supported (an :class:`InputError`): the thin plate has no background side.
    disparity : bool
        Accepted, no effect.
    max_unknowns : int, optional
        Largest direct solve in unknowns (default 65536); larger hole groups are solved on
        a coarser grid.

    References
    ----------
    .. [1] S. B. Damelin and N. S. Hoang, "On surface completion and image inpainting by
       biharmonic functions: numerical aspects", International Journal of Mathematics and
       Mathematical Sciences, 2018.
    """
    if occlusion:
        raise hint_not_supported("biharmonic", "occlusion", "it has no notion of a "
                                 "background side; use 'planes', 'guided' or 'background'")
    d, v, _ = prepare(depth, guide, valid)
    if max_unknowns is not None:
        max_unknowns = check_int(max_unknowns, "max_unknowns", minimum=1)
    if v.all():
        return d.copy()
    return biharmonic_fill(d, v, max_unknowns=max_unknowns)
