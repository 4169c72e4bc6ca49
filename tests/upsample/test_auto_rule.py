"""upsample's input rule: the sampling detector, auto's choice of learned vs classical, and
learned's self-ensemble."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith._validate import InputError
from depthsmith.learn._sr_infer import FLIPS, self_ensemble, sr_upsample
from depthsmith.upsample import LEARNED_FROM_MIXED, auto_method, upsample
from depthsmith.upsample._sampling import mixed_step_fraction

INTERP = {"area": cv2.INTER_AREA, "nearest": cv2.INTER_NEAREST, "cubic": cv2.INTER_CUBIC,
          "linear": cv2.INTER_LINEAR}


def _scene(seed=0, H=256, W=320):
    """Discs of constant depth on a slanted plane (steps and a ramp), and a guide whose
    colour edges follow the depth edges."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W]
    hr = 3.0 + 0.002 * xx
    rgb = np.zeros((H, W, 3), np.uint8) + np.array([40, 90, 160], np.uint8)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, H), rng.uniform(0, W), rng.uniform(20, 60)
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        hr = np.where(disc, rng.uniform(1, 2.5), hr)
        rgb[disc] = rng.integers(0, 256, 3)
    return hr.astype(np.float32), rgb


def _down(hr, k, how):
    H, W = hr.shape
    return cv2.resize(hr, (W // k, H // k), interpolation=INTERP[how])


@pytest.mark.parametrize("k", [4, 8, 16])
def test_detector_separates_antialiased_from_point_sampled(k):
    hr, _ = _scene()
    area, _ = mixed_step_fraction(_down(hr, k, "area"))
    assert area >= LEARNED_FROM_MIXED
    for how in ("nearest", "cubic", "linear"):
        frac, steps = mixed_step_fraction(_down(hr, k, how))
        assert steps >= 20 and frac < LEARNED_FROM_MIXED < area, (how, frac)


def test_detector_units_offset_and_mask():
    hr, _ = _scene(1)
    lr = _down(hr, 8, "area")
    ref = mixed_step_fraction(lr)
    assert mixed_step_fraction(lr * 1000.0) == ref
    assert mixed_step_fraction(lr * 0.001 + 50.0)[0] == pytest.approx(ref[0], abs=0.02)
    # a smooth map and a constant one: nothing to read
    assert np.isnan(mixed_step_fraction(np.full((30, 40), 2.0, np.float32))[0])
    i, j = np.mgrid[0:30, 0:40]
    assert np.isnan(mixed_step_fraction((1 + 0.1 * i + 0.05 * j).astype(np.float32))[0])
    # untrusted pixels are never read: garbage under the mask changes nothing
    v = np.ones(lr.shape, bool)
    v[:, :10] = False
    bad = lr.copy()
    bad[:, :10] = np.where(np.arange(10) % 2, 1e6, 1e-3)
    assert mixed_step_fraction(bad, v) == mixed_step_fraction(lr[:, 10:])
    assert np.isnan(mixed_step_fraction(np.zeros((3, 3)))[0])  # no valid pixel


def test_auto_picks_learned_only_for_antialiased_input_in_range():
    hr, rgb = _scene(2)
    aa, pt = _down(hr, 8, "area"), _down(hr, 8, "nearest")
    assert auto_method(8, True, aa) == "learned"
    assert auto_method(8, True, pt) == "optimize"
    assert auto_method(8, True) == "optimize"  # no input: the classical rule
    assert auto_method(8, False, aa) == "bicubic"
    assert auto_method(2, True, _down(hr, 2, "area")) == "learned"  # the range's start
    assert auto_method(2, True, _down(hr, 2, "nearest")) == "jbu"
    assert auto_method(1.5, True, _down(hr, 2, "area")) == "jbu"  # below the rule's range
    assert auto_method(32, True, aa) == "optimize"
    out = upsample(aa, 8, rgb)
    np.testing.assert_array_equal(out, upsample(aa, 8, rgb, method="learned"))
    np.testing.assert_array_equal(upsample(pt, 8, rgb), upsample(pt, 8, rgb, method="optimize"))
    # the classical methods' parameters skip the rule; units never change the choice
    np.testing.assert_array_equal(upsample(aa, 8, rgb, sigma_depth=0.05),
                                  upsample(aa, 8, rgb, method="optimize", sigma_depth=0.05))
    big = upsample(aa * 1000, 8, rgb)
    span = float(out.max() - out.min()) * 1000
    assert np.abs(big - out * 1000).max() <= 1e-5 * span + 1e-3


def test_auto_tiled_follows_the_rule():
    hr, rgb = _scene(3)
    aa = _down(hr, 8, "area")
    np.testing.assert_array_equal(upsample(aa, 8, rgb, tile=64), upsample(aa, 8, rgb))


def test_cli_auto_reports_the_rule(tmp_path):
    from depthsmith.cli import main
    from depthsmith.io import write_depth, write_image

    hr, rgb = _scene(4)
    write_depth(tmp_path / "aa.pfm", _down(hr, 8, "area"))
    write_depth(tmp_path / "pt.pfm", _down(hr, 8, "nearest"))
    write_image(tmp_path / "rgb.png", rgb)
    for name, used in (("aa", "learned"), ("pt", "optimize")):
        r = CliRunner().invoke(main, ["upsample", str(tmp_path / f"{name}.pfm"), "--guide",
                                      str(tmp_path / "rgb.png"), "-o",
                                      str(tmp_path / f"{name}_out.pfm")])
        assert r.exit_code == 0, r.output
        assert f"({used})" in r.output


def test_self_ensemble_averages_flipped_runs():
    up = np.arange(12, dtype=np.float32).reshape(3, 4)
    rgb = np.zeros((1, 3, 3, 4), np.float32)

    def runner(u, g, f):  # not flip-equivariant: adds the column index
        return u + np.arange(u.shape[1], dtype=np.float32)[None]

    assert np.array_equal(self_ensemble(runner, up, rgb, 2.0, 1), runner(up, rgb, 2.0))
    # flipping left-right and back turns +j into +(W-1-j): the mean adds (W-1)/2
    np.testing.assert_allclose(self_ensemble(runner, up, rgb, 2.0, 2), up + 1.5)
    np.testing.assert_allclose(self_ensemble(runner, up, rgb, 2.0, 4), up + 1.5)
    assert len(FLIPS) == 4


def test_ensemble_argument(rng):
    hr, rgb = _scene(5, 64, 80)
    lr = _down(hr, 4, "area")
    outs = [upsample(lr, 4, rgb, method="learned", ensemble=e) for e in (1, 2, 4)]
    for o in outs:
        assert o.shape == rgb.shape[:2] and np.isfinite(o).all()
    assert not np.array_equal(outs[0], outs[2])
    for bad in (3, 0, True, "2"):
        with pytest.raises(InputError, match="ensemble must be 1, 2 or 4"):
            sr_upsample(lr, np.ones(lr.shape, bool), rgb.astype(np.float32), (64, 80),
                        ensemble=bad)


@pytest.mark.parametrize("scale", [1e-3, 0.1, 7.0, 1e3])
def test_mixed_fraction_resolves_exact_ties_the_same_in_any_units(scale):
    # quantised depth has exact ties with the thresholds: here every step's middle pixel
    # sits at exactly MIX_MARGIN (0.2) of its jump; float32 rounding of the same map in
    # other units used to move it across (0.0 in these units, 0.25 at x 0.001 or x 0.1),
    # flipping auto between optimize and learned on a Middlebury-30 crop (#13)
    row = np.array([10, 10, 11, 15, 15, 15, 15, 10, 10, 10], np.float32)
    m = np.tile(row, (30, 3))
    ref, n = mixed_step_fraction(m)
    assert n >= 20
    got, n2 = mixed_step_fraction((m * np.float32(scale)).astype(np.float32))
    assert (got, n2) == (ref, n)
