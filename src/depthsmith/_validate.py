"""Shared input validation: every public function checks its arguments here.

Errors are ``ValueError``/``TypeError`` subclasses whose message names the argument,
what was expected and what was given, in one line, so the CLI can print them as is.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DepthsmithError", "InputError", "InputTypeError", "Guide", "check_depth", "check_guide",
    "check_valid", "default_valid", "check_positive", "check_int", "check_confidence", "as_rng",
]


class DepthsmithError(Exception):
    """Base class of depthsmith's own errors (a failure, CLI exit code 1)."""


class InputError(DepthsmithError, ValueError):
    """An argument has a wrong value, shape or content."""


class InputTypeError(DepthsmithError, TypeError):
    """An argument has a wrong type or dtype."""


def _shape(a) -> str:
    return str(tuple(int(s) for s in a.shape))


def check_depth(depth, name: str = "depth", *, allow_nonfinite: bool = True) -> np.ndarray:
    """Return ``depth`` as a C-contiguous float32 (H, W) array, or raise.

    Integer and float inputs are accepted (values are never rescaled); booleans, complex
    numbers and objects are refused. ``allow_nonfinite=False`` refuses NaN/inf.
    """
    a = np.asarray(depth)
    if a.dtype == bool or not (np.issubdtype(a.dtype, np.integer)
                               or np.issubdtype(a.dtype, np.floating)):
        raise InputTypeError(f"{name} dtype {a.dtype} is not supported: expected a float or "
                             "integer depth map")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim != 2:
        raise InputError(f"{name} shape {_shape(a)} is not a depth map: expected (H, W)")
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise InputError(f"{name} shape {_shape(a)} is empty")
    a = np.ascontiguousarray(a, dtype=np.float32)
    if not allow_nonfinite and not np.isfinite(a).all():
        raise InputError(f"{name} contains NaN or inf: expected finite values")
    return a


def default_valid(depth: np.ndarray) -> np.ndarray:
    """The default validity convention: finite and > 0."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(depth) & (depth > 0)


def check_valid(valid, depth: np.ndarray, name: str = "valid", *,
                require_any: bool = True) -> np.ndarray:
    """Resolve a validity mask for ``depth``: default finite & > 0, always & finite.

    Raises when the mask has the wrong shape, or (``require_any``) when no pixel is valid.
    """
    if valid is None:
        v = default_valid(depth)
    else:
        v = np.asarray(valid)
        if v.shape != depth.shape:
            raise InputError(f"{name} shape {_shape(v)} does not match depth shape "
                             f"{_shape(depth)}")
        if v.dtype != bool:
            if not (np.issubdtype(v.dtype, np.integer) or np.issubdtype(v.dtype, np.floating)):
                raise InputTypeError(f"{name} dtype {v.dtype} is not supported: expected bool")
            v = v != 0
        v = v & np.isfinite(depth)
    if require_any and not v.any():
        raise InputError(f"{name}: the depth map has no valid pixel (all invalid)")
    return np.ascontiguousarray(v)


class Guide:
    """A validated guide image: one value, one unit rule (like scikit-image's ``img_as_float``).

    Attributes
    ----------
    array : (H, W, C) float32 ndarray
        The guide in its own units (0-255 for uint8, 0-65535 for uint16, [0, 1] for float).
    step : float
        The size of one 8-bit level in the guide's units, from the dtype only: 1 for
        uint8, 257 for uint16 (whatever range the values use), 1/255 for float.
    dtype : numpy.dtype
        The dtype the caller passed.

    Every colour parameter of the library (``sigma_color``, guided-filter ``eps``, colour
    weights) is stated in 8-bit steps; the primitives read :attr:`levels`, the guide on the
    8-bit scale (``array / step``), so the same picture given as uint8, as uint16 (x257) or
    as float in [0, 1] gives the same result within float rounding.
    """

    __slots__ = ("_array", "step", "dtype", "_levels", "_u8")

    def __init__(self, array: np.ndarray | None, step: float, dtype,
                 u8: np.ndarray | None = None):
        # array None: a uint8 guide whose float32 copy is made on first use (a caller that
        # only needs :attr:`uint8` or a crop never holds a float copy of the whole frame)
        self._array = array
        self.step = float(step)
        self.dtype = np.dtype(dtype)
        self._levels = array if self.step == 1.0 else None
        self._u8 = u8

    @property
    def array(self) -> np.ndarray:
        """(H, W, C) float32 in the guide's own units (see the class docstring)."""
        if self._array is None:
            self._array = np.ascontiguousarray(self._u8, dtype=np.float32)
            if self.step == 1.0:
                self._levels = self._array
        return self._array

    @classmethod
    def from_levels(cls, levels: np.ndarray) -> Guide:
        """A guide already on the 8-bit scale (float, 0-255 for full range), e.g. a resampled
        :attr:`levels`; for internal pipelines that resize a validated guide."""
        a = np.ascontiguousarray(levels, dtype=np.float32)
        return cls(a if a.ndim == 3 else a[:, :, None], 1.0, np.float32)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self._u8 if self._array is None else self._array).shape

    @property
    def channels(self) -> int:
        return int(self.shape[2])

    @property
    def levels(self) -> np.ndarray:
        """(H, W, C) float32 on the 8-bit scale (0-255 for a full-range picture)."""
        if self._levels is None and self.step == 1.0:
            return self.array
        if self._levels is None:
            self._levels = np.ascontiguousarray(self.array * np.float32(1.0 / self.step),
                                                dtype=np.float32)
        return self._levels

    @property
    def uint8(self) -> np.ndarray | None:
        """The caller's (H, W, C) uint8 array when the guide was given as uint8, else None
        (OpenCV has faster paths for 8-bit guides; same values as :attr:`levels`)."""
        return self._u8

    def __repr__(self) -> str:
        return f"Guide(shape={self.shape}, dtype={self.dtype}, step={self.step:g})"


#: Float guides may overshoot [0, 1] by this much (bicubic resampling rings) and stay valid.
FLOAT_GUIDE_SLACK = 0.05


def check_guide(guide, shape: tuple[int, int] | None = None, name: str = "guide", *,
                channels: tuple[int, ...] = (1, 3)) -> Guide:
    """Validate a guide image once and return it as a :class:`Guide`, or raise.

    Accepted: uint8, uint16 (any range) and float in [0, 1] (a little overshoot from
    resampling, up to :data:`FLOAT_GUIDE_SLACK`, is tolerated); (H, W) or (H, W, C) with C
    in ``channels``. ``shape`` is the depth's (H, W) that the guide must match. A
    :class:`Guide` passes through (its shape is still checked).
    """
    if isinstance(guide, Guide):
        g = guide  # its shape only: no float copy made here
        if g.shape[2] not in channels:
            raise InputError(f"{name} shape {_shape(g)} is not an image with "
                             f"{' or '.join(map(str, channels))} channels: expected (H, W[, C])")
        if shape is not None and g.shape[:2] != tuple(shape):
            raise InputError(f"{name} shape {_shape(g)} does not match depth shape "
                             f"{tuple(int(s) for s in shape)}")
        return guide
    raw = np.asarray(guide)
    if raw.dtype == np.uint8:
        step = 1.0
    elif raw.dtype == np.uint16:
        step = 257.0
    elif np.issubdtype(raw.dtype, np.floating):
        step = 1.0 / 255.0
    else:
        raise InputTypeError(f"{name} dtype {raw.dtype} is not supported: expected uint8, "
                             "uint16 or float in [0, 1]")
    g = raw[:, :, None] if raw.ndim == 2 else raw
    if g.ndim != 3 or g.shape[2] not in channels:
        raise InputError(f"{name} shape {_shape(g)} is not an image with "
                         f"{' or '.join(map(str, channels))} channels: expected (H, W[, C])")
    if shape is not None and g.shape[:2] != tuple(shape):
        raise InputError(f"{name} shape {_shape(g)} does not match depth shape "
                         f"{tuple(int(s) for s in shape)}")
    if g.shape[0] < 1 or g.shape[1] < 1:
        raise InputError(f"{name} shape {_shape(g)} is empty")
    if raw.dtype == np.uint8:  # its float32 copy is made when first used (Guide.array)
        return Guide(None, step, raw.dtype, np.ascontiguousarray(g))
    a = np.ascontiguousarray(g, dtype=np.float32)
    if step != 1.0 / 255.0:
        return Guide(a, step, raw.dtype)
    if not np.isfinite(a).all():
        raise InputError(f"{name} contains NaN or inf: expected finite values")
    lo, hi = float(a.min()), float(a.max())
    if hi > 1.0 + FLOAT_GUIDE_SLACK or lo < -FLOAT_GUIDE_SLACK:
        raise InputError(f"{name}: float guides must be in [0, 1]: divide by 255, or pass the "
                         f"uint8 image (values {lo:g} to {hi:g})")
    return Guide(a, step, raw.dtype)


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float, raising unless it is finite and > 0 (or >= 0)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise InputError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return v


def check_int(value, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as int, raising unless it is a whole number >= ``minimum`` (booleans,
    fractions, NaN and strings are refused)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise InputTypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if not np.isfinite(value) or int(value) != value or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_confidence(confidence, shape, dtype=np.float32) -> np.ndarray:
    """Per-pixel confidence as a ``dtype`` array of ``shape``, finite and >= 0, or raise."""
    c = np.asarray(confidence, dtype)
    if c.shape != tuple(shape):
        raise InputError(f"confidence shape {tuple(c.shape)} does not match depth shape "
                         f"{tuple(shape)}")
    if not np.isfinite(c).all() or (c < 0).any():
        raise InputError("confidence must be finite and >= 0")
    return c


def as_rng(rng) -> np.random.Generator:
    """``numpy.random.Generator`` from a Generator, an int seed or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)
