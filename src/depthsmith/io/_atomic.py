"""Safe outputs: check everything before a computation, write to a temporary file beside the
target, then publish it in one step.

Temporary files are named ``.{name}.{host}.{pid}.{random}.tmp{suffix}``:

* ``name``: the target's file name, reduced to ``[A-Za-z0-9._-]`` and 64 characters (only
  for people reading the folder);
* ``host``: this machine's host name, reduced to ``[A-Za-z0-9-]`` and 32 characters;
* ``pid``: the writing process;
* ``random``: 8 hexadecimal digits;
* ``suffix``: the target's extension, so that writers choosing the format from the file
  name (OpenCV, matplotlib) write the right one.

Host and pid let :func:`sweep_stale_temps` tell the leftovers of a crashed or killed writer
from the file of a writer that is still running.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import socket
import stat
import sys
import time
from pathlib import Path

from .._validate import InputError, InputTypeError
from ._errors import OutputExistsError, UnsupportedFormatError, as_path

__all__ = ["atomic_path", "check_output", "remove_temp_files", "sweep_stale_temps",
           "OutputExistsError"]

#: Temporary files older than this (seconds) are stale whoever wrote them.
STALE_AGE = 86400.0
_SWEEP_EVERY = 60.0  # atomic_path sweeps a folder at most once a minute per process

# Temporary files of this process that exist now (absolute paths). Plain set operations
# only: remove_temp_files may run in a signal handler, where a lock could deadlock.
_LIVE: set[str] = set()
_SWEPT: dict[str, float] = {}
_HOST: str | None = None

_TEMP_RE = re.compile(r"\.(?P<name>[A-Za-z0-9._-]+)\.(?P<host>[A-Za-z0-9-]{1,32})"
                      r"\.(?P<pid>[0-9]{1,10})\.(?P<rand>[0-9a-f]{8})\.tmp"
                      r"(?P<suffix>\.[A-Za-z0-9_-]{1,16})?")
# errno values meaning "this filesystem has no hard links" (FAT, some network/FUSE mounts;
# EINVAL is what Windows reports for FAT volumes)
_NO_LINK = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK,
            errno.EINVAL}


def _host() -> str:
    global _HOST
    if _HOST is None:
        try:
            h = socket.gethostname()
        except OSError:
            h = ""
        _HOST = re.sub(r"[^A-Za-z0-9-]", "-", h)[:32] or "host"
    return _HOST


def _temp_name(target: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", target.name)[:64] or "out"
    suffix = target.suffix if re.fullmatch(r"\.[A-Za-z0-9_-]{1,16}", target.suffix) else ""
    return f".{name}.{_host()}.{os.getpid()}.{secrets.token_hex(4)}.tmp{suffix}"


# ---------------------------------------------------------------- before the computation
def _writer_table(kind: str) -> tuple[str, ...]:
    if kind == "depth":
        from ._depth import FORMATS

        return tuple(sorted(FORMATS))
    if kind == "image":
        from ._image import image_formats

        return image_formats()
    raise InputError(f"kind must be 'depth' or 'image', got {kind!r}")


def check_output(path, *, overwrite: bool = False, inputs=(), name: str = "-o",
                 kind: str | None = None) -> Path:
    """Check an output path before computing anything; return it as a Path.

    Refuses (each message names ``name`` and the path, on one line):

    * an output that is one of ``inputs`` (same file, also through links), even with
      ``overwrite`` (``OutputExistsError``);
    * an existing file (or link) unless ``overwrite`` (``OutputExistsError``, pointing
      at ``--overwrite``); a folder (``InputError``);
    * a parent folder that does not exist (nothing is created) or is not writable
      (``InputError``);
    * with ``kind="depth"`` or ``"image"``, an extension no writer of that kind knows
      (``UnsupportedFormatError`` listing the known ones).

    The file can still appear between this check and the write: writers given
    ``overwrite=False`` publish exclusively and raise ``OutputExistsError`` then.
    """
    p = as_path(path, name)
    for i in inputs:
        if i is None:
            continue
        if not isinstance(i, (str, os.PathLike)):
            raise InputTypeError(f"inputs must be file paths, got {type(i).__name__}")
        try:
            same = os.path.samefile(p, i)
        except OSError:  # one of them does not exist
            same = False
        if same:
            raise OutputExistsError(f"{name}: {p} is also an input: refusing to overwrite it")
    if p.is_dir():
        raise InputError(f"{name}: {p} is a folder: expected a file path")
    if os.path.lexists(p) and not overwrite:
        raise OutputExistsError(f"{name}: {p} exists: pass --overwrite to replace it")
    parent = p.parent
    if not parent.exists():
        raise InputError(f"{name}: folder {parent} does not exist")
    if not parent.is_dir():
        raise InputError(f"{name}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{name}: folder {parent} is not writable")
    if kind is not None:
        known = _writer_table(kind)
        ext = p.suffix.lower()
        if ext not in known:
            raise UnsupportedFormatError(f"{name}: {p} has an unknown {kind} format "
                                         f"{ext or '(none)'!r}; known: {', '.join(known)}")
    return p


# ---------------------------------------------------------------- writing
@contextlib.contextmanager
def atomic_path(path, *, overwrite: bool = True):
    """Yield a temporary path beside ``path`` (same extension); publish it on success.

    Readers of ``path`` never see a half-written file, and a failure (any exception,
    KeyboardInterrupt included) removes the temporary file and leaves any previous file
    untouched. The temporary file is created with the permissions a plain ``open()``
    would give (0666 minus the umask), is named as the module docstring says, and is
    registered for :func:`remove_temp_files` while it exists. Stale temporary files of
    killed writers in the same folder are swept first (:func:`sweep_stale_temps`).

    With ``overwrite`` (default) the file replaces ``path`` (``os.replace``). Without, it
    is published exclusively with a hard link: if ``path`` exists by then, even if another
    process created it while we were writing, ``OutputExistsError`` is raised and that file
    is left as it is. The parent folder must exist (``InputError`` otherwise).
    """
    p = as_path(path)
    parent = p.parent
    if not parent.is_dir():
        raise InputError(f"{p}: folder {parent} does not exist")
    _maybe_sweep(parent)
    tmp = None
    for _ in range(100):
        cand = os.path.abspath(os.path.join(parent, _temp_name(p)))
        _LIVE.add(cand)  # registered before it exists: a signal can come at any time
        try:
            fd = os.open(cand, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            _LIVE.discard(cand)
            continue
        except BaseException:
            _LIVE.discard(cand)
            raise
        os.close(fd)
        tmp = cand
        break
    if tmp is None:
        raise FileExistsError(f"{p}: cannot create a temporary file in {parent}")
    published = False
    try:
        yield Path(tmp)
        if overwrite:
            os.replace(tmp, p)
        else:
            _publish_exclusive(tmp, p)
        published = True
    finally:
        if not published:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        _LIVE.discard(tmp)


def _publish_exclusive(tmp: str, p: Path) -> None:
    try:
        os.link(tmp, p)
    except FileExistsError:
        raise OutputExistsError(f"{p}: exists (created while writing): left as it is; pass "
                                "--overwrite to replace it") from None
    except OSError as e:
        if e.errno not in _NO_LINK:
            raise
        # This filesystem has no hard links: fall back to a check then a rename. A file
        # created between the two would be replaced; without link() that race cannot be
        # closed portably (os.rename replaces silently on POSIX).
        if os.path.lexists(p):
            raise OutputExistsError(f"{p}: exists (created while writing): left as it is; "
                                    "pass --overwrite to replace it") from None
        os.replace(tmp, p)
        return
    os.unlink(tmp)


# ---------------------------------------------------------------- cleanup
def remove_temp_files() -> int:
    """Remove every temporary file this process is writing now; return how many.

    For SIGTERM/SIGINT handlers (the interrupted writes then fail or are abandoned): takes
    no lock, allocates little, ignores every error (best effort). The ``atomic_path``
    blocks still own their registrations and finish them as usual if they run on.
    """
    paths: list[str] = []
    for _ in range(5):
        try:
            paths = list(_LIVE)
            break
        except RuntimeError:  # the set changed size (another thread): try again
            continue
    n = 0
    for t in paths:
        try:
            os.unlink(t)
            n += 1
        except OSError:
            pass
    return n


def _pid_alive(pid: int) -> bool | None:
    """True/False when known; None when this platform cannot tell."""
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    except (OverflowError, ValueError):  # not a possible pid
        return False
    except OSError:
        return None
    return True


def sweep_stale_temps(folder, *, max_age: float = STALE_AGE) -> list[Path]:
    """Remove stale temporary files of :func:`atomic_path` in ``folder``; return them.

    Only regular files named exactly as ``atomic_path`` names them are considered. One is
    stale when it was written on this host by a process that no longer exists, or when it
    is older than ``max_age`` seconds (default one day) and its writer cannot be checked
    (another host). A temporary file of a live process on this host is never removed, nor
    one this process is writing. Errors are ignored (best effort); a missing or
    unreadable folder sweeps nothing.
    """
    d = os.fspath(folder)
    try:
        names = os.listdir(d)
    except OSError:
        return []
    now = time.time()
    host, me = _host(), os.getpid()
    removed = []
    for n in names:
        if not n.startswith(".") or ".tmp" not in n:
            continue
        m = _TEMP_RE.fullmatch(n)
        if m is None:
            continue
        f = os.path.abspath(os.path.join(d, n))
        try:
            st = os.lstat(f)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        old = now - st.st_mtime > max_age
        pid = int(m["pid"])
        if m["host"] != host:
            stale = old
        elif pid == me:  # ours (or an earlier process's with the same pid): only when old
            stale = old and f not in _LIVE
        else:
            alive = _pid_alive(pid)
            stale = alive is False or (alive is None and old)
        if stale:
            try:
                os.unlink(f)
            except OSError:
                continue
            removed.append(Path(f))
    return removed


def _maybe_sweep(folder: Path) -> None:
    key = os.path.abspath(folder)
    now = time.monotonic()
    last = _SWEPT.get(key)
    if last is not None and now - last < _SWEEP_EVERY:
        return
    _SWEPT[key] = now
    with contextlib.suppress(Exception):
        sweep_stale_temps(key)
