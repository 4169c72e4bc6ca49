"""The report folder: checked before any work, built beside its target, published in one step."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from .._validate import DepthsmithError, InputError
from ..io import OutputExistsError

__all__ = ["MARKER", "check_report_dir", "report_folder", "sweep_stale_folders"]

#: A file every report folder holds: only a folder holding it (or an empty one) is replaced
#: by ``overwrite=True``, so that ``--report .`` can never delete a folder of user data.
MARKER = ".depthsmith-report"


_TEMP_RE = re.compile(r"\.(?P<name>.{1,64})\.(?P<host>[A-Za-z0-9-]{1,32})\.(?P<pid>[0-9]{1,10})"
                      r"\.[0-9a-f]{8}\.(?:tmpreport|oldreport)")
#: Seconds after which a temporary report folder of another host is stale.
STALE_AGE = 86400.0


def _temp_dir(p: Path, kind: str) -> Path:
    from ..io._atomic import _host

    return p.absolute().parent / (f".{p.name[:64]}.{_host()}.{os.getpid()}."
                                  f"{secrets.token_hex(4)}.{kind}")


def sweep_stale_folders(parent) -> list[Path]:
    """Remove the temporary folders of report writers that were killed (best effort).

    A folder named as :func:`report_folder` names them is stale when its writer ran on this
    host and is gone, or when it is older than :data:`STALE_AGE` (another host's)."""
    from ..io._atomic import _host, _pid_alive

    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for n in names:
        m = _TEMP_RE.fullmatch(n)
        if m is None:
            continue
        f = Path(parent) / n
        try:
            old = time.time() - f.lstat().st_mtime > STALE_AGE
        except OSError:
            continue
        if m["host"] == _host():
            stale = int(m["pid"]) != os.getpid() and _pid_alive(int(m["pid"])) is False
        else:
            stale = old
        if stale and f.is_dir() and not f.is_symlink():
            shutil.rmtree(f, ignore_errors=True)
            removed.append(f)
    return removed


def _is_report(p: Path) -> bool:
    try:
        return (p / MARKER).is_file() or not any(p.iterdir())
    except OSError:
        return False


def check_report_dir(path, *, overwrite: bool = False, name: str = "--report") -> Path:
    """Check a report folder before computing anything; return it as a Path.

    Refuses, with one line naming ``name`` and the path: an existing file; an existing
    folder unless ``overwrite`` (``OutputExistsError``); with ``overwrite``, an existing
    folder that is neither empty nor a depthsmith report (it is never deleted); a parent
    folder that does not exist or is not writable (``InputError``).
    """
    if path is None or str(path) == "":
        raise InputError(f"{name}: expected a folder path, got {path!r}")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"{name} {p}: is a file: expected a folder name")
    if p.is_dir():
        if not overwrite:
            raise OutputExistsError(f"{name} {p}: exists: pass --overwrite to replace it")
        if not _is_report(p):
            raise InputError(f"{name} {p}: exists and is not a depthsmith report (no "
                             f"{MARKER}): refusing to replace it; choose a new folder")
    parent = p.absolute().parent
    if not parent.is_dir():
        raise InputError(f"{name} {p}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{name} {p}: folder {parent} is not writable")
    return p


@contextlib.contextmanager
def report_folder(path, *, overwrite: bool = False, name: str = "--report"):
    """Yield a new temporary folder beside ``path``; publish it as ``path`` on success.

    Readers never see a half-written report: the page and its pictures are written into a
    hidden folder ``.{name}.{host}.{pid}.{random}.tmpreport`` in the same parent, which is
    renamed to ``path`` at the end (such folders left by a killed writer are removed by the
    next report written there). With ``overwrite`` an existing report (see
    :func:`check_report_dir`) is moved aside, the new one renamed in, and the old one
    removed. Any failure (Ctrl-C included) removes the temporary folder and leaves an
    existing report as it was.
    """
    p = check_report_dir(path, overwrite=overwrite, name=name)
    parent = p.absolute().parent
    sweep_stale_folders(parent)
    tmp = _temp_dir(p, "tmpreport")
    try:
        tmp.mkdir()
    except OSError as e:
        raise DepthsmithError(f"{name} {p}: cannot create a folder in {parent} "
                              f"({e.strerror or e})") from None
    published = False
    try:
        (tmp / MARKER).write_text("written by depthsmith.report; replaced by --overwrite\n")
        yield tmp
        _publish(tmp, p, overwrite=overwrite, name=name)
        published = True
    finally:
        if not published:
            shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, p: Path, *, overwrite: bool, name: str) -> None:
    old = None
    if p.exists():
        check_report_dir(p, overwrite=overwrite, name=name)  # again: it may have appeared
        old = _temp_dir(p, "oldreport")
        os.rename(p, old)
    try:
        os.rename(tmp, p)  # fails if another writer published meanwhile (non-empty folder)
    except OSError:
        if old is not None:
            with contextlib.suppress(OSError):
                os.rename(old, p)
        if p.exists():
            raise OutputExistsError(f"{name} {p}: exists (created while writing): left as "
                                    "it is; pass --overwrite to replace it") from None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
