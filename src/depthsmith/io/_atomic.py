"""Atomic output: write to a temporary file beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .._validate import DepthsmithError

__all__ = ["atomic_path", "check_output"]


class OutputExistsError(DepthsmithError, FileExistsError):
    """The output exists and overwriting was not allowed."""


def check_output(path, *, overwrite: bool = False, inputs=()) -> Path:
    """Refuse to write over an input, or over an existing file unless ``overwrite``."""
    p = Path(path)
    for i in inputs:
        if i is not None and Path(i).exists() and p.exists() and p.resolve() == Path(i).resolve():
            raise OutputExistsError(f"output {p} is also an input: refusing to overwrite it")
    if p.exists() and not overwrite:
        raise OutputExistsError(f"output {p} exists: pass --overwrite to replace it")
    return p


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path with the same suffix; on success rename it onto ``path``.

    Readers of ``path`` never see a half-written file, and a failure leaves any previous
    file untouched.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.stem}.", suffix="".join(p.suffixes) or ".tmp",
                               dir=p.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp creates 0600 files: give the output the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
