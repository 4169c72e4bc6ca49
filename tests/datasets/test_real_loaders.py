"""Loaders of the SR-STANDARD / -RGBDD sets: middlebury_sr30, lu2014_kinect, rgbdd."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith.datasets import LOADERS, load, scenes
from depthsmith.io import read_depth


def test_registered():
    assert {"middlebury_sr30", "lu2014_kinect", "rgbdd"} <= set(LOADERS)


@pytest.mark.parametrize("scene, scale", [("01_aloe", 3), ("13_cones", 4), ("27_teddy", 4),
                                          ("30_barn1", 8)])
def test_sr30_scale_and_png_values(data_root, scene, scale):
    folder = data_root / "middlebury_sr30" / scene
    s = load(folder)
    raw = read_depth(folder / "disp_filled.png")
    assert s.name == f"middlebury_sr30/{scene}" and s.kind == "disparity" and s.units == "px"
    assert s.scale == scale and s.rgb.shape[:2] == s.depth.shape
    np.testing.assert_array_equal(s.extra["png"], np.nan_to_num(raw, nan=0.0))
    assert s.extra["png"].max() <= 255 and s.extra["png"].min() >= 0
    np.testing.assert_allclose(s.depth[s.valid] * scale, raw[s.valid], rtol=1e-6)


def test_set_sizes(data_root):
    assert len(scenes("middlebury_sr30", data_root)) == 20
    assert len(scenes("lu2014_kinect", data_root)) == 6
    assert len(scenes("rgbdd", data_root)) == 204
    real = scenes("rgbdd", data_root, require=("depth_lr_phone_filled_mm.png",))
    assert len(real) == 3


def test_lu_is_relative_png_values(data_root):
    s = load(data_root / "lu2014_kinect" / "RGBD_01")
    assert s.units == "relative" and s.scale == 1.0 and s.depth.shape == (480, 640)
    assert np.nanmax(s.depth) == 255 and s.valid.mean() > 0.999


def test_rgbdd_millimetres_and_real_lr(data_root):
    s = load(data_root / "rgbdd" / "20200509112638")
    assert s.units == "mm" and s.kind == "depth" and s.depth.shape == (384, 512)
    assert s.rgb.shape == (384, 512, 3) and 899 <= np.nanmin(s.depth) <= np.nanmax(s.depth) <= 2326
    assert s.extra["depth_lr"].shape == (144, 192)
    other = load(data_root / "rgbdd" / "20200509114740")
    assert other.extra["depth_lr"] is None
