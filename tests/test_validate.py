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
    assert g.shape == (4, 5, 3) and g.dtype == np.float32
    assert check_guide(np.zeros((4, 5)), (4, 5)).shape == (4, 5, 1)
    with pytest.raises(ValueError, match=r"guide shape \(4, 6, 3\) does not match depth shape"):
        check_guide(np.zeros((4, 6, 3)), (4, 5))
    with pytest.raises(ValueError, match="1 or 3 channels"):
        check_guide(np.zeros((4, 5, 2)), (4, 5))
    with pytest.raises(ValueError, match="NaN or inf"):
        check_guide(np.full((4, 5), np.nan), (4, 5))


def test_check_positive_and_rng():
    assert check_positive(2, "sigma") == 2.0
    with pytest.raises(ValueError, match="sigma must be > 0"):
        check_positive(0, "sigma")
    with pytest.raises(TypeError, match="must be a number"):
        check_positive("x", "sigma")
    assert as_rng(3).integers(100) == np.random.default_rng(3).integers(100)
    g = np.random.default_rng(1)
    assert as_rng(g) is g
