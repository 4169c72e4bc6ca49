"""Valid input never gives a non-finite output: every registered method of every task, any
size from 2x2, values anywhere in 1e-3 .. 1e5 (metres, millimetres, disparities), fully valid
or with a few valid pixels, upsampling factors 1-32."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depthsmith import complete, fill, refine, upsample
from depthsmith._validate import InputError

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _inputs(data, max_side=40):
    h = data.draw(st.integers(2, max_side), label="h")
    w = data.draw(st.integers(2, max_side), label="w")
    seed = data.draw(st.integers(0, 2 ** 16), label="seed")
    lo = data.draw(st.sampled_from([1e-3, 1.0, 100.0, 1e4]), label="lo")
    spread = data.draw(st.sampled_from([1.0, 10.0, 1e3]), label="spread")
    rng = np.random.default_rng(seed)
    d = (lo * (1 + (spread - 1) * rng.random((h, w)))).clip(1e-3, 1e5).astype(np.float32)
    g = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return d, g, rng


def _sparse(d, frac, rng):
    """``d`` with about ``frac`` of its pixels kept (at least one), the rest 0 (invalid)."""
    keep = rng.random(d.shape) < frac
    keep.flat[rng.integers(d.size)] = True
    return np.where(keep, d, 0)


@pytest.mark.parametrize("method", list(fill.METHODS))
@SETTINGS
@given(data=st.data(), frac=st.sampled_from([0.01, 0.3, 0.9]))
def test_fill_is_finite(method, data, frac):
    d, g, rng = _inputs(data)
    out = fill.fill_holes(_sparse(d, frac, rng), g, method=method)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("method", list(complete.METHODS))
@SETTINGS
@given(data=st.data(), frac=st.sampled_from([0.01, 0.05, 0.3, 1.0]))
def test_complete_is_finite(method, data, frac):
    d, g, rng = _inputs(data)
    out = complete.complete(_sparse(d, frac, rng), g, method=method)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("method", list(refine.METHODS))
@SETTINGS
@given(data=st.data())
def test_refine_is_finite_on_valid_input(method, data):
    d, g, _ = _inputs(data)
    assert np.isfinite(refine.refine(d, g, method=method)).all()


@pytest.mark.parametrize("method", list(upsample.METHODS))
@SETTINGS
@given(data=st.data(), factor=st.integers(1, 32), frac=st.sampled_from([0.01, 1.0]))
def test_upsample_is_finite(method, data, factor, frac):
    d, _, rng = _inputs(data, max_side=12)
    h, w = d.shape
    g = rng.integers(0, 256, (h * factor, w * factor, 3), dtype=np.uint8)
    if method == "learned" and factor > 16:  # trained for 2-16: a clear refusal, no output
        with pytest.raises(InputError, match="factor"):
            upsample.upsample(_sparse(d, frac, rng), factor, g, method=method)
        return
    out = upsample.upsample(_sparse(d, frac, rng), factor, g, method=method)
    assert out.shape == (h * factor, w * factor) and np.isfinite(out).all()
