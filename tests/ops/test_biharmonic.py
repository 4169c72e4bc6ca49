"""depthsmith.ops.biharmonic_fill: the thin-plate interpolant, against a dense float64 solve
of the same energy, exact on planes, and its coarse path for oversized holes."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith.ops import biharmonic_fill


def _graph_laplacian(h, w):
    """Dense 4-neighbour graph Laplacian of an h x w frame (degree = in-frame neighbours)."""
    n = h * w
    lap = np.zeros((n, n))
    for y in range(h):
        for x in range(w):
            i = y * w + x
            for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= yy < h and 0 <= xx < w:
                    lap[i, i] += 1
                    lap[i, yy * w + xx] -= 1
    return lap


def test_matches_dense_minimiser_of_the_thin_plate_energy(rng):
    # min ||L u||^2 over the unknown pixels, solved densely in float64 by least squares
    h, w = 9, 11
    vals = rng.normal(5.0, 2.0, (h, w))
    valid = rng.random((h, w)) > 0.45
    valid[0, 0] = valid[4, 5] = True
    valid[0, 1:4] = False  # a hole on the frame border
    lap = _graph_laplacian(h, w)
    u, k = ~valid.ravel(), valid.ravel()
    x = np.linalg.lstsq(lap[:, u], -lap[:, k] @ vals.ravel()[k], rcond=None)[0]
    ref = vals.ravel().copy()
    ref[u] = x
    out = biharmonic_fill(vals, valid)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.ravel(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(out[valid], vals[valid].astype(np.float32))


def test_plane_is_reproduced_inside_and_curved_holes_are_smooth():
    yy, xx = np.mgrid[0:40, 0:50].astype(np.float64)
    plane = 1000.0 + 2.5 * xx - 1.5 * yy
    valid = np.ones(plane.shape, bool)
    valid[10:25, 12:30] = False  # >= 2 px from the frame: the stencil never sees the border
    out = biharmonic_fill(plane, valid)
    np.testing.assert_allclose(out[~valid], plane[~valid], rtol=1e-6)
    # a paraboloid is not in the energy's null space: filled close, not exactly
    bowl = 100.0 + 0.05 * ((xx - 25) ** 2 + (yy - 20) ** 2)
    out = biharmonic_fill(bowl, valid)
    err = np.abs(out[~valid] - bowl[~valid])
    assert 0 < err.max() < 0.1 * np.ptp(bowl[~valid])


def test_oversized_groups_solved_on_a_coarser_grid(rng):
    yy, xx = np.mgrid[0:64, 0:80].astype(np.float64)
    surf = 50.0 + 0.3 * xx + 0.2 * yy + 2.0 * np.sin(xx / 9.0)
    valid = rng.random(surf.shape) < 0.05  # one hole group of ~95 % of the frame
    exact = biharmonic_fill(surf, valid)
    coarse = biharmonic_fill(surf, valid, max_unknowns=500)  # coarsened twice or more
    assert np.isfinite(coarse).all()
    np.testing.assert_array_equal(coarse[valid], surf[valid].astype(np.float32))
    rms = float(np.sqrt(np.mean((coarse - exact)[~valid] ** 2)))
    assert rms < 0.05 * np.ptp(surf), rms
    assert not np.allclose(coarse, exact)  # the coarse path did run


def test_needs_a_valid_pixel():
    with pytest.raises(ValueError, match="at least one valid"):
        biharmonic_fill(np.zeros((4, 4)), np.zeros((4, 4), bool))
