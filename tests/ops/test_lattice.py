"""Permutohedral lattice internals (embedding, keys, neighbours, splat) and the fast JBF bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthsmith._validate import Guide, InputError
from depthsmith.ops import _bilateral as lat
from depthsmith.ops import _lattice_grid as lgrid
from depthsmith.ops import _permutohedral as perm
from depthsmith.ops import permutohedral_filter
from depthsmith.refine import refine


def _elevate(p):
    """Float64 reference of the embedding into the hyperplane sum(x) = 0 of R^{d+1}."""
    n, dim = p.shape
    d1 = dim + 1
    scale = math.sqrt(2.0 / 3.0) * d1 / np.sqrt((np.arange(dim) + 1.0) * (np.arange(dim) + 2.0))
    cf = p.astype(np.float64) * scale
    elev = np.zeros((n, d1))
    for i in range(d1):
        elev[:, i] = cf[:, i:].sum(1) - (i * cf[:, i - 1] if i > 0 else 0.0)
    return elev


def _decode(keys, lo, shifts):
    """Integer lattice coordinates (d + 1 of them, summing to 0) of packed keys."""
    dim = lo.shape[0]
    out = np.empty(keys.shape + (dim + 1,), np.int64)
    for i in range(dim):
        field = keys >> shifts[i]
        if i + 1 < dim:
            field = field & ((1 << int(shifts[i + 1] - shifts[i])) - 1)
        out[..., i] = field + lo[i]
    out[..., dim] = -out[..., :dim].sum(-1)
    return out


def _run(p, v, cap=None):
    p = np.ascontiguousarray(p, np.float32)
    lo, shifts = perm._key_layout(p)
    ones = np.int64(np.sum(np.left_shift(np.int64(1), shifts)))
    n, dim = p.shape
    cap = cap or 1 << max(12, int(math.ceil(math.log2(max(n * (dim + 1) // 8, 1) + 1))))
    vidx, bary, verts, grid, _ = perm._embed_splat(p, np.ascontiguousarray(v, np.float32), lo,
                                                  shifts, ones, cap, 1 << 6)
    return lo, shifts, ones, vidx, bary, verts, grid


@settings(max_examples=25, deadline=None)
@given(dim=st.integers(1, 5), seed=st.integers(0, 10_000), span=st.floats(0.5, 40.0))
def test_embedding_is_an_exact_barycentric_decomposition(dim, seed, span):
    rng = np.random.default_rng(seed)
    p = (rng.random((300, dim)) * span - span / 3).astype(np.float32)
    lo, shifts, _, vidx, bary, verts, _ = _run(p, np.ones((300, 1)))
    d1 = dim + 1
    coords = _decode(verts[vidx], lo, shifts)  # (n, d1 vertices, d1 coordinates)
    # vertex r of a simplex is a remainder-r point: every coordinate = r (mod d + 1)
    for r in range(d1):
        assert (np.mod(coords[:, r, :], d1) == r).all()
    # barycentric weights: a partition of unity, non-negative, reproducing the position
    assert (bary >= -1e-5).all()
    np.testing.assert_allclose(bary.sum(1), 1.0, atol=1e-5)
    rec = np.einsum("nr,nri->ni", bary.astype(np.float64), coords)
    np.testing.assert_allclose(rec, _elevate(p), atol=2e-4 * max(1.0, span))
    # the d + 1 vertices of a simplex are distinct
    assert all(len(set(row)) == d1 for row in vidx.tolist())


def test_neighbours_match_a_dictionary_lookup(rng):
    p = (rng.random((2000, 3)) * 6).astype(np.float32)
    lo, shifts, ones, _, _, verts, _ = _run(p, np.ones((2000, 1)))
    d1 = 4
    deltas = np.array([int(ones) - (d1 << int(s)) for s in shifts] + [int(ones)], np.int64)
    nbr = perm._neighbours(verts, np.argsort(verts), deltas)
    where = {int(k): i for i, k in enumerate(verts)}
    coords = _decode(verts, lo, shifts)
    found = 0
    for e, key in enumerate(verts.tolist()):
        for j in range(d1):
            up = where.get(key + int(deltas[j]), -1)
            down = where.get(key - int(deltas[j]), -1)
            assert nbr[e, j, 1] == up and nbr[e, j, 0] == down
            if up >= 0:
                found += 1
                # one step along axis j: +1 everywhere, -d (i.e. +1 - (d + 1)) on coordinate j
                step = coords[up] - coords[e]
                expect = np.ones(d1, np.int64)
                expect[j] -= d1
                np.testing.assert_array_equal(step, expect)
    assert found > len(verts)  # the test is not vacuous


def test_splat_conserves_mass_and_table_growth_is_transparent(rng):
    p = (rng.random((5000, 5)) * [30, 20, 4, 4, 4]).astype(np.float32)
    v = rng.random((5000, 2)).astype(np.float32)
    *_, vidx_s, _, verts_s, grid_s = _run(p, v, cap=16)  # doubles many times
    *_, vidx_b, _, verts_b, grid_b = _run(p, v, cap=1 << 16)  # never grows
    np.testing.assert_allclose(grid_s.sum(0), v.astype(np.float64).sum(0), rtol=1e-4)
    np.testing.assert_array_equal(verts_s, verts_b)  # same discovery order
    np.testing.assert_array_equal(vidx_s, vidx_b)
    np.testing.assert_allclose(grid_s, grid_b, rtol=1e-6, atol=1e-6)


def test_lattice_blur_is_a_gaussian_of_unit_sigma(rng):
    # points on a dense 1-D grid: the lattice filter of a delta is a bell of std ~ 1 (position
    # units), normalized by the filtered ones
    x = np.arange(-40, 40.001, 0.05, dtype=np.float32)[:, None]
    vals = np.zeros((x.shape[0], 2), np.float32)
    vals[:, 1] = 1.0
    vals[np.argmin(np.abs(x[:, 0])), 0] = 1.0
    out = permutohedral_filter(x, vals)
    resp = out[:, 0] / out[:, 1]
    resp /= resp.sum()
    std = math.sqrt(float((resp * x[:, 0].astype(np.float64) ** 2).sum()))
    assert 0.8 < std < 1.6


def test_key_span_too_large_is_an_input_error():
    p = np.array([[0.0] * 5, [1e12] * 5], np.float32)
    with pytest.raises(InputError, match="too large to index"):
        permutohedral_filter(p, np.ones((2, 1), np.float32))


def _blobs(rng, h, w):
    """Random piecewise-smooth depth whose regions have their own (textured) colors."""
    yy, xx = np.mgrid[0:h, 0:w]
    labels = np.zeros((h, w), np.int64)
    for k in range(1, 6):
        cy, cx, rad = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(8, 30)
        labels[(yy - cy) ** 2 + (xx - cx) ** 2 < rad ** 2] = k
    base = rng.uniform(1.0, 10.0, 6)[labels] + 0.01 * rng.normal(size=6)[labels] * xx
    colors = rng.uniform(0, 255, (6, 3))[labels] + rng.normal(0, 6, (h, w, 3))
    d = (base + rng.normal(0, 0.1, (h, w))).astype(np.float32)
    return d, np.clip(colors, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_jbf_within_one_percent_of_exact_at_the_seed_setting(seed):
    rng = np.random.default_rng(seed)
    d, g = _blobs(rng, 72, 96)
    valid = rng.random(d.shape) > 0.1
    conf = rng.uniform(0.2, 1.0, d.shape).astype(np.float32)
    kw = {"radius": 12, "sigma_space": 12.5, "sigma_color": 20.0, "valid": valid,
          "confidence": conf}
    ex = refine(d, g, method="joint_bilateral", fast=False, **kw)
    fa = refine(d, g, method="joint_bilateral", fast=True, **kw)
    assert np.isfinite(fa).all() and np.isfinite(ex).all()
    span = float(np.ptp(d[valid]))
    assert np.sqrt(np.mean((fa - ex) ** 2)) < 0.01 * span
    # and much closer to the exact filter than the unfiltered input is
    assert np.sqrt(np.mean((fa - ex) ** 2)) < 0.5 * np.sqrt(np.mean((d - ex)[valid] ** 2))


def test_fast_jbf_zero_confidence_pixels_are_never_read(rng):
    d, g = _blobs(rng, 48, 64)
    conf = np.where(rng.random(d.shape) < 0.2, 0.0, 1.0).astype(np.float32)
    kw = {"radius": 12, "sigma_space": 12.5, "sigma_color": 20.0, "confidence": conf,
          "fast": True}
    a = refine(np.where(conf == 0, 1e9, d), g, method="joint_bilateral", **kw)
    b = refine(np.where(conf == 0, 3.0, d), g, method="joint_bilateral", **kw)
    np.testing.assert_array_equal(a, b)
    assert np.nanmax(a) < 20


def test_two_thread_split_matches_one_pass(monkeypatch):
    rng = np.random.default_rng(7)
    d, g = _blobs(rng, 150, 220)
    kw = {"sigma_space": 7.0, "sigma_color": 20.0, "spatial": "lattice"}
    monkeypatch.setattr(perm, "_SPLIT_MIN", 1 << 40)  # one pass, one table
    one, _ = lat.joint_bilateral_lattice(d, g, **kw)
    monkeypatch.setattr(perm, "_SPLIT_MIN", 1000)  # two halves, two tables, merged
    two, _ = lat.joint_bilateral_lattice(d, g, **kw)
    np.testing.assert_allclose(two, one, rtol=1e-5, atol=1e-5 * float(np.ptp(d)))


def test_grid_lookup_table_matches_hashing(monkeypatch):
    # the colour vertices of an RGB guide are numbered through a direct table; the generic
    # path hashes them: same simplices, same weights, same output (vertex order aside)
    rng = np.random.default_rng(3)
    d, g = _blobs(rng, 90, 120)
    kw = {"sigma_space": 7.0, "sigma_color": 20.0}
    table, _ = lat.joint_bilateral_lattice(d, g, **kw)
    monkeypatch.setattr(lgrid, "_LUT_SIZE", 0)
    hashed, _ = lat.joint_bilateral_lattice(d, g, **kw)
    np.testing.assert_allclose(table, hashed, rtol=1e-5, atol=1e-5 * float(np.ptp(d)))
    ids, bw, nbr = lgrid._color_lattice(g.astype(np.float32), 1 / 20.0)
    assert ids.shape == (90 * 120, 4) and ids.min() >= 0 and ids.max() < nbr.shape[0]
    np.testing.assert_allclose(bw.sum(1), 1.0, atol=1e-5)
    assert (bw >= -1e-5).all()


@pytest.mark.parametrize("spatial", ["grid", "lattice"])
def test_gray_guide_and_both_lattices_close_to_exact(spatial):
    rng = np.random.default_rng(5)
    d, g = _blobs(rng, 80, 100)
    gray = Guide.from_levels(g.mean(2))
    ss = 5.0
    ex, _ = lat.joint_bilateral_exact(d, gray, radius=15, sigma_space=ss, sigma_color=20.0)
    fa, _ = lat.joint_bilateral_lattice(d, gray, sigma_space=ss, sigma_color=20.0,
                                        spatial=spatial)
    span = float(np.ptp(d))
    assert np.sqrt(np.mean((fa - ex) ** 2)) < 0.02 * span
    assert np.sqrt(np.mean((fa - ex) ** 2)) < 0.5 * np.sqrt(np.mean((d - ex) ** 2))


def test_spatial_must_be_known():
    d = np.ones((8, 8), np.float32)
    with pytest.raises(InputError, match="spatial"):
        lat.joint_bilateral_lattice(d, d, spatial="tree")
