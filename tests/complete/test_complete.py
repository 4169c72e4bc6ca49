"""depthsmith.complete: methods, sampling, invariants, error paths, CLI, golden figures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from depthsmith.complete import (
    METHODS,
    PRESETS,
    SCHEMES,
    choose_method,
    complete,
    diamond_kernel,
    guided,
    interpolate,
    morphological,
    normconv,
    sample,
)
from depthsmith.ops import multiscale_normconv

ALL = ("auto", "normconv", "guided", "interpolate", "morphological", "learned")


def _plane(h=48, w=64, a=0.05, b=-0.03, c=10.0):
    yy, xx = np.mgrid[0:h, 0:w]
    return (c + a * xx + b * yy).astype(np.float32)


def _guide(h, w, rng):
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def _sparse(d, frac, rng):
    m = rng.random(d.shape) < frac
    return np.where(m, d, np.nan).astype(np.float32), m


# -- exactness on planar depth ---------------------------------------------------------

def test_interpolate_reproduces_plane_inside_hull(rng):
    d = _plane()
    sp, m = _sparse(d, 0.05, rng)
    m[0, 0] = m[0, -1] = m[-1, 0] = m[-1, -1] = True  # hull = whole image
    sp[m] = d[m]
    out = interpolate(sp, valid=m)
    np.testing.assert_allclose(out, d, atol=1e-4)


@pytest.mark.parametrize("step", [2, 3])
def test_normconv_reproduces_plane_on_grid(step):
    d = _plane()
    m = np.zeros(d.shape, bool)
    m[::step, ::step] = True
    out = normconv(np.where(m, d, np.nan), valid=m, keep_samples=False, ridge=0.0)
    # inside the samples' hull (outside it the fit is clamped to the samples' range)
    hy, hx = (d.shape[0] - 1) // step * step + 1, (d.shape[1] - 1) // step * step + 1
    np.testing.assert_allclose(out[:hy, :hx], d[:hy, :hx], atol=2e-4)


# -- brute-force float64 reference of level 0 -------------------------------------------


def test_normconv_outside_samples_box_replicates_edge(rng):
    # samples only in rows 20-39, columns 16-47: the work runs in that box grown by the
    # window radius and aligned to the coarsest grid; outside it the edge is replicated
    d = _plane(64, 80)
    m = np.zeros(d.shape, bool)
    m[20:40, 16:48] = rng.random((20, 32)) < 0.3
    out = normconv(np.where(m, d, np.nan), valid=m)
    assert np.isfinite(out).all()
    top = np.flatnonzero(m.any(axis=1))[0] - 3  # minus ry = ceil(2 * 1.2)
    top = top // 8 * 8  # levels=3: corners on multiples of 8
    assert top > 0
    np.testing.assert_array_equal(out[:top], np.broadcast_to(out[top], (top, 80)))
    # inside the samples' hull the estimate follows the plane (ridge 0.3 smooths it a bit)
    np.testing.assert_allclose(out[24:36, 22:42], d[24:36, 22:42], atol=2e-2)


def test_normconv_default_reproduces_plane_with_refit(rng):
    # a steep plane makes every window's spread exceed edge_spread: the refit runs and is
    # still exact (a range-weighted plane fit of planar samples is the plane)
    d = _plane(48, 64, a=0.5, b=0.3, c=5.0)
    m = np.zeros(d.shape, bool)
    m[::2, ::2] = True
    out = normconv(np.where(m, d, np.nan), valid=m, keep_samples=False, ridge=0.0)
    ref = normconv(np.where(m, d, np.nan), valid=m, keep_samples=False, ridge=0.0,
                   robust=None)
    assert not np.array_equal(out, ref)  # the refit ran somewhere
    np.testing.assert_allclose(out[:47, :63], d[:47, :63], atol=2e-4)


# -- invariants ------------------------------------------------------------------------

@pytest.mark.parametrize("method", ALL)
def test_constant_stays_constant(rng, method):
    d = np.full((40, 50), 7.5, np.float32)
    sp, m = _sparse(d, 0.05, rng)
    out = complete(sp, _guide(40, 50, rng), valid=m, method=method)
    assert out.dtype == np.float32 and out.shape == d.shape
    np.testing.assert_allclose(out, 7.5, rtol=1e-5)


@pytest.mark.parametrize("method", ALL)
def test_poisoned_invalid_pixels_never_reach_output(rng, method):
    d = rng.uniform(2.0, 4.0, (40, 50)).astype(np.float32)
    m = rng.random(d.shape) < 0.1
    g = _guide(40, 50, rng)
    clean = complete(np.where(m, d, 0), g, valid=m, method=method)
    poisoned = complete(np.where(m, d, 1e9).astype(np.float32), g, valid=m, method=method)
    np.testing.assert_array_equal(clean, poisoned)
    # 1e9 would show up as huge values; the unclamped plane fit of normconv may extrapolate
    # a little beyond the samples, nothing more
    assert np.isfinite(poisoned).all() and poisoned.max() <= 6.0


@pytest.mark.parametrize("method", ["normconv", "guided", "interpolate", "auto"])
def test_samples_are_kept(rng, method):
    d = rng.uniform(1.0, 9.0, (30, 40)).astype(np.float32)
    sp, m = _sparse(d, 0.1, rng)
    out = complete(sp, _guide(30, 40, rng), method=method)
    np.testing.assert_array_equal(out[m], d[m])


def test_morphological_sample_change_bounded_by_its_smoothing(rng):
    # documented: samples move only through the median + blur of step 6, so a sample more
    # than their reach away from an edge is unchanged
    d = np.full((40, 50), 20.0, np.float32)
    d[:, 25:] = 10.0
    sp, m = _sparse(d, 0.3, rng)
    out = morphological(sp, valid=m)
    interior = m.copy()
    interior[:, 20:30] = False  # 5x5 median then 5x5 Gaussian: 4 px reach
    np.testing.assert_allclose(out[interior], d[interior], atol=1e-4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2 ** 31 - 1), frac=st.floats(0.01, 0.5),
       method=st.sampled_from(["interpolate", "morphological", "guided", "normconv-clamped"]))
# a case where morphological's blur once mixed still-empty (zero) pixels in and went above
# the largest sample
@example(seed=343833, frac=0.015625, method="morphological")
def test_output_within_sample_range(seed, frac, method):
    # convex combinations of the samples (normconv only with clamp=True: its default,
    # unclamped plane fit may extrapolate)
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(8, 40)), int(rng.integers(8, 40))
    d = rng.uniform(0.5, 80.0, (h, w)).astype(np.float32)
    m = rng.random((h, w)) < frac
    m[rng.integers(h), rng.integers(w)] = True
    params = {"clamp": True} if method == "normconv-clamped" else {}
    out = complete(np.where(m, d, np.nan), _guide(h, w, rng), valid=m,
                   method=method.split("-")[0], **params)
    assert out.shape == (h, w) and np.isfinite(out).all()
    lo, hi = d[m].min(), d[m].max()
    assert out.min() >= lo - 1e-3 * hi and out.max() <= hi * (1 + 1e-3)


def test_units_never_rescaled(rng):
    d = rng.uniform(1.0, 2.0, (30, 30)).astype(np.float32)
    sp, m = _sparse(d, 0.2, rng)
    a = complete(sp, method="normconv")
    b = complete(sp * 1000, method="normconv")
    np.testing.assert_allclose(b, a * 1000, rtol=1e-4)


# -- auto rule, kernels, presets -------------------------------------------------------

def test_auto_rule():
    sparse = np.zeros((100, 100), bool)
    sparse[::10, ::10] = True  # 1 %
    dense = np.zeros((100, 100), bool)
    dense[::4] = True  # 25 %
    assert choose_method(sparse, True) == "guided"
    assert choose_method(sparse, False) == "normconv"
    assert choose_method(dense, True) == "normconv"


def test_auto_scan_line_rule(rng):
    from depthsmith.complete._api import LINE_GAP_FILL, LINE_SIGMA, choose_params, scan_lines

    lines = np.zeros((80, 120), bool)
    lines[::4] = rng.random((20, 120)) < 0.6  # every 4th row, dense along it
    scattered = rng.random((80, 120)) < 0.05
    grid = np.zeros((80, 120), bool)
    grid[::10, ::10] = True
    assert scan_lines(lines)
    assert not scan_lines(scattered)
    assert not scan_lines(grid)
    assert choose_params("normconv", lines) == {"sigma_space": LINE_SIGMA,
                                                "gap_fill": LINE_GAP_FILL}
    assert choose_params("normconv", scattered) == {}
    assert choose_params("guided", lines) == {}
    d = rng.uniform(1.0, 9.0, lines.shape).astype(np.float32)
    np.testing.assert_array_equal(complete(d, valid=lines),
                                  normconv(d, valid=lines, sigma_space=LINE_SIGMA,
                                           gap_fill=LINE_GAP_FILL))
    # an explicit parameter wins over the rule
    np.testing.assert_array_equal(
        complete(d, valid=lines, sigma_space=(1.2, 2.5), gap_fill="pyramid"),
        normconv(d, valid=lines))


def test_auto_runs_chosen_method(rng):
    d = rng.uniform(1.0, 9.0, (60, 60)).astype(np.float32)
    m = np.zeros(d.shape, bool)
    m[::10, ::10] = True
    g = _guide(60, 60, rng)
    np.testing.assert_array_equal(complete(d, g, valid=m), guided(d, g, valid=m))
    np.testing.assert_array_equal(complete(d, valid=m), normconv(d, valid=m))


def test_diamond_kernel():
    k = diamond_kernel(5)
    assert k.sum() == 13 and k[0, 2] == 1 and k[0, 1] == 0 and k[2].all()


def test_presets_run(rng):
    d = rng.uniform(5, 50, (60, 80)).astype(np.float32)
    sp, m = _sparse(d, 0.05, rng)
    for p in PRESETS:
        out = morphological(sp, valid=m, preset=p)
        assert np.isfinite(out).all()


def test_morphological_prefers_near_surfaces():
    # dilation of inverted depth: a gap between a near and a far sample takes the near one
    d = np.full((21, 21), np.nan, np.float32)
    d[10, 8] = 5.0
    d[10, 12] = 50.0
    out = morphological(d, median_size=0, blur="none", extrapolate_top=False)
    assert out[10, 10] == pytest.approx(5.0)


# -- sampling --------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["uniform", "gradient", "uniform+gradient"])
def test_sample_budget_validity_and_seed(rng, scheme):
    d = rng.uniform(1, 2, (50, 60)).astype(np.float32)
    d[:10] = np.nan
    g = _guide(50, 60, rng)
    m = sample(d, 120, scheme, g, rng=0)
    assert m.dtype == bool and m.sum() == 120
    assert not m[:10].any()
    np.testing.assert_array_equal(m, sample(d, 120, scheme, g, rng=0))
    assert not np.array_equal(m, sample(d, 120, scheme, g, rng=5))


def test_sample_gradient_follows_edges():
    h, w = 60, 60
    g = np.zeros((h, w, 3), np.uint8)
    g[:, 30:] = 255
    m = sample(np.ones((h, w), np.float32), 100, "gradient", g, rng=0)
    xs = np.nonzero(m)[1]
    assert np.all((xs >= 28) & (xs <= 31))


def test_sample_grid_step():
    d = np.ones((100, 100), np.float32)
    m = sample(d, 100, "grid")
    ys, xs = np.nonzero(m)
    assert m.sum() == 100 and set(np.unique(ys)) == set(range(5, 100, 10))
    assert set(SCHEMES) == {"uniform", "gradient", "uniform+gradient", "grid"}


# -- errors ----------------------------------------------------------------------------

def test_errors(rng):
    d = rng.uniform(1, 2, (10, 10)).astype(np.float32)
    with pytest.raises(ValueError, match="method must be one of auto, .*, got 'nope'"):
        complete(d, method="nope")
    with pytest.raises(ValueError, match="needs a guide"):
        complete(d, method="guided")
    with pytest.raises(ValueError, match="guide shape"):
        complete(d, np.zeros((5, 5, 3), np.uint8))
    with pytest.raises(ValueError, match="no valid pixel"):
        complete(np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError, match="preset 'x' is unknown"):
        morphological(d, preset="x")
    with pytest.raises(ValueError, match="dilation_kernel 'diamond4'"):
        morphological(d, dilation_kernel="diamond4")
    with pytest.raises(ValueError, match="closing_size must be an odd integer"):
        morphological(d, closing_size=4)
    with pytest.raises(ValueError, match="sigma_color needs a guide"):
        multiscale_normconv(d, sigma_color=10.0)
    with pytest.raises(ValueError, match="order must be 0 or 1"):
        multiscale_normconv(d, order=2)
    with pytest.raises(ValueError, match="sigma_space must be > 0"):
        multiscale_normconv(d, sigma_space=0)
    with pytest.raises(ValueError, match="scheme 'x' is unknown"):
        sample(d, 5, "x")
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        sample(d, 0)
    with pytest.raises(ValueError, match="needs a guide image"):
        sample(d, 5, "gradient")
    with pytest.raises(ValueError, match="method 'normconv' has no parameter 'bogus'"):
        complete(d, method="normconv", bogus=1)
    assert set(METHODS) == set(ALL)


# -- CLI -------------------------------------------------------------------------------


# -- golden figures on the shared data -------------------------------------------------

def test_golden_kitti_frame(data_root):
    from depthsmith.bench._complete_tasks import COMPLETE_KITTI
    from depthsmith.bench._peers import fill_nearest

    cases = [c for c in COMPLETE_KITTI.cases(data_root) if c.scene == "frame_0000000005"
             and c.group in ("random", "lines")]  # the main groups (variants: tests/bench)
    assert {c.group for c in cases} == {"random", "lines"}
    # measured 2026-11-22 (default method; RMSE, MAE in mm), tolerance 3 %
    golden = {"random": (607.5, 184.3), "lines": (746.2, 237.8)}
    for c in cases:
        ours = COMPLETE_KITTI.score(complete(c.inputs["depth"], c.inputs["guide"],
                                             valid=c.inputs["valid"]), c)
        ip = COMPLETE_KITTI.score(morphological(c.inputs["depth"], valid=c.inputs["valid"]),
                                  c)
        near = COMPLETE_KITTI.score(fill_nearest(c.inputs["depth"], c.inputs["valid"]), c)
        assert ours["rmse"] < 1.03 * golden[c.group][0]
        assert ours["mae"] < 1.03 * golden[c.group][1]
        assert ours["rmse"] < 0.8 * ip["rmse"] and ours["rmse"] < 0.8 * near["rmse"]
        assert ours["mae"] < 0.8 * ip["mae"]


# -- range-weighted refit (normconv robust=...) ------------------------------------------


def test_robust_keeps_step_edge_layers(rng):
    # two fronto-parallel layers 5 and 10 m, a vertical edge at x = 30; samples 25 %
    d = np.where(np.arange(60)[None, :] < 30, 5.0, 10.0) * np.ones((40, 1))
    d = d.astype(np.float32)
    sp, m = _sparse(d, 0.25, rng)
    plain = normconv(sp, valid=m, robust=None)
    rob = normconv(sp, valid=m)  # default robust=0.05
    band = ~m & (np.abs(np.arange(60) - 29.5) < 4)[None, :] * np.ones((40, 1), bool)
    err_plain = np.abs(plain - d)[band].mean()
    err_rob = np.abs(rob - d)[band].mean()
    assert err_rob < 0.6 * err_plain
    # away from the edge nothing changes
    far = np.abs(np.arange(60) - 29.5) > 12
    np.testing.assert_array_equal(rob[:, far], plain[:, far])




# -- gaps between scan lines (issue 13: COMPLETE-KITTI lines at every row phase) ---------


def _ramp_lines_with_hole():
    """A ground-like ramp (farther up the image) sampled on every 4th row, with a hole
    spanning 12 lines; above the hole the lines return only every 8th column, below it
    every column (the density imbalance of LiDAR lines around far, sparse returns)."""
    h, w = 96, 160
    yy, xx = np.mgrid[0:h, 0:w]
    d = (40.0 - 0.3 * yy + 0.02 * xx).astype(np.float32)
    m = np.zeros((h, w), bool)
    m[::4] = True
    hole = (yy >= 24) & (yy < 72) & (xx >= 40) & (xx < 120)
    m &= ~hole
    m[(yy < 24) & (xx % 8 != 0)] = False
    return d, m, hole


def test_auto_fills_gap_between_scan_lines_by_distance_not_density():
    # the pyramid fallback alone (the rule before issue 13) leans to the densely sampled
    # side of the hole: hole RMSE 7.8 % of the hole's depth range, against 0.75 % now
    d, m, hole = _ramp_lines_with_hole()
    sp = np.where(m, d, np.nan).astype(np.float32)
    span = float(np.ptp(d[hole]))
    out = complete(sp, valid=m)
    rmse = float(np.sqrt(np.mean((out - d)[hole] ** 2)))
    assert rmse < 0.02 * span
    old = normconv(sp, valid=m, sigma_space=(1.6, 1.6), gap_fill="pyramid")
    assert rmse < 0.25 * float(np.sqrt(np.mean((old - d)[hole] ** 2)))
    # a plane is reproduced exactly where no sample is in the level-0 window
    yy, xx = np.mgrid[0:96, 0:160]
    centre = hole & (np.abs(yy - 48) < 16) & (np.abs(xx - 79.5) < 34)  # >= 6 px from samples
    np.testing.assert_allclose(out[centre], d[centre], atol=1e-4 * span)


def test_auto_scan_line_gap_fill_keeps_units(rng):
    d, m, _ = _ramp_lines_with_hole()
    d = d + rng.uniform(0, 2, d.shape).astype(np.float32)  # not planar
    sp = np.where(m, d, np.nan).astype(np.float32)
    a = complete(sp, valid=m)
    b = complete(sp * 1000, valid=m)
    assert np.isfinite(a).all()
    np.testing.assert_allclose(b / 1000, a, atol=1e-5 * float(np.ptp(a)))


def test_delaunay_gap_fill_plane_and_degenerate_cases(rng):
    from depthsmith.complete._api import InputError
    from depthsmith.ops._scanline_gaps import delaunay_gap_fill

    d = _plane()
    m = rng.random(d.shape) < 0.05
    m[0, 0] = m[0, -1] = m[-1, 0] = m[-1, -1] = True
    val, cov = delaunay_gap_fill(np.where(m, d, np.nan), m)
    assert cov.sum() == (~m).sum()  # hull = image: every invalid pixel covered
    np.testing.assert_allclose(val[cov], d[cov], atol=1e-4)
    # only the pixels asked for (and only samples near them are triangulated, so a few
    # pixels at the region's border may lie outside their hull)
    where = np.zeros(d.shape, bool)
    where[10:20, 10:30] = True
    val2, cov2 = delaunay_gap_fill(np.where(m, d, np.nan), m, where)
    assert not cov2[~where].any() and cov2[where & ~m].mean() > 0.8
    np.testing.assert_allclose(val2[cov2], d[cov2], atol=1e-4)
    # fewer than three samples, or all on one line: nothing covered, no error
    for mm in (np.zeros(d.shape, bool), np.eye(*d.shape, dtype=bool)):
        mm = mm.copy()
        mm[0, :2] = True
        _, c = delaunay_gap_fill(np.where(mm, d, np.nan), mm)
        assert not c.any()
    with pytest.raises(InputError, match="where"):
        delaunay_gap_fill(d, m, np.zeros((3, 3), bool))
    with pytest.raises(InputError, match="gap_fill"):
        normconv(d, valid=m, gap_fill="nearest")


@pytest.mark.parametrize("method", sorted(set(METHODS) - {"auto"}) + ["auto"])
def test_positive_samples_never_give_non_positive_depth(method):
    # first-order fits extrapolate planes; from noisy sparse samples they ran to zero or
    # below (normconv: 181 of 299 random cases had depth <= 0, down to -0.54 from samples
    # in [0.02, 1]); a completion stays within the samples' widened range
    bad = []
    for seed in range(60):
        r = np.random.default_rng(seed)
        h, w = (int(v) for v in r.integers(8, 48, 2))
        m = r.uniform(size=(h, w)) < r.uniform(0.01, 0.3)
        if m.sum() < 3:
            continue
        x = np.where(m, r.uniform(0.02, 1, (h, w)), 0).astype(np.float32)
        g = r.integers(0, 256, (h, w, 3), dtype=np.uint8)
        out = complete(x, g, method=method)
        lo, hi = float(x[m].min()), float(x[m].max())
        if not (np.isfinite(out).all() and out.min() >= 0.5 * lo - 1e-6
                and out.max() <= hi + 0.05 * (hi - lo) + 1e-6):
            bad.append((seed, float(out.min()), float(out.max()), lo, hi))
    assert not bad, bad[:5]
