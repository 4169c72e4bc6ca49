"""The public API's error contract, fuzzed: bad dtypes, shapes, values and parameters give a
``DepthsmithError`` (one line, naming the argument) and never modify the inputs; fork and
thread safety of the numba kernels."""

from __future__ import annotations

import multiprocessing as mp
import subprocess
import sys
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depthsmith import complete, fill, metrics, refine, upsample
from depthsmith._validate import DepthsmithError

H, W = 12, 16


def _depth():
    rng = np.random.default_rng(0)
    d = rng.uniform(1, 3, (H, W)).astype(np.float32)
    d[3:6, 4:9] = 0
    return d


def _guide():
    return np.random.default_rng(1).integers(0, 256, (H, W, 3), dtype=np.uint8)


# entry points, called as f(depth, guide); upsample gets a quarter-size depth
CALLS = {
    "fill": lambda d, g, **k: fill.fill_holes(d, g, **k),
    "refine": lambda d, g, **k: refine.refine(d, g, **k),
    "complete": lambda d, g, **k: complete.complete(d, g, **k),
    "upsample": lambda d, g, **k: upsample.upsample(d, 4, g, **k),
    "evaluate": lambda d, g, **k: metrics.evaluate(d, np.ones((H, W), np.float32), **k),
}

BAD_DEPTHS = [
    np.zeros((H, W), bool),
    np.zeros((H, W), np.complex64),
    np.array([["a"] * W] * H),
    np.zeros(W, np.float32),
    np.zeros((2, H, W, 2), np.float32),
    np.zeros((0, W), np.float32),
    np.zeros((H, W), np.float32),  # all invalid
    np.full((H, W), np.nan, np.float32),
    None,
    "depth.png",
]

BAD_GUIDES = [
    np.zeros((H, W, 3), np.int64),
    np.zeros((H, W, 3), bool),
    np.full((H, W, 3), 200.0),  # a float guide holding 0-255 values
    np.zeros((H, W, 2), np.uint8),
    np.zeros((H + 1, W, 3), np.uint8),
    np.full((H, W, 3), np.nan, np.float32),
]

BAD_PARAMS = {
    "fill": [{"method": "nope"}, {"bogus": 1}, {"max_hole": -1}, {"method": "guided",
                                                                   "prefer": "left"},
             {"method": "normconv", "occlusion": True}],
    "refine": [{"method": "nope"}, {"bogus": 1}, {"confidence": -np.ones((H, W))},
               {"confidence": np.full((H, W), np.nan)}, {"confidence": np.zeros((H, W))},
               {"method": "guided", "radius": -2}],
    "complete": [{"method": "nope"}, {"bogus": 1}, {"method": "normconv", "order": 3}],
    "upsample": [{"method": "nope"}, {"method": "bicubic", "bogus": 1},
                 {"method": "jbu", "radius": 0}, {"size": (200000, 200000)}],
    "evaluate": [{"edge_radius": 2.5}, {"edge_radius": -1}, {"inverse_unit": 0},
                 {"inverse_unit": float("nan")}],
}


def _expect_error(fn, *args, **kw):
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with pytest.raises(DepthsmithError) as info:
        fn(*args, **kw)
    msg = str(info.value)
    assert msg and "\n" not in msg
    for a, c in zip(args, copies, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, c)
    return msg


@pytest.mark.parametrize("task", list(CALLS))
@pytest.mark.parametrize("bad", range(len(BAD_DEPTHS)))
def test_bad_depth(task, bad):
    d, g = BAD_DEPTHS[bad], (None if task == "upsample" else _guide())
    if task == "evaluate" and isinstance(d, np.ndarray) and d.ndim == 2 and d.size and \
            d.dtype.kind == "f" and np.isfinite(d).all():
        # a prediction of zeros is a valid (bad) prediction: it is scored
        assert metrics.evaluate(d, np.ones((H, W), np.float32))["rmse"] == pytest.approx(1.0)
        return
    _expect_error(CALLS[task], d, g)


@pytest.mark.parametrize("task", ["fill", "refine", "complete"])
@pytest.mark.parametrize("bad", range(len(BAD_GUIDES)))
def test_bad_guide(task, bad):
    _expect_error(CALLS[task], _depth(), BAD_GUIDES[bad])


@pytest.mark.parametrize(("task", "kw"), [(t, k) for t, ks in BAD_PARAMS.items() for k in ks])
def test_bad_params(task, kw):
    d, g = _depth(), _guide()
    if task == "upsample":
        d = np.random.default_rng(0).uniform(1, 3, (3, 4)).astype(np.float32)
        g = np.random.default_rng(1).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    _expect_error(CALLS[task], d, g, **kw)


@pytest.mark.parametrize("task", ["fill", "refine", "complete", "upsample"])
@pytest.mark.parametrize("kw", [{"tile": 0}, {"tile": 2.5}, {"tile": "64"}, {"threads": 0},
                                {"threads": -2}, {"threads": "2"}])
def test_bad_tile_or_threads(task, kw):
    d, g = _depth(), _guide()
    if task == "upsample":
        d = np.random.default_rng(0).uniform(1, 3, (3, 4)).astype(np.float32)
    assert next(iter(kw)) in _expect_error(CALLS[task], d, g, **kw)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task=st.sampled_from(["fill", "refine", "complete"]),
       dtype=st.sampled_from(["float32", "float64", "uint16", "int32", "uint8"]),
       scale=st.sampled_from([1e-3, 1.0, 1e3, 1e5]),
       frac=st.floats(0.0, 1.0), seed=st.integers(0, 2 ** 16))
def test_fuzz_values_either_work_or_say_why(task, dtype, scale, frac, seed):
    """Any dtype, any units, any fraction of valid pixels: a finite result (NaN only where
    documented) or a one-line DepthsmithError, and the inputs are never modified."""
    rng = np.random.default_rng(seed)
    d = (rng.uniform(1, 3, (H, W)) * scale)
    d[rng.random((H, W)) > frac] = 0
    d = d.astype(dtype)
    g = _guide()
    d0, g0 = d.copy(), g.copy()
    try:
        out = CALLS[task](d, g)
    except DepthsmithError as e:
        assert "no valid pixel" in str(e)
        assert not (d > 0).any()
    else:
        assert out.dtype == np.float32 and out.shape == (H, W)
        if task != "refine":
            assert np.isfinite(out).all()
    np.testing.assert_array_equal(d, d0)
    np.testing.assert_array_equal(g, g0)


def _refine_in_child(_):
    d = np.random.default_rng(2).uniform(1, 2, (40, 48)).astype(np.float32)
    g = np.random.default_rng(3).integers(0, 256, (40, 48, 3), dtype=np.uint8)
    return float(refine.refine(d, g).mean())


def test_forked_workers_after_a_parallel_call():
    # GNU OpenMP kills fork()ed children that use it; depthsmith's threading layer must not
    code = (
        "import multiprocessing as mp\n"
        "from tests.test_api_contract import _refine_in_child\n"
        "ref = _refine_in_child(0)\n"
        "with mp.get_context('fork').Pool(2) as p:\n"
        "    out = p.map_async(_refine_in_child, range(4)).get(timeout=60)\n"
        "assert all(abs(o - ref) < 1e-6 for o in out), (out, ref)\n"
        "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def test_threads_may_call_parallel_kernels_concurrently():
    ref = _refine_in_child(0)
    out, errors = [], []

    def work():
        try:
            for _ in range(3):
                out.append(_refine_in_child(0))
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(out) == 9 and all(abs(o - ref) < 1e-6 for o in out)


def test_spawned_workers_work_too():
    with mp.get_context("spawn").Pool(1) as p:
        assert p.map(_refine_in_child, [0])[0] == pytest.approx(_refine_in_child(0))
