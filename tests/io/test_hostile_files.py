"""Hostile and broken inputs: readers raise one-line depthsmith errors naming the file, never
a raw numpy/OpenCV/OS exception; the header-only size probe and the pixel limit."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from depthsmith._validate import DepthsmithError, InputError, InputTypeError
from depthsmith.io import (
    MAX_PIXELS,
    ReadError,
    UnsupportedFormatError,
    image_size,
    read_depth,
    read_image,
    write_depth,
    write_image,
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _lying_png(w=100000, h=100000) -> bytes:
    """A valid-looking PNG whose IHDR declares w x h pixels but holds no image data."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b""))
            + _chunk(b"IEND", b""))


def _pfm(header: bytes, n_values: int = 0, endian: str = "<") -> bytes:
    return header + np.arange(n_values, dtype=endian + "f4").tobytes()


def _one_line_naming(exc: BaseException, path) -> None:
    msg = str(exc)
    assert "\n" not in msg, msg
    assert str(path) in msg, msg


# crafted file name -> (content, expected message fragment); all must raise ReadError
CRAFTED = {
    "empty.npy": (b"", "empty"),
    "empty.pfm": (b"", "empty"),
    "empty.png": (b"", "empty"),
    "zip.npy": (b"PK\x03\x04" + b"\0" * 40, "NPY"),
    "short.npy": (b"\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, ", "NPY"),
    "truncated.pfm": (b"Pf\n10 10\n-1.0\n" + b"\1" * 7, "truncated"),
    "truncated_header.pfm": (b"Pf\n10 ", "truncated PFM header"),
    "scale_abc.pfm": (b"Pf\n2 2\nabc\n" + b"\0" * 16, "scale"),
    "scale_nan.pfm": (b"Pf\n2 2\nnan\n" + b"\0" * 16, "not a finite number"),
    "scale_inf.pfm": (b"Pf\n2 2\n-inf\n" + b"\0" * 16, "not a finite number"),
    "colour.pfm": (_pfm(b"PF\n2 2\n-1.0\n", 12), "colour image, not a depth map"),
    "zero_width.pfm": (b"Pf\n0 10\n-1.0\n", "is empty (0x10)"),
    "bad_size.pfm": (b"Pf\n-3 4\n-1.0\n" + b"\0" * 48, "malformed PFM size"),
    "no_newlines.pfm": (b"Pf" + b"\t" + b"1" * 10000, "PFM"),
    "lying.png": (_lying_png(), "100000x100000"),
    "truncated.dpt": (struct.pack("<fii", 202021.25, 4, 4) + b"\0" * 5, "truncated"),
    "zero.dpt": (struct.pack("<fii", 202021.25, 0, 4), "is empty (0x4)"),
    "negative.dpt": (struct.pack("<fii", 202021.25, -4, 4), "corrupt"),
    "junk.tif": (b"II*\x00" + b"\xff" * 20, "TIFF"),
    "junk.exr": (b"\x76\x2f\x31\x01" + b"\0" * 20, "EXR"),
    "junk.png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "PNG"),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_files_raise_one_line_read_error(tmp_path, name):
    content, fragment = CRAFTED[name]
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(ReadError, match=None) as ei:
        read_depth(p)
    _one_line_naming(ei.value, p)
    assert fragment in str(ei.value)


def test_pfm_header_errors_name_what_was_expected(tmp_path):
    p = tmp_path / "abc.pfm"
    p.write_bytes(b"Pf\n2 2\nabc\n" + b"\0" * 16)
    with pytest.raises(ReadError, match=r"malformed PFM scale b'abc'.*expected a number"):
        read_depth(p)
    p.write_bytes(b"Pf\n10 10\n-1.0\n" + b"\1" * 7)
    with pytest.raises(ReadError, match="7 bytes of pixels, expected 400 for 10x10"):
        read_depth(p)


def test_pfm_big_endian_comments_and_one_line_header_still_read(tmp_path):
    want = np.arange(6, dtype=np.float32).reshape(2, 3) + 1
    p = tmp_path / "be.pfm"
    p.write_bytes(b"Pf\n# a comment\n3 2\n1.0\n" + want[::-1].astype(">f4").tobytes())
    np.testing.assert_array_equal(read_depth(p), want)
    p.write_bytes(b"Pf 3 2 -1.0\n" + want[::-1].astype("<f4").tobytes())
    np.testing.assert_array_equal(read_depth(p), want)
    p.write_bytes(b"Pf\r\n3 2\r\n-1.0\r\n" + want[::-1].astype("<f4").tobytes())
    np.testing.assert_array_equal(read_depth(p), want)


@pytest.mark.parametrize("reader", [read_depth, read_image, image_size])
def test_non_path_arguments_raise_input_type_error_naming_path(reader):
    for bad in (None, 3, b"d.png"):
        with pytest.raises(InputTypeError, match="^path must be a file path") as ei:
            reader(bad)
        assert "\n" not in str(ei.value)
    with pytest.raises(InputError, match="path is an empty string"):
        reader("")


@pytest.mark.parametrize("reader", [read_depth, read_image, image_size])
def test_folders_are_refused(tmp_path, reader):
    (tmp_path / "dir.png").mkdir()
    for p in (tmp_path, tmp_path / "dir.png"):
        with pytest.raises(ReadError, match="is a folder, not a file") as ei:
            reader(p)
        _one_line_naming(ei.value, p)


def test_missing_and_unknown_extension(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_depth(tmp_path / "nope.pfm")
    p = tmp_path / "d.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe0")
    with pytest.raises(UnsupportedFormatError, match=r"unknown depth format '\.jpg'; known: "):
        read_depth(p)
    p = tmp_path / "noext"
    p.write_bytes(b"0")
    with pytest.raises(UnsupportedFormatError, match="'\\(none\\)'"):
        read_depth(p)


def test_lying_png_header_is_refused_before_decoding(tmp_path):
    p = tmp_path / "huge.png"
    p.write_bytes(_lying_png())
    assert image_size(p) == (100000, 100000)
    for reader in (read_depth, read_image):
        with pytest.raises(ReadError, match=r"100000x100000 image .* over the limit") as ei:
            reader(p)
        _one_line_naming(ei.value, p)
    # above our limit OpenCV refuses it itself: its cv2.error must not leak either
    for reader in (read_depth, read_image):
        with pytest.raises(ReadError) as ei:
            reader(p, max_pixels=2**40)
        _one_line_naming(ei.value, p)


def test_max_pixels_default_and_per_call(tmp_path):
    assert MAX_PIXELS == 2**30
    p = write_depth(tmp_path / "d.png", np.ones((4, 5), np.float32))
    assert read_depth(p, max_pixels=20).shape == (4, 5)
    with pytest.raises(ReadError, match=r"5x4 image \(20 pixels\) is over the limit of 19"):
        read_depth(p, max_pixels=19)
    with pytest.raises(InputError, match="max_pixels"):
        read_depth(p, max_pixels=0)


@pytest.mark.parametrize("ext", [".png", ".pfm", ".npy", ".tif", ".exr", ".dpt"])
def test_pixel_limit_applies_to_every_depth_format(tmp_path, ext):
    p = write_depth(tmp_path / f"d{ext}", np.ones((6, 7), np.float32))
    assert read_depth(p, max_pixels=42).shape == (6, 7)
    with pytest.raises(ReadError, match="7x6 image"):
        read_depth(p, max_pixels=41)


def test_npy_shape_is_checked_from_the_header(tmp_path):
    p = tmp_path / "a.npy"
    np.save(p, np.zeros((4, 5, 3), np.float32))
    with pytest.raises(InputError, match=r"shape \(4, 5, 3\) is not a depth map"):
        read_depth(p)
    np.save(p, np.zeros((0, 5), np.float32))
    with pytest.raises(ReadError, match=r"is empty \(5x0\)"):
        read_depth(p)
    np.save(p, np.zeros(7, np.float32))
    with pytest.raises((ReadError, InputError), match=r"\(7,\)"):
        read_depth(p)


def test_image_size_every_format(tmp_path):
    d = np.arange(35, dtype=np.float32).reshape(5, 7) + 1
    for ext in (".png", ".pfm", ".npy", ".tif", ".tiff", ".exr", ".dpt"):
        assert image_size(write_depth(tmp_path / f"d{ext}", d)) == (5, 7), ext
    rgb = np.random.default_rng(0).integers(0, 255, (9, 11, 3), dtype=np.uint8)
    for ext in (".jpg", ".png", ".bmp", ".webp", ".tif", ".ppm"):
        assert image_size(write_image(tmp_path / f"g{ext}", rgb)) == (9, 11), ext
    np.save(tmp_path / "rgb.npy", rgb)
    assert image_size(tmp_path / "rgb.npy") == (9, 11)
    assert image_size(write_depth(tmp_path / "d16.png", d * 1000)) == (5, 7)  # 16-bit
    # the format is recognised from the content, not from the extension
    (tmp_path / "really_png.jpg").write_bytes((tmp_path / "d.png").read_bytes())
    assert image_size(tmp_path / "really_png.jpg") == (5, 7)


def test_image_size_refuses_unreadable_headers(tmp_path):
    for name, content in [("e.png", b""), ("junk.bin", b"not an image at all"),
                          ("trunc.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
                          ("z.pfm", b"Pf\n0 10\n-1.0\n"), ("lie.npy", b"\x93NUMPY\x01\x00")]:
        p = tmp_path / name
        p.write_bytes(content)
        with pytest.raises(ReadError) as ei:
            image_size(p)
        _one_line_naming(ei.value, p)
    with pytest.raises(ReadError, match="no such file"):
        image_size(tmp_path / "missing.png")


def test_read_image_errors_are_read_errors(tmp_path):
    p = tmp_path / "junk.png"
    p.write_bytes(b"definitely not a picture")
    with pytest.raises(ReadError) as ei:
        read_image(p)
    _one_line_naming(ei.value, p)
    rgba = np.random.default_rng(1).integers(0, 255, (4, 6, 4), dtype=np.uint8)
    np.testing.assert_array_equal(read_image(write_image(tmp_path / "a.png", rgba)),
                                  rgba[:, :, :3])


def test_every_reader_error_is_a_depthsmith_error(tmp_path):
    """Random garbage under every known extension: only depthsmith errors come out."""
    rng = np.random.default_rng(7)
    for ext in (".png", ".pfm", ".npy", ".tif", ".exr", ".dpt"):
        for i, head in enumerate([b"", b"Pf\n", b"\x93NUMPY", b"II*\x00", b"\x89PNG\r\n\x1a\n",
                                  struct.pack("<f", 202021.25), b"\x76\x2f\x31\x01"]):
            p = tmp_path / f"g{i}{ext}"
            p.write_bytes(head + rng.integers(0, 256, 40, dtype=np.uint8).tobytes())
            with pytest.raises(DepthsmithError) as ei:
                read_depth(p)
            assert "\n" not in str(ei.value)
