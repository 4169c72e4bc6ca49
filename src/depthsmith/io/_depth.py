"""Depth readers and writers, one small function pair per format, chosen by extension."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .._validate import DepthsmithError, InputError, check_depth
from ._atomic import atomic_path
from ._errors import ReadError, UnsupportedFormatError, as_path, check_input_file, one_line
from ._probe import (
    DPT_TAG,
    check_size,
    dpt_size,
    npy_header,
    pfm_header,
    probe,
    resolve_max_pixels,
)

__all__ = ["FORMATS", "read_depth", "write_depth", "UnsupportedFormatError", "ReadError"]

_FLOAT_FORMATS = ".pfm/.npy/.tiff/.exr"


# ---------------------------------------------------------------- PNG (8/16-bit, KITTI, NYU)
def _read_png(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    except cv2.error as e:
        raise ReadError(f"{path}: cannot be read as PNG ({one_line(e)})") from None
    if raw is None:
        raise ReadError(f"{path}: cannot be read as PNG")
    if raw.ndim == 3:
        if not (raw[..., :3] == raw[..., :1]).all():
            raise InputError(f"{path}: a depth PNG must have one channel, found {raw.shape[2]}")
        raw = raw[..., 0]
    if raw.dtype not in (np.uint8, np.uint16):
        raise InputError(f"{path}: PNG dtype {raw.dtype}; expected 8- or 16-bit")
    return raw.astype(np.float32), raw == 0


def _png_raw(name, depth: np.ndarray, scale: float, scale_given: bool,
             bits: int | None) -> np.ndarray:
    """The integers a PNG would store, or InputError naming ``name`` when storing them
    would lose data silently: a valid (> 0) value rounding to 0 (= invalid), a value
    outside the bit depth's range, or non-integer values written without a scale."""
    finite = np.isfinite(depth)
    vals = depth[finite].astype(np.float64) * scale
    if not scale_given and vals.size and not np.array_equal(vals, np.rint(vals)):
        bad = vals[vals != np.rint(vals)][0]
        raise InputError(f"{name}: depth has non-integer values (e.g. {bad:g}) and PNG stores "
                         "integers: pass scale (e.g. 256, 1000) or write "
                         f"{_FLOAT_FORMATS}")
    stored = np.rint(vals)
    top = float(stored.max(initial=0))
    low = float(stored.min(initial=0))
    if bits is None:
        bits = 8 if top <= 255 and scale == 1 and np.array_equal(stored, vals) else 16
    limit = 255 if bits == 8 else 65535
    if low < 0 or top > limit:
        raise InputError(f"{name}: depth x scale {scale:g} spans [{low:g}, {top:g}], "
                         f"outside the {bits}-bit PNG range [0, {limit}]: pass another scale "
                         f"or write {_FLOAT_FORMATS}")
    lost = (vals > 0) & (stored == 0)
    if lost.any():
        small = float(vals[lost].min()) / scale
        raise InputError(f"{name}: {int(lost.sum())} valid depth values (smallest {small:g}) "
                         f"are below {0.5 / scale:g} and would be stored as 0 (= invalid) with "
                         f"scale {scale:g}: pass a larger scale or write {_FLOAT_FORMATS}")
    raw = np.zeros(depth.shape, np.uint8 if bits == 8 else np.uint16)
    raw[finite] = stored
    return raw


def _write_png(path: Path, raw: np.ndarray) -> None:
    try:
        ok = cv2.imwrite(str(path), raw)
    except cv2.error as e:
        raise InputError(f"{path}: cannot write PNG ({one_line(e)})") from None
    if not ok:
        raise InputError(f"{path}: cannot write PNG")


# ---------------------------------------------------------------- PFM (Middlebury 2014, Scene Flow)
def _read_pfm(path: Path, max_pixels: int) -> np.ndarray:
    with open(path, "rb") as f:
        w, h, c, endian = pfm_header(f, path)
        if c != 1:
            raise ReadError(f"{path}: a 3-channel PFM (PF) is a colour image, not a depth map: "
                            "expected a one-channel Pf file")
        buf = _read_float_pixels(f, path, h, w, max_pixels, "PFM")
    a = np.frombuffer(buf, dtype=endian + "f4").reshape(h, w)[::-1]
    return a.astype(np.float32)


def _read_float_pixels(f, path, h, w, max_pixels, kind) -> bytes:
    """The ``h x w`` float32 pixels after a header (size-checked first), or a ReadError."""
    check_size(path, (h, w), max_pixels)
    nbytes = w * h * 4
    buf = f.read(nbytes)
    if len(buf) < nbytes:
        raise ReadError(f"{path}: truncated {kind}: {len(buf)} bytes of pixels, expected "
                        f"{nbytes} for {w}x{h}")
    return buf


def _write_pfm(path: Path, depth: np.ndarray) -> None:
    a = np.where(np.isfinite(depth), depth, np.inf).astype("<f4")[::-1]
    with open(path, "wb") as f:
        f.write(b"Pf\n%d %d\n-1.0\n" % (a.shape[1], a.shape[0]))
        f.write(np.ascontiguousarray(a).tobytes())


# ---------------------------------------------------------------- MPI Sintel .dpt
def _read_dpt(path: Path, max_pixels: int) -> np.ndarray:
    with open(path, "rb") as f:
        w, h = dpt_size(f.read(12), path)
        buf = _read_float_pixels(f, path, h, w, max_pixels, ".dpt")
    return np.frombuffer(buf, "<f4").reshape(h, w).astype(np.float32)


def _write_dpt(path: Path, depth: np.ndarray) -> None:
    with open(path, "wb") as f:
        f.write(np.float32(DPT_TAG).astype("<f4").tobytes())
        f.write(np.array([depth.shape[1], depth.shape[0]], "<i4").tobytes())
        f.write(depth.astype("<f4").tobytes())


# ---------------------------------------------------------------- NPY, TIFF, EXR
def _depth_shape(path: Path, shape: tuple[int, ...], max_pixels: int) -> None:
    """Refuse, before decoding, an array that is not (H, W) / (H, W, 1) or is too big."""
    if not (len(shape) == 2 or (len(shape) == 3 and shape[2] == 1)):
        raise InputError(f"{path} shape {shape} is not a depth map: expected (H, W)")
    check_size(path, (shape[0], shape[1]), max_pixels)


def _read_npy(path: Path, max_pixels: int) -> np.ndarray:
    with open(path, "rb") as f:
        shape, _dtype = npy_header(f, path)
    _depth_shape(path, shape, max_pixels)
    try:
        a = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise ReadError(f"{path}: cannot be read as NPY ({one_line(e)})") from None
    return check_depth(a, str(path))


def _read_tiff(path: Path, max_pixels: int) -> np.ndarray:
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            shape = tuple(int(s) for s in tif.series[0].shape if s != 1) or (1, 1)
            _depth_shape(path, shape, max_pixels)
            a = tif.asarray()
    except DepthsmithError:
        raise
    except Exception as e:  # tifffile raises many types for corrupt files
        raise ReadError(f"{path}: cannot be read as TIFF ({one_line(e)})") from None
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
        raise ReadError(f"{path}: cannot be read as OpenEXR ({one_line(e)})") from None
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


def read_depth(path, *, scale=None, format=None, max_pixels=None) -> np.ndarray:  # noqa: A002
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
    max_pixels : int, optional
        Refuse (``ReadError``) a file whose header declares more pixels than this, before
        decoding it; default ``depthsmith.io.MAX_PIXELS`` (2**30).

    Returns
    -------
    (H, W) float32 ndarray
        Zeros of integer PNGs and +inf of PFMs become NaN; float formats keep their values.

    Raises
    ------
    ReadError
        Missing file, folder, unreadable, corrupt, truncated, empty or too large file, a
        colour PFM. Third-party decoder errors are wrapped in it.
    UnsupportedFormatError
        Unknown extension (the message lists the known ones).
    InputTypeError
        ``path`` is not a str or os.PathLike.

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
    p = as_path(path)
    check_input_file(p)
    ext = _format_of(p, format)
    s = _check_scale(scale)
    limit = resolve_max_pixels(max_pixels)
    try:
        size = probe(p)
        if size is not None:
            check_size(p, size, limit)
        if ext == ".png":
            a, invalid = _read_png(p)
            a[invalid] = np.nan
        elif ext == ".pfm":
            a = _read_pfm(p, limit)
            a[np.isinf(a)] = np.nan
        elif ext == ".dpt":
            a = _read_dpt(p, limit)
        elif ext == ".npy":
            a = _read_npy(p, limit)
        elif ext in (".tif", ".tiff"):
            a = _read_tiff(p, limit)
        else:
            a = _read_exr(p)
    except DepthsmithError:
        raise
    except MemoryError:
        raise ReadError(f"{p}: not enough memory to read it") from None
    except OSError as e:
        raise ReadError(f"{p}: cannot be read ({e.strerror or one_line(e)})") from None
    except Exception as e:  # a decoder's own error: never leak it raw
        raise ReadError(f"{p}: cannot be read as {ext[1:].upper()} "
                        f"({type(e).__name__}: {one_line(e)})") from None
    if s != 1.0:
        a = a / np.float32(s)
    return np.ascontiguousarray(a, dtype=np.float32)


def write_depth(path, depth, *, scale=None, bits=None, format=None,  # noqa: A002
                overwrite: bool = True) -> Path:
    """Write a depth map atomically (temporary file, then rename).

    Parameters
    ----------
    path : str or Path
        Output file; the format comes from the extension.
    depth : (H, W) ndarray
        Depth in user units; NaN/inf = invalid.
    scale : float, optional
        PNG only: stored value = ``round(depth * scale)``. PNG never loses data silently:
        ``InputError`` when a value is outside the PNG range (instead of clipping), when a
        valid (> 0) value would round to 0 (= invalid), or when the map holds non-integer
        values and no scale is given (integer-valued maps need none).
    bits : {8, 16}, optional
        PNG bit depth; default 8 when every value fits exactly in 8 bits, else 16.
    overwrite : bool
        Replace an existing file (default). With False the file is published exclusively:
        ``OutputExistsError`` if it exists, even if it appeared while writing.

    Returns
    -------
    Path of the written file.
    """
    p = as_path(path)
    ext = _format_of(p, format)
    s = _check_scale(scale)
    d = check_depth(depth)
    if bits not in (None, 8, 16):
        raise InputError(f"bits must be 8 or 16, got {bits!r}")
    if ext != ".png" and scale is not None and s != 1.0:
        raise InputError(f"scale applies to PNG only, not to {ext} (float formats store "
                         "values as they are)")
    raw = _png_raw(p, d, s, scale is not None, bits) if ext == ".png" else None
    with atomic_path(p, overwrite=overwrite) as tmp:
        if raw is not None:
            _write_png(tmp, raw)
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
