"""Depth readers and writers, one small function pair per format, chosen by extension."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from .._validate import DepthsmithError, InputError, check_depth
from ._atomic import atomic_path

__all__ = ["FORMATS", "read_depth", "write_depth", "UnsupportedFormatError", "ReadError"]

_DPT_TAG = 202021.25


class UnsupportedFormatError(DepthsmithError, ValueError):
    """A file extension no reader/writer knows."""


class ReadError(DepthsmithError, OSError):
    """A file is missing, unreadable or corrupt."""


# ---------------------------------------------------------------- PNG (8/16-bit, KITTI, NYU)
def _read_png(path: Path) -> tuple[np.ndarray, np.ndarray]:
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise ReadError(f"{path}: cannot be read as PNG")
    if raw.ndim == 3:
        if not (raw[..., :3] == raw[..., :1]).all():
            raise InputError(f"{path}: a depth PNG must have one channel, found {raw.shape[2]}")
        raw = raw[..., 0]
    if raw.dtype not in (np.uint8, np.uint16):
        raise InputError(f"{path}: PNG dtype {raw.dtype}; expected 8- or 16-bit")
    return raw.astype(np.float32), raw == 0


def _write_png(path: Path, depth: np.ndarray, scale: float, bits: int | None) -> None:
    finite = np.isfinite(depth)
    raw = np.where(finite, np.rint(np.where(finite, depth, 0) * scale), 0)
    top = float(raw.max(initial=0))
    if bits is None:
        bits = 8 if top <= 255 and scale == 1 and np.all(raw == depth * scale, where=finite) \
            else 16
    limit = 255 if bits == 8 else 65535
    if (raw < 0).any() or top > limit:
        raise InputError(f"{path}: depth x scale {scale:g} spans [{raw.min():g}, {top:g}], "
                         f"outside the {bits}-bit PNG range [0, {limit}]: pass another scale")
    cv2.imwrite(str(path), raw.astype(np.uint8 if bits == 8 else np.uint16))


# ---------------------------------------------------------------- PFM (Middlebury 2014, Scene Flow)
def _read_pfm(path: Path) -> np.ndarray:
    with open(path, "rb") as f:
        header = f.readline().strip()
        if header not in (b"Pf", b"PF"):
            raise ReadError(f"{path}: not a PFM file (header {header[:8]!r})")
        dims = f.readline()
        while dims.startswith(b"#"):
            dims = f.readline()
        m = re.match(rb"^\s*(\d+)\s+(\d+)\s*$", dims)
        if not m:
            raise ReadError(f"{path}: malformed PFM size line {dims[:32]!r}")
        w, h = int(m.group(1)), int(m.group(2))
        scale = float(f.readline().strip())
        endian = "<" if scale < 0 else ">"
        c = 3 if header == b"PF" else 1
        data = np.frombuffer(f.read(), dtype=endian + "f4")
    if data.size < w * h * c:
        raise ReadError(f"{path}: PFM holds {data.size} values, expected {w * h * c}")
    a = data[: w * h * c].reshape(h, w, c)[::-1, :, 0]
    return a.astype(np.float32)


def _write_pfm(path: Path, depth: np.ndarray) -> None:
    a = np.where(np.isfinite(depth), depth, np.inf).astype("<f4")[::-1]
    with open(path, "wb") as f:
        f.write(b"Pf\n%d %d\n-1.0\n" % (a.shape[1], a.shape[0]))
        f.write(np.ascontiguousarray(a).tobytes())


# ---------------------------------------------------------------- MPI Sintel .dpt
def _read_dpt(path: Path) -> np.ndarray:
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12:
            raise ReadError(f"{path}: too short for a Sintel .dpt file")
        tag = np.frombuffer(head[:4], "<f4")[0]
        w, h = (int(v) for v in np.frombuffer(head[4:], "<i4"))
        if tag != np.float32(_DPT_TAG) or not (0 < w < 100000 and 0 < h < 100000):
            raise ReadError(f"{path}: not a Sintel .dpt file (tag {tag})")
        data = np.frombuffer(f.read(), "<f4")
    if data.size < w * h:
        raise ReadError(f"{path}: .dpt holds {data.size} values, expected {w * h}")
    return data[: w * h].reshape(h, w).astype(np.float32)


def _write_dpt(path: Path, depth: np.ndarray) -> None:
    with open(path, "wb") as f:
        f.write(np.float32(_DPT_TAG).astype("<f4").tobytes())
        f.write(np.array([depth.shape[1], depth.shape[0]], "<i4").tobytes())
        f.write(depth.astype("<f4").tobytes())


# ---------------------------------------------------------------- NPY, TIFF, EXR
def _read_npy(path: Path) -> np.ndarray:
    try:
        a = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise ReadError(f"{path}: cannot be read as NPY ({e})") from None
    return check_depth(a, str(path))


def _read_tiff(path: Path) -> np.ndarray:
    import tifffile

    try:
        a = tifffile.imread(path)
    except Exception as e:  # tifffile raises many types for corrupt files
        raise ReadError(f"{path}: cannot be read as TIFF ({e})") from None
    return check_depth(np.squeeze(a), str(path))


def _write_tiff(path: Path, depth: np.ndarray) -> None:
    import tifffile

    tifffile.imwrite(path, depth.astype(np.float32), compression="zlib")


def _openexr():
    try:
        import OpenEXR
    except ImportError:
        raise DepthsmithError("EXR support needs the 'exr' extra: "
                              "pip install depthsmith[exr]") from None
    return OpenEXR


def _read_exr(path: Path) -> np.ndarray:
    OpenEXR = _openexr()
    try:
        with OpenEXR.File(str(path)) as f:
            channels = f.channels()
            for key in ("Z", "Y", "R", "depth", "RGB", "RGBA"):
                if key in channels:
                    a = np.asarray(channels[key].pixels)
                    break
            else:
                a = np.asarray(next(iter(channels.values())).pixels)
    except DepthsmithError:
        raise
    except Exception as e:
        raise ReadError(f"{path}: cannot be read as OpenEXR ({e})") from None
    if a.ndim == 3:
        a = a[..., 0]
    return a.astype(np.float32)


def _write_exr(path: Path, depth: np.ndarray) -> None:
    OpenEXR = _openexr()
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, {"Z": np.ascontiguousarray(depth, np.float32)}) as f:
        f.write(str(path))


FORMATS = {
    ".png": "PNG 8/16-bit (value = depth x scale, 0 = invalid; KITTI scale 256, NYU 1000)",
    ".pfm": "PFM float32 (rows bottom-to-top, +inf = invalid; Middlebury 2014, Scene Flow)",
    ".npy": "NumPy array (float, NaN = invalid)",
    ".tif": "TIFF float32 (NaN = invalid)",
    ".tiff": "TIFF float32 (NaN = invalid)",
    ".exr": "OpenEXR float (channel Z, Y or R; NaN = invalid)",
    ".dpt": "MPI Sintel .dpt float32 depth",
}


def _format_of(path: Path, fmt: str | None) -> str:
    ext = ("." + fmt.lower().lstrip(".")) if fmt else path.suffix.lower()
    if ext not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise UnsupportedFormatError(f"{path}: unknown depth format {ext or '(none)'!r}; "
                                     f"known: {known}")
    return ext


def _check_scale(scale) -> float:
    s = 1.0 if scale is None else float(scale)
    if not np.isfinite(s) or s <= 0:
        raise InputError(f"scale must be a positive number, got {scale!r}")
    return s


def read_depth(path, *, scale=None, format=None) -> np.ndarray:  # noqa: A002
    """Read a depth or disparity map as float32 (H, W), unknown pixels NaN.

    Parameters
    ----------
    path : str or Path
        File to read; the format comes from the extension (see ``FORMATS``).
    scale : float, optional
        Stored value per unit: the result is ``raw / scale`` (KITTI 256, NYU 1000,
        Middlebury cones 4). Default 1, i.e. values as stored. Never guessed.
    format : str, optional
        Force a format (``"png"``, ``"pfm"``...) instead of the extension.

    Returns
    -------
    (H, W) float32 ndarray
        Zeros of integer PNGs and +inf of PFMs become NaN; float formats keep their values.

    Raises
    ------
    ReadError
        Missing, unreadable or corrupt file.
    UnsupportedFormatError
        Unknown extension (the message lists the known ones).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from depthsmith.io import read_depth, write_depth
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "d.png"
    >>> _ = write_depth(f, np.array([[1.5, 0.0], [2.0, 4.25]], np.float32), scale=256)
    >>> read_depth(f, scale=256)  # 16-bit PNG, 256 per metre as KITTI; 0 is unknown
    array([[1.5 ,  nan],
           [2.  , 4.25]], dtype=float32)
    """
    p = Path(path)
    ext = _format_of(p, format)
    s = _check_scale(scale)
    if not p.is_file():
        raise ReadError(f"{p}: no such file")
    if ext == ".png":
        a, invalid = _read_png(p)
        a[invalid] = np.nan
    elif ext == ".pfm":
        a = _read_pfm(p)
        a[np.isinf(a)] = np.nan
    elif ext == ".dpt":
        a = _read_dpt(p)
    elif ext == ".npy":
        a = _read_npy(p)
    elif ext in (".tif", ".tiff"):
        a = _read_tiff(p)
    else:
        a = _read_exr(p)
    if s != 1.0:
        a = a / np.float32(s)
    return np.ascontiguousarray(a, dtype=np.float32)


def write_depth(path, depth, *, scale=None, bits=None, format=None) -> Path:  # noqa: A002
    """Write a depth map atomically (temporary file, then rename).

    Parameters
    ----------
    path : str or Path
        Output file; the format comes from the extension.
    depth : (H, W) ndarray
        Depth in user units; NaN/inf = invalid.
    scale : float, optional
        PNG only: stored value = ``round(depth * scale)``; default 1. A value outside the
        PNG range raises instead of being clipped.
    bits : {8, 16}, optional
        PNG bit depth; default 8 when every value fits exactly in 8 bits, else 16.

    Returns
    -------
    Path of the written file.
    """
    p = Path(path)
    ext = _format_of(p, format)
    s = _check_scale(scale)
    d = check_depth(depth)
    if bits not in (None, 8, 16):
        raise InputError(f"bits must be 8 or 16, got {bits!r}")
    if ext != ".png" and scale is not None and s != 1.0:
        raise InputError(f"scale applies to PNG only, not to {ext} (float formats store "
                         "values as they are)")
    with atomic_path(p) as tmp:
        if ext == ".png":
            _write_png(tmp, d, s, bits)
        elif ext == ".pfm":
            _write_pfm(tmp, d)
        elif ext == ".dpt":
            _write_dpt(tmp, d)
        elif ext == ".npy":
            with open(tmp, "wb") as f:
                np.save(f, d)
        elif ext in (".tif", ".tiff"):
            _write_tiff(tmp, d)
        else:
            _write_exr(tmp, d)
    return p
