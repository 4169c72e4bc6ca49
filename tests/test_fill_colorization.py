"""ops.colorization_system / colorization_fill: the NYU-toolbox system and its solvers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.linalg import spsolve

from depthsmith._validate import InputError
from depthsmith.ops import colorization_fill, colorization_system


def _reference_system(depth, gray, valid, alpha=1.0):
    """Dense float64 build of the toolbox system, straight from its description."""
    h, w = depth.shape
    n = h * w
    m = np.zeros((n, n))
    for y in range(h):
        for x in range(w):
            r = y * w + x
            nbrs = [(yy, xx) for yy in range(max(0, y - 1), min(h, y + 2))
                    for xx in range(max(0, x - 1), min(w, x + 2)) if (yy, xx) != (y, x)]
            vals = np.array([gray[p] for p in nbrs])
            win = np.append(vals, gray[y, x])
            var = np.mean((win - win.mean()) ** 2)
            csig = 0.6 * var
            mgv = np.min((vals - gray[y, x]) ** 2)
            csig = max(csig, -mgv / np.log(0.01), 2e-6)
            wts = np.exp(-((vals - gray[y, x]) ** 2) / csig)
            wts /= wts.sum()
            for (yy, xx), wt in zip(nbrs, wts, strict=True):
                m[r, yy * w + xx] = -wt
            m[r, r] = 1.0 + (alpha if valid[y, x] else 0.0)
    b = np.where(valid, depth, 0).ravel() * alpha
    return m, b


@pytest.mark.parametrize("shape", [(5, 6), (7, 4), (1, 5)])
def test_system_matches_dense_reference(shape, rng):
    d = rng.uniform(1, 5, shape).astype(np.float32)
    valid = rng.random(shape) < 0.6
    valid.flat[0] = True
    rgb = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    gray = (rgb[..., 0] * 0.2989 + rgb[..., 1] * 0.5870 + rgb[..., 2] * 0.1140) / 255.0
    m, b = colorization_system(d, rgb, valid)
    mr, br = _reference_system(d.astype(np.float64), gray, valid)
    np.testing.assert_allclose(m.toarray(), mr, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b, br, rtol=1e-6)
    # every row of I - W sums to zero
    np.testing.assert_allclose(np.asarray(m.sum(axis=1)).ravel(), valid.ravel() * 1.0,
                               atol=1e-12)


def test_fast_matches_direct_on_random_inputs(rng):
    for _ in range(3):
        h, w = rng.integers(20, 50, 2)
        d = rng.uniform(1, 10, (h, w)).astype(np.float32)
        holes = rng.random((h, w)) < 0.3
        holes[rng.integers(0, h // 2):, : rng.integers(1, w)] = True  # one large hole
        holes.flat[-1] = False
        g = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        inp = np.where(holes, 0, d)
        direct = colorization_fill(inp, g, solver="direct")
        m, b = colorization_system(inp, g)
        np.testing.assert_allclose(direct.ravel(), spsolve(m.tocsc(), b), rtol=1e-5)
        fast = colorization_fill(inp, g)
        rel = np.sqrt(np.mean((fast - direct) ** 2)) / np.sqrt(np.mean(direct ** 2))
        assert rel < 1e-3, rel


def test_guide_free_is_uniform_weights():
    d = np.zeros((9, 9), np.float32)
    d[0, :] = 1.0
    d[-1, :] = 3.0
    out = colorization_fill(d, None, valid=d > 0)
    assert np.isfinite(out).all()
    # symmetric problem: the middle row lies halfway
    np.testing.assert_allclose(out[4, 4], 2.0, atol=1e-4)


def test_no_hole_and_errors():
    d = np.full((6, 6), 2.0, np.float32)
    np.testing.assert_allclose(colorization_fill(d, None), 2.0, rtol=1e-6)
    with pytest.raises(InputError, match="solver must be"):
        colorization_fill(d, None, solver="magic")
    with pytest.raises(InputError, match="no valid pixel"):
        colorization_fill(np.zeros((4, 4)), None)
    with pytest.raises(InputError, match="does not match depth shape"):
        colorization_system(d, np.zeros((5, 6, 3), np.uint8))
