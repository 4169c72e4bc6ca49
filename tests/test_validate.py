"""The shared argument checks behind every public function."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith._validate import (
    as_rng,
    check_depth,
    check_guide,
    check_positive,
    check_valid,
)


def test_check_depth_accepts_ints_and_floats_without_rescaling():
    d = check_depth(np.array([[1, 2], [3, 400]], np.uint16))
    assert d.dtype == np.float32 and d[1, 1] == 400
    assert check_depth(np.ones((3, 4, 1))).shape == (3, 4)


@pytest.mark.parametrize("bad,match", [
    (np.ones((2, 2), bool), "dtype bool"),
    (np.ones((2, 2, 3)), r"shape \(2, 2, 3\) is not a depth map"),
    (np.ones((0, 3)), "empty"),
    (np.array([["a"]]), "dtype"),
])
def test_check_depth_refuses(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        check_depth(bad)


def test_check_depth_nonfinite():
    with pytest.raises(ValueError, match="NaN or inf"):
        check_depth(np.array([[np.inf]]), allow_nonfinite=False)


def test_check_valid_default_and_errors():
    d = np.array([[0, 1, np.nan, -1]], np.float32)
    np.testing.assert_array_equal(check_valid(None, d), [[False, True, False, False]])
    with pytest.raises(ValueError, match="no valid pixel"):
        check_valid(None, np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match=r"valid shape \(3,\) does not match"):
        check_valid(np.ones(3, bool), d)
    # an explicit mask is still intersected with finiteness
    assert not check_valid(np.ones_like(d, bool), d)[0, 2]


def test_check_guide():
    g = check_guide(np.zeros((4, 5, 3), np.uint8), (4, 5))
    assert g.shape == (4, 5, 3) and g.array.dtype == np.float32 and g.step == 1.0
    assert g.dtype == np.uint8 and g.uint8 is not None
    assert check_guide(np.zeros((4, 5)), (4, 5)).shape == (4, 5, 1)
    assert check_guide(g, (4, 5)) is g  # a Guide passes through
    with pytest.raises(ValueError, match=r"guide shape \(4, 6, 3\) does not match depth shape"):
        check_guide(np.zeros((4, 6, 3)), (4, 5))
    with pytest.raises(ValueError, match=r"guide shape \(4, 5, 3\) does not match depth shape"):
        check_guide(g, (4, 6))
    with pytest.raises(ValueError, match="1 or 3 channels"):
        check_guide(np.zeros((4, 5, 2)), (4, 5))
    with pytest.raises(ValueError, match="NaN or inf"):
        check_guide(np.full((4, 5), np.nan), (4, 5))


def test_guide_units_from_dtype_only():
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    dark16 = (u8.astype(np.uint16) * 4)  # a dark 16-bit picture: still 257 per 8-bit level
    for arr, step in ((u8, 1.0), (u8.astype(np.uint16) * 257, 257.0), (u8 / 255.0, 1 / 255),
                      (dark16, 257.0)):
        g = check_guide(arr)
        assert g.step == pytest.approx(step)
        assert g.levels.dtype == np.float32 and g.levels.shape == (6, 7, 3)
    for arr in (u8.astype(np.uint16) * 257, u8 / 255.0, (u8 / 255.0).astype(np.float32)):
        np.testing.assert_allclose(check_guide(arr).levels, u8, atol=2e-4)
    np.testing.assert_array_equal(check_guide(dark16).levels, dark16 / np.float32(257))


def test_float_guide_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"float guides must be in \[0, 1\]: divide by 255"):
        check_guide(np.full((4, 5, 3), 200.0, np.float32))
    with pytest.raises(ValueError, match=r"float guides must be in \[0, 1\]"):
        check_guide(np.full((4, 5), -0.5))
    # a small overshoot (bicubic ringing) is tolerated
    check_guide(np.full((4, 5), 1.02))
    with pytest.raises(TypeError, match="guide dtype int64 is not supported"):
        check_guide(np.zeros((4, 5), np.int64))
    with pytest.raises(TypeError, match="guide dtype bool is not supported"):
        check_guide(np.zeros((4, 5), bool))


def test_check_positive_and_rng():
    assert check_positive(2, "sigma") == 2.0
    with pytest.raises(ValueError, match="sigma must be > 0"):
        check_positive(0, "sigma")
    with pytest.raises(TypeError, match="must be a number"):
        check_positive("x", "sigma")
    assert as_rng(3).integers(100) == np.random.default_rng(3).integers(100)
    g = np.random.default_rng(1)
    assert as_rng(g) is g
