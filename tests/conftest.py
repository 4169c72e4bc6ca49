"""Shared fixtures: the benchmark data (skipped with a message when absent), small inputs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from depthsmith.datasets import data_root as _data_root

# CI runs the property tests on a fixed example sequence (a red CI must be reproducible);
# locally each run draws new examples
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "cones"


@pytest.fixture(scope="session")
def data_root() -> Path:
    """``../shared/data``; tests that need it are skipped, with a reason, when it is absent."""
    root = _data_root()
    if root is None:
        pytest.skip("benchmark data absent: set DEPTHSMITH_DATA or provide ../shared/data")
    return root


@pytest.fixture(scope="session")
def cones():
    """The bundled Middlebury Cones sample (disparity px, NaN unknown) and its RGB guide."""
    from depthsmith.io import read_depth, read_image

    return read_depth(SAMPLE / "disp_gt.png", scale=4), read_image(SAMPLE / "rgb.png")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def read_only_dir(tmp_path):
    """An empty folder without write permission (restored afterwards); skipped, with the
    reason, where permissions do not bind (running as root)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as root: a read-only folder is writable")
        yield ro
    finally:
        ro.chmod(0o755)
