"""The procedural RGB-D scenes (training data of the learned models)."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith._validate import InputError
from depthsmith.learn._synthetic import MAX_DEPTH, render_scene


def test_render_is_deterministic_and_well_formed():
    d1, c1 = render_scene(7, 48, 64)
    d2, c2 = render_scene(7, 48, 64)
    assert d1.shape == (48, 64) and d1.dtype == np.float32
    assert c1.shape == (48, 64, 3) and c1.dtype == np.uint8
    assert np.array_equal(d1, d2) and np.array_equal(c1, c2)
    d3, c3 = render_scene(8, 48, 64)
    assert not np.array_equal(d1, d3) and not np.array_equal(c1, c3)


@pytest.mark.parametrize("seed", range(12))
def test_depth_is_dense_positive_and_has_structure(seed):
    d, c = render_scene(seed, 64, 80)
    assert np.isfinite(d).all() and (d > 0).all() and (d <= MAX_DEPTH).all()
    # several surfaces: depth edges (jumps of > 5 % between neighbours) and colour variation
    jump = np.abs(np.diff(d, axis=1)) > 0.05 * d[:, 1:]
    assert jump.any()
    assert c.reshape(-1, 3).std(axis=0).max() > 5


def test_colour_edges_without_depth_edges_exist():
    """Textures and decals: many strong colour edges lie on smooth depth (the scenes do not
    teach that every colour edge is a depth edge)."""
    n_tex = 0
    for seed in range(8):
        d, c = render_scene(seed, 64, 64)
        g = c.astype(np.float32).mean(axis=2)
        colour_edge = np.abs(np.diff(g, axis=1)) > 30
        depth_edge = np.abs(np.diff(d, axis=1)) > 0.02 * d[:, 1:]
        n_tex += int((colour_edge & ~depth_edge).sum())
    assert n_tex > 50


def test_bad_size_is_refused():
    with pytest.raises(InputError, match="height"):
        render_scene(0, 2, 64)
