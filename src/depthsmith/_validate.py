"""Shared input validation: every public function checks its arguments here.

Errors are ``ValueError``/``TypeError`` subclasses whose message names the argument,
what was expected and what was given, in one line, so the CLI can print them as is.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DepthsmithError", "InputError", "InputTypeError", "check_depth", "check_guide",
    "check_valid", "default_valid", "check_positive", "check_confidence", "as_rng",
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


def check_guide(guide, shape: tuple[int, int] | None = None, name: str = "guide", *,
                channels: tuple[int, ...] = (1, 3)) -> np.ndarray:
    """Return the guide as a float32 (H, W, C) array in its own units, or raise.

    uint8 guides keep their 0-255 range and float guides theirs (usually [0, 1]); C is 1
    or 3. ``shape`` is the depth's (H, W) that the guide must match.
    """
    g = np.asarray(guide)
    if g.dtype == bool or not (np.issubdtype(g.dtype, np.integer)
                               or np.issubdtype(g.dtype, np.floating)):
        raise InputTypeError(f"{name} dtype {g.dtype} is not supported: expected uint8, "
                             "uint16 or float")
    if g.ndim == 2:
        g = g[:, :, None]
    if g.ndim != 3 or g.shape[2] not in channels:
        raise InputError(f"{name} shape {_shape(g)} is not an image with "
                         f"{' or '.join(map(str, channels))} channels: expected (H, W[, C])")
    if shape is not None and g.shape[:2] != tuple(shape):
        raise InputError(f"{name} shape {_shape(g)} does not match depth shape "
                         f"{tuple(int(s) for s in shape)}")
    g = np.ascontiguousarray(g, dtype=np.float32)
    if not np.isfinite(g).all():
        raise InputError(f"{name} contains NaN or inf: expected finite values")
    return g


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float, raising unless it is finite and > 0 (or >= 0)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise InputError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return v


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
