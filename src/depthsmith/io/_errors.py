"""The io errors and the small helpers every reader and writer shares."""

from __future__ import annotations

import os
from pathlib import Path

from .._validate import DepthsmithError, InputError, InputTypeError

__all__ = ["UnsupportedFormatError", "ReadError", "OutputExistsError", "as_path", "one_line",
           "check_input_file"]


class UnsupportedFormatError(DepthsmithError, ValueError):
    """A file extension no reader/writer knows."""


class ReadError(DepthsmithError, OSError):
    """A file is missing, unreadable or corrupt."""


class OutputExistsError(DepthsmithError, FileExistsError):
    """The output exists and overwriting was not allowed."""


def as_path(path, name: str = "path") -> Path:
    """``path`` as a Path, or InputTypeError naming ``name`` (None, numbers, bytes...)."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"{name} must be a file path (str or os.PathLike), got "
                             f"{type(path).__name__}")
    p = Path(path)
    if str(path) == "":
        raise InputError(f"{name} is an empty string: expected a file path")
    return p


def one_line(e: BaseException, limit: int = 200) -> str:
    """An exception's message on one line, shortened: for wrapping third-party errors."""
    s = " ".join(str(e).split()) or type(e).__name__
    return s if len(s) <= limit else s[: limit - 3] + "..."


def check_input_file(p: Path) -> None:
    """Raise ReadError unless ``p`` is an existing regular file (folders, FIFOs, devices
    are refused: opening a FIFO would block forever)."""
    try:
        if p.is_dir():
            raise ReadError(f"{p}: is a folder, not a file")
        if not p.exists():
            raise ReadError(f"{p}: no such file")
        if not p.is_file():
            raise ReadError(f"{p}: not a regular file")
    except OSError as e:
        if isinstance(e, ReadError):
            raise
        raise ReadError(f"{p}: cannot be accessed ({e.strerror or one_line(e)})") from None
