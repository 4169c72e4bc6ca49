"""``threads=`` / ``set_threads`` / ``DEPTHSMITH_NUM_THREADS``: one setting for numba, OpenCV
and BLAS, and results that do not depend on it (1 vs 2 threads, bit for bit, for every
registered method of every task)."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2
import numba
import numpy as np
import pytest

from depthsmith import _threads, complete, fill, refine, upsample
from depthsmith._validate import DepthsmithError, InputError
from depthsmith.defocus import MAP_METHODS, blur_map

H, W = 96, 128

needs_two = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2,
                               reason="numba's pool has one thread on this machine: 1 vs 2 "
                                      "threads cannot differ")


def _inputs():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:H, 0:W]
    step = xx > W // 2
    d = (2 + 0.003 * xx + 1.0 * step + 0.01 * rng.standard_normal((H, W))).astype(np.float32)
    rgb = np.zeros((H, W, 3), np.uint8)
    rgb[..., 0] = np.where(step, 200, 40)
    rgb[..., 1] = (yy % 40) * 5
    rgb[..., 2] = rng.integers(0, 40, (H, W))
    holes = d.copy()
    holes[30:50, 55:80] = np.nan
    holes[rng.random(d.shape) < 0.02] = np.nan
    sparse = np.where(rng.random(d.shape) < 0.05, d, 0).astype(np.float32)
    return d, rgb, holes, sparse


def _call(task, method, n):
    d, rgb, holes, sparse = _inputs()
    if task == "fill":
        return fill.fill_holes(holes, rgb, method=method, threads=n)
    if task == "refine":
        return refine.refine(holes, rgb, method=method, threads=n)
    if task == "refine-exact":
        return refine.refine(holes, rgb, method="joint_bilateral", fast=False, threads=n)
    if task == "complete":
        return complete.complete(sparse, rgb, method=method, threads=n)
    if task.startswith("upsample"):
        f = int(task[len("upsample"):])
        return upsample.upsample(d[f // 2::f, f // 2::f].copy(), f, rgb, method=method,
                                 threads=n)
    m = blur_map(rgb, method=method, threads=n)
    return np.stack([m.radius, m.confidence])


CASES = ([("fill", m) for m in fill.METHODS] + [("refine", m) for m in refine.METHODS]
         + [("refine-exact", "joint_bilateral")] + [("complete", m) for m in complete.METHODS]
         + [(f"upsample{f}", m) for f in (2, 8) for m in upsample.METHODS]
         + [("defocus", m) for m in MAP_METHODS])


@needs_two
@pytest.mark.parametrize(("task", "method"), CASES)
def test_one_and_two_threads_bit_identical(task, method):
    one = _call(task, method, 1)
    two = _call(task, method, 2)
    np.testing.assert_array_equal(one, two, err_msg=f"{task} {method}: 1 vs 2 threads")


@needs_two
def test_threads_block_sets_every_engine_and_restores():
    before = numba.get_num_threads(), cv2.getNumThreads()
    with _threads.threads(1) as n:
        assert n == 1 and _threads.current() == 1
        assert numba.get_num_threads() == 1 and cv2.getNumThreads() == 1
        with _threads.threads(2):
            assert numba.get_num_threads() == 2 and _threads.current() == 2
        assert numba.get_num_threads() == 1
    assert (numba.get_num_threads(), cv2.getNumThreads()) == before
    assert _threads.current() is None or os.environ.get(_threads.ENV)


def test_more_threads_than_numba_has_are_clamped():
    with _threads.threads(numba.config.NUMBA_NUM_THREADS + 5):
        assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS


def test_set_threads_is_the_default_of_the_entry_points():
    try:
        _threads.set_threads(1)
        assert _threads.current() == 1 and _threads.resolve(None) == 1
        assert _threads.resolve(2) == 2
    finally:
        _threads.set_threads(None)
    assert _threads.current() == _threads.env_threads()


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_bad_threads_is_one_line_error(bad):
    d, rgb, holes, _ = _inputs()
    with pytest.raises(DepthsmithError, match="threads") as info:
        refine.refine(d, rgb, threads=bad)
    assert "\n" not in str(info.value)
    with pytest.raises(DepthsmithError, match="threads"):
        _threads.set_threads(bad)


@pytest.mark.parametrize(("text", "want"), [("", None), ("3", 3), (" 1 ", 1)])
def test_env_variable_parsing(text, want):
    assert _threads.env_threads({_threads.ENV: text}) == want


@pytest.mark.parametrize("text", ["0", "two", "-2", "1.5"])
def test_bad_env_variable_names_it(text):
    with pytest.raises(InputError, match=_threads.ENV):
        _threads.env_threads({_threads.ENV: text})


def test_env_variable_read_at_import_of_the_entry_points():
    code = ("import depthsmith.refine, depthsmith._threads as t, os; "
            "print(t.current(), os.environ.get('OPENBLAS_NUM_THREADS'))")
    env = {**os.environ, _threads.ENV: "1"}
    env.pop("OPENBLAS_NUM_THREADS", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "1"]


def test_onnx_sessions_take_the_thread_setting(monkeypatch):
    from depthsmith.learn import _runtime

    seen = []

    class _Opts:
        intra_op_num_threads = 0
        inter_op_num_threads = 0
        log_severity_level = 0

        def add_session_config_entry(self, key, value):
            pass

    class _Ort:
        SessionOptions = _Opts

        @staticmethod
        def InferenceSession(path, sess_options, providers):  # noqa: N802 (onnxruntime's)
            seen.append(sess_options.intra_op_num_threads)
            return object()

    monkeypatch.setitem(sys.modules, "onnxruntime", _Ort)
    monkeypatch.setattr(_runtime, "_SESSIONS", {})
    path = next(_runtime.MODELS_DIR.glob("*.onnx"), None)
    if path is None:
        pytest.skip("no shipped ONNX model to open")
    with _threads.threads(1):
        _runtime.session(path)
    assert seen == [1]
