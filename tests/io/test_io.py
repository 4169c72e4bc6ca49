"""Round trips for every depth format, invalid-value mapping, errors, atomic writes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from depthsmith.io import (
    FORMATS,
    check_output,
    colorize,
    error_map,
    read_depth,
    read_image,
    write_depth,
    write_image,
)
from depthsmith.io._depth import ReadError, UnsupportedFormatError


def _depth(rng, shape=(23, 31)):
    d = rng.uniform(0.5, 80.0, shape).astype(np.float32)
    d[rng.random(shape) < 0.1] = np.nan
    return d


@pytest.mark.parametrize("ext", [".pfm", ".npy", ".tif", ".tiff", ".exr", ".dpt"])
def test_float_formats_round_trip_exactly(tmp_path, rng, ext):
    d = _depth(rng)
    if ext == ".dpt":  # Sintel has no invalid marker: keep values finite
        d = np.nan_to_num(d, nan=1e11)
    p = write_depth(tmp_path / f"d{ext}", d)
    back = read_depth(p)
    assert back.dtype == np.float32 and back.shape == d.shape
    np.testing.assert_array_equal(np.isnan(back), np.isnan(d))
    np.testing.assert_array_equal(back[~np.isnan(d)], d[~np.isnan(d)])


@pytest.mark.parametrize("scale,bits", [(256.0, 16), (1000.0, 16), (4.0, 8), (1.0, None)])
def test_png_round_trip_with_scale(tmp_path, rng, scale, bits):
    limit = 65535 if bits != 8 else 255
    d = (rng.integers(1, limit, (17, 29)) / scale).astype(np.float32)
    d[0, 0] = np.nan
    p = write_depth(tmp_path / "d.png", d, scale=scale, bits=bits)
    back = read_depth(p, scale=scale)
    assert np.isnan(back[0, 0])
    np.testing.assert_allclose(back[1:], d[1:], rtol=0, atol=0.5 / scale + 1e-6)


def test_png_8bit_chosen_when_exact_and_16bit_otherwise(tmp_path):
    import cv2

    write_depth(tmp_path / "a.png", np.full((4, 4), 7, np.float32))
    assert cv2.imread(str(tmp_path / "a.png"), cv2.IMREAD_UNCHANGED).dtype == np.uint8
    write_depth(tmp_path / "b.png", np.full((4, 4), 7.25, np.float32), scale=256)
    assert cv2.imread(str(tmp_path / "b.png"), cv2.IMREAD_UNCHANGED).dtype == np.uint16


def test_png_out_of_range_raises_instead_of_clipping(tmp_path):
    with pytest.raises(ValueError, match="outside the 16-bit PNG range"):
        write_depth(tmp_path / "c.png", np.full((3, 3), 300.0, np.float32), scale=256)
    assert not (tmp_path / "c.png").exists()


def test_pfm_is_bottom_to_top_and_inf_is_invalid(tmp_path):
    d = np.arange(12, dtype=np.float32).reshape(3, 4) + 1
    d[2, 3] = np.nan
    p = write_depth(tmp_path / "d.pfm", d)
    raw = p.read_bytes()
    body = np.frombuffer(raw[raw.index(b"-1.0\n") + 5:], "<f4").reshape(3, 4)
    np.testing.assert_array_equal(body[0, :3], d[2, :3])  # first stored row is the bottom
    assert np.isinf(body[0, 3])


def test_real_files(data_root):
    kitti = read_depth(data_root / "kitti_depth/frame_0000000005/depth_gt.png", scale=256)
    assert kitti.shape == (375, 1242) and 5 < np.nanmax(kitti) < 90
    moto = read_depth(data_root / "middlebury2014/motorcycle/disp_gt.pfm")
    assert np.isnan(moto).any() and np.nanmax(moto) < 300
    sintel = read_depth(data_root / "sintel/market_2_frame_0001/depth_gt.dpt")
    assert sintel.shape == (436, 1024)


def test_unknown_format_lists_known(tmp_path):
    (tmp_path / "x.foo").write_bytes(b"0")
    with pytest.raises(UnsupportedFormatError, match=r"known: .*\.pfm"):
        read_depth(tmp_path / "x.foo")


@pytest.mark.parametrize("ext", sorted(set(FORMATS) - {".tiff"}))
def test_corrupt_or_missing_files_raise_read_error(tmp_path, ext):
    with pytest.raises(ReadError, match="no such file"):
        read_depth(tmp_path / f"missing{ext}")
    bad = tmp_path / f"bad{ext}"
    bad.write_bytes(b"this is not a depth file at all")
    with pytest.raises((ReadError, ValueError)):
        read_depth(bad)


def test_write_is_atomic_and_leaves_no_temp_on_failure(tmp_path):
    target = tmp_path / "d.png"
    write_depth(target, np.ones((4, 4), np.float32))
    before = target.read_bytes()
    with pytest.raises(ValueError):
        write_depth(target, np.full((4, 4), 1e9, np.float32), scale=256)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["d.png"]


def test_outputs_get_default_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        p = write_depth(tmp_path / "d.npy", np.ones((2, 2), np.float32))
    finally:
        os.umask(umask)
    assert (p.stat().st_mode & 0o777) == 0o644


def test_check_output_refuses_inputs_and_existing(tmp_path):
    f = tmp_path / "in.png"
    f.write_bytes(b"x")
    with pytest.raises(FileExistsError, match="also an input"):
        check_output(f, overwrite=True, inputs=[f])
    with pytest.raises(FileExistsError, match="--overwrite"):
        check_output(f)
    assert check_output(f, overwrite=True) == f


def test_read_image_and_colorize(tmp_path, rng):
    rgb = rng.integers(0, 255, (9, 11, 3), dtype=np.uint8)
    write_image(tmp_path / "g.png", rgb)
    np.testing.assert_array_equal(read_image(tmp_path / "g.png"), rgb)
    d = _depth(rng, (9, 11))
    c = colorize(d)
    assert c.shape == (9, 11, 3) and c.dtype == np.uint8
    assert (c[np.isnan(d)] == 0).all()
    e = error_map(d, np.nan_to_num(d, nan=1.0))
    assert e.shape == (9, 11, 3)
