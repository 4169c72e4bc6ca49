"""Header-only size probes: the size of an image without decoding its pixels.

The format is recognised from the first bytes of the file, not from its extension. PNG,
PFM, NPY, Sintel .dpt and JPEG headers are parsed here; TIFF goes through tifffile, EXR
through OpenEXR (header only), anything else through ``PIL.Image.open`` (lazy: reads the
header) and, as a last resort, a full OpenCV decode.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np

from ._errors import ReadError, as_path, check_input_file, one_line

__all__ = ["MAX_PIXELS", "image_size"]

#: Largest image (height x width, or values for an array) the readers decode: 2**30, about
#: a 32768 x 32768 image, 4 GiB as float32 depth. ``read_depth``/``read_image`` check it
#: from the file header before decoding and raise ``ReadError`` naming the size; pass
#: ``max_pixels=`` to them to raise or lower it for one call.
MAX_PIXELS = 2**30

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_NPY_MAGIC = b"\x93NUMPY"
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_EXR_MAGIC = b"\x76\x2f\x31\x01"
DPT_TAG = 202021.25
_DPT_MAGIC = np.float32(DPT_TAG).astype("<f4").tobytes()
_PFM_HEADER_MAX = 4096  # bytes; a PFM header is a few dozen


def image_size(path) -> tuple[int, int]:
    """The ``(height, width)`` of an image or depth file, from its header only.

    Parameters
    ----------
    path : str or Path
        Any format the readers know (PNG, PFM, NPY, TIFF, EXR, .dpt) or a guide image
        (JPEG, BMP, WebP...). The format is recognised from the content. For an NPY
        array of shape (H, W) or (H, W, C) the result is (H, W).

    Raises
    ------
    ReadError
        Missing file, folder, unreadable or corrupt header, unknown format, or an empty
        (zero-width or zero-height) image.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from depthsmith.io import image_size, write_depth
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "d.pfm"
    >>> _ = write_depth(f, np.ones((3, 5), np.float32))
    >>> image_size(f)
    (3, 5)
    """
    p = as_path(path)
    check_input_file(p)
    size = probe(p)
    if size is None:
        size = _decode_size(p)
    check_size(p, size, None)
    return size


def check_size(p: Path, size: tuple[int, int], max_pixels: int | None) -> None:
    """ReadError when ``size`` (height, width) is empty or holds more than ``max_pixels``
    pixels (None: no limit)."""
    h, w = size
    if h <= 0 or w <= 0:
        raise ReadError(f"{p}: is empty ({w}x{h})")
    if max_pixels is not None and h * w > max_pixels:
        raise ReadError(f"{p}: {w}x{h} image ({h * w:,} pixels) is over the limit of "
                        f"{max_pixels:,} (depthsmith.io.MAX_PIXELS): refusing to decode it")


def resolve_max_pixels(max_pixels) -> int:
    """The pixel limit of one call: ``max_pixels`` or the module's ``MAX_PIXELS``."""
    from .._validate import InputError

    if max_pixels is None:
        return MAX_PIXELS
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)) \
            or max_pixels < 1:
        raise InputError(f"max_pixels must be a positive integer, got {max_pixels!r}")
    return int(max_pixels)


def probe(p: Path) -> tuple[int, int] | None:
    """(height, width) from the header, None when the format has no header parser here
    (the caller then decodes with OpenCV); ReadError for a recognised but corrupt header."""
    try:
        with open(p, "rb") as f:
            head = f.read(16)
            if not head:
                raise ReadError(f"{p}: file is empty (0 bytes)")
            if head.startswith(_PNG_SIG):
                return _png_size(f, p)
            if head[:2] in (b"Pf", b"PF") and head[2:3].isspace():
                w, h, _c, _endian = pfm_header(f, p)
                return h, w
            if head.startswith(_NPY_MAGIC):
                shape, _dtype = npy_header(f, p)
                return _npy_size(p, shape)
            if head[:4] == _DPT_MAGIC:
                w, h = dpt_size(head, p)
                return h, w
            if head.startswith(b"\xff\xd8\xff"):
                return _jpeg_size(f, p)
    except OSError as e:
        if isinstance(e, ReadError):
            raise
        raise ReadError(f"{p}: cannot be read ({e.strerror or one_line(e)})") from None
    if head[:4] in _TIFF_MAGICS:
        return _tiff_size(p)
    if head[:4] == _EXR_MAGIC:
        size = _exr_size(p)
        if size is not None:
            return size
    return _pil_size(p)


# ---------------------------------------------------------------- per-format headers
def _png_size(f, p: Path) -> tuple[int, int]:
    f.seek(8)
    chunk = f.read(8 + 13)
    if len(chunk) < 21 or chunk[4:8] != b"IHDR" or struct.unpack(">I", chunk[:4])[0] != 13:
        raise ReadError(f"{p}: corrupt PNG (no IHDR header chunk)")
    w, h = struct.unpack(">II", chunk[8:16])
    return int(h), int(w)


def pfm_header(f, p: Path) -> tuple[int, int, int, str]:
    """Parse a PFM header from the start of ``f``; leave ``f`` at the first pixel byte.

    Returns (width, height, channels, numpy byte order). Tokens are separated by any
    whitespace (one per line in practice); ``#`` comments are skipped.
    """
    f.seek(0)
    tokens: list[bytes] = []
    tok = b""
    n = 0
    last = b""
    while len(tokens) < 4:
        c = f.read(1)
        n += 1
        if not c:
            raise ReadError(f"{p}: truncated PFM header ({n - 1} bytes)")
        if n > _PFM_HEADER_MAX:
            raise ReadError(f"{p}: malformed PFM header (no pixel data after "
                            f"{_PFM_HEADER_MAX} bytes)")
        if c == b"#" and not tok:
            while c not in (b"\n", b"") and n <= _PFM_HEADER_MAX:
                c = f.read(1)
                n += 1
            continue
        if c.isspace():
            if tok:
                tokens.append(tok)
                tok = b""
                last = c
                if len(tokens) == 1 and tokens[0] not in (b"Pf", b"PF"):
                    raise ReadError(f"{p}: not a PFM file (header {tokens[0][:8]!r}): "
                                    "expected Pf or PF")
            continue
        tok += c
    if last == b"\r":  # a CRLF header: the pixels start after the LF
        pos = f.tell()
        if f.read(1) != b"\n":
            f.seek(pos)
    magic, ws, hs, ss = tokens
    if not (re.fullmatch(rb"\d{1,10}", ws) and re.fullmatch(rb"\d{1,10}", hs)):
        raise ReadError(f"{p}: malformed PFM size {ws[:16]!r} {hs[:16]!r}: expected two "
                        "whole numbers (width height)")
    try:
        scale = float(ss.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise ReadError(f"{p}: malformed PFM scale {ss[:16]!r}: expected a number (negative "
                        "= little-endian, e.g. -1.0)") from None
    if not np.isfinite(scale):
        raise ReadError(f"{p}: PFM scale {ss[:16].decode('ascii')!r} is not a finite number: "
                        "expected e.g. -1.0 (little-endian) or 1.0 (big-endian)")
    return int(ws), int(hs), 3 if magic == b"PF" else 1, "<" if scale < 0 else ">"


def npy_header(f, p: Path) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) of an NPY file from its header (numpy.lib.format), ``f`` at 0."""
    from numpy.lib import format as npf

    f.seek(0)
    try:
        version = npf.read_magic(f)
        if version == (1, 0):
            shape, _fortran, dtype = npf.read_array_header_1_0(f)
        else:  # 2.0 and 3.0 differ only in the header's length field / text encoding
            shape, _fortran, dtype = npf.read_array_header_2_0(f)
    except (ValueError, EOFError, SyntaxError, TypeError, KeyError) as e:
        raise ReadError(f"{p}: cannot be read as NPY ({one_line(e)})") from None
    return tuple(int(s) for s in shape), np.dtype(dtype)


def _npy_size(p: Path, shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) not in (2, 3):
        raise ReadError(f"{p}: NPY array of shape {shape} is not an image: expected (H, W) "
                        "or (H, W, C)")
    return shape[0], shape[1]


def dpt_size(head: bytes, p: Path) -> tuple[int, int]:
    """(width, height) of a Sintel .dpt file from its first 12 bytes."""
    if len(head) < 12 or head[:4] != _DPT_MAGIC:
        raise ReadError(f"{p}: not a Sintel .dpt file (too short or wrong tag)")
    w, h = struct.unpack("<ii", head[4:12])
    if w < 0 or h < 0:
        raise ReadError(f"{p}: corrupt Sintel .dpt header (size {w}x{h})")
    return w, h


def _jpeg_size(f, p: Path) -> tuple[int, int]:
    """Walk the JPEG markers up to the frame header (SOFn), which holds the size."""
    f.seek(2)
    while True:
        b = f.read(1)
        if b != b"\xff":
            raise ReadError(f"{p}: corrupt or truncated JPEG header")
        m = f.read(1)
        while m == b"\xff":  # fill bytes
            m = f.read(1)
        if not m:
            raise ReadError(f"{p}: truncated JPEG header")
        code = m[0]
        if code == 0x01 or 0xD0 <= code <= 0xD8:  # markers without a length
            continue
        if code in (0xD9, 0xDA):
            raise ReadError(f"{p}: corrupt JPEG (no frame header before the image data)")
        seg = f.read(2)
        if len(seg) < 2 or struct.unpack(">H", seg)[0] < 2:
            raise ReadError(f"{p}: corrupt or truncated JPEG header")
        length = struct.unpack(">H", seg)[0]
        if 0xC0 <= code <= 0xCF and code not in (0xC4, 0xC8, 0xCC):
            sof = f.read(5)
            if len(sof) < 5:
                raise ReadError(f"{p}: truncated JPEG frame header")
            h, w = struct.unpack(">HH", sof[1:5])
            return int(h), int(w)
        f.seek(length - 2, 1)


def _tiff_size(p: Path) -> tuple[int, int]:
    import tifffile

    try:
        with tifffile.TiffFile(p) as tif:
            if len(tif.pages) == 0:
                raise ReadError(f"{p}: TIFF file has no image")
            page = tif.pages[0]
            return int(page.imagelength), int(page.imagewidth)
    except ReadError:
        raise
    except Exception as e:  # tifffile raises many types for corrupt files
        raise ReadError(f"{p}: cannot be read as TIFF ({one_line(e)})") from None


def _exr_size(p: Path) -> tuple[int, int] | None:
    try:
        import OpenEXR
    except ImportError:
        return None
    try:
        with OpenEXR.File(str(p), header_only=True) as f:
            (x0, y0), (x1, y1) = f.header()["dataWindow"]
    except Exception as e:
        raise ReadError(f"{p}: cannot be read as OpenEXR ({one_line(e)})") from None
    return int(y1) - int(y0) + 1, int(x1) - int(x0) + 1


def _pil_size(p: Path) -> tuple[int, int] | None:
    try:
        import warnings

        from PIL import Image
    except ImportError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: we only read the size
            with Image.open(p) as im:
                w, h = im.size
                return int(h), int(w)
    except Exception:  # unknown format, or over PIL's own bomb limit: let OpenCV decide
        return None


def _decode_size(p: Path) -> tuple[int, int]:
    """Last resort for formats without a header parser: decode with OpenCV."""
    import cv2

    try:
        a = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
    except cv2.error as e:
        raise ReadError(f"{p}: cannot be read as an image ({one_line(e)})") from None
    if a is None:
        raise ReadError(f"{p}: not an image in a known format")
    return int(a.shape[0]), int(a.shape[1])
