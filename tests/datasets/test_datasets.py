"""Dataset loaders on the shared data (skipped when absent) and on the bundled sample."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith.datasets import LOADERS, Sample, load, scenes
from depthsmith.datasets._loaders import load_middlebury
from depthsmith.io import read_depth

from ..conftest import SAMPLE


def test_bundled_sample_loads_as_middlebury():
    s = load_middlebury(SAMPLE)
    assert isinstance(s, Sample) and s.kind == "disparity" and s.units == "px"
    assert s.scale == 4 and s.rgb.shape == (375, 450, 3) and s.depth.shape == (375, 450)
    raw = read_depth(SAMPLE / "disp_gt.png")
    np.testing.assert_array_equal(s.valid, np.isfinite(raw))
    np.testing.assert_allclose(s.depth[s.valid], raw[s.valid] / 4)
    assert s.extra["disp_right"].shape == s.depth.shape


@pytest.mark.parametrize("dataset", sorted(LOADERS))
def test_every_dataset_loads(data_root, dataset):
    folders = scenes(dataset, data_root)
    assert folders, f"no {dataset} scene under {data_root}"
    s = load(folders[0])
    assert s.rgb.dtype == np.uint8 and s.rgb.shape[:2] == s.depth.shape
    assert s.depth.dtype == np.float32 and s.valid.dtype == bool and s.valid.any()
    assert np.isfinite(s.depth[s.valid]).all()
    assert s.name.startswith(dataset)


def test_units_and_scales(data_root):
    kitti = load(data_root / "kitti_depth" / "frame_0000000005")
    assert kitti.units == "m" and 0.1 < kitti.valid.mean() < 0.3 and kitti.intrinsics
    nyu = load(data_root / "nyu_v2" / "sample_00000")
    assert nyu.units == "m" and np.nanmax(nyu.depth) < 10
    ts = load(data_root / "middlebury" / "tsukuba")
    assert ts.scale == 16 and np.nanmax(ts.depth) <= 16
    hci = load(data_root / "hci4d" / "antinous")
    assert (hci.depth[hci.valid] < 0).any()  # signed disparity stays valid
    moto = load(data_root / "middlebury2014" / "motorcycle")
    assert moto.intrinsics[0] == pytest.approx(999.421) and moto.extra["calib"]["doffs"] > 0


def test_require_filters_scenes(data_root):
    with_right = scenes("middlebury", data_root, require=("disp_gt_right.png",))
    assert with_right and all((f / "disp_gt_right.png").is_file() for f in with_right)
    assert len(with_right) < len(scenes("middlebury", data_root))


def test_unknown_dataset_and_folder(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset"):
        scenes("nope")
    with pytest.raises(Exception, match="cannot tell the dataset"):
        load(tmp_path)
