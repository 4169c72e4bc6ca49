"""The lock file that keeps two batch runs out of one output folder.

``.depthsmith-batch.lock`` is created exclusively (``O_CREAT | O_EXCL``) and holds the
owner's host, pid and process start time as JSON. A second run finds it and refuses, naming
the owner, unless the owner is gone: same host, and no process with that pid (or one that
started at another time: a reused pid). Such a stale lock, left by a run that was killed
(SIGKILL, a crash, a power cut), is taken over. A lock written from another host cannot be
checked and is never taken over; the message says how to remove it by hand.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time

from .._validate import DepthsmithError

__all__ = ["LOCK", "BatchLock", "LockedError"]

#: The lock file's name in the output folder.
LOCK = ".depthsmith-batch.lock"
#: A lock file still empty after this many seconds is a writer's leftover.
EMPTY_STALE_S = 5.0


class LockedError(DepthsmithError):
    """Another batch run holds the output folder."""


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
        return text[text.rindex(")") + 2:].split()[19]
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    except OSError:
        return None
    return True


class BatchLock:
    """The lock of one output folder: :meth:`acquire` then :meth:`release` (or ``with``)."""

    def __init__(self, folder):
        self.path = os.path.join(os.fspath(folder), LOCK)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.held = False
        self.took_over: dict | None = None

    def _mine(self) -> dict:
        return {"host": self.host, "pid": self.pid, "start": _start_time(self.pid),
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def _read(self) -> dict | None:
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return {}
        except OSError:
            return None
        try:
            info = json.loads(text)
            return info if isinstance(info, dict) else None
        except ValueError:
            return None

    def _stale(self, info: dict | None) -> bool:
        if not info:  # empty or unreadable: a writer between create and write, or its leftover
            try:
                return time.time() - os.path.getmtime(self.path) > EMPTY_STALE_S
            except OSError:
                return True
        if info.get("host") != self.host:
            return False
        pid = info.get("pid")
        if not isinstance(pid, int):
            return True
        if pid == self.pid:
            return False
        alive = _alive(pid)
        if alive is False:
            return True
        start = info.get("start")
        return alive is True and start is not None and _start_time(pid) not in (None, start)

    def acquire(self) -> None:
        """Take the lock, or raise :class:`LockedError` naming the run that holds it."""
        data = json.dumps(self._mine()).encode()
        for _ in range(50):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                info = self._read()
                if info == {}:
                    continue  # removed meanwhile: try again
                if not self._stale(info):
                    if not info:
                        time.sleep(0.1)  # being written: look again
                        continue
                    raise LockedError(
                        f"--output {os.path.dirname(self.path)}: another batch run (pid "
                        f"{info.get('pid')} on {info.get('host')}, since {info.get('since')}) "
                        f"is using this folder: wait for it to end, or, if it is not "
                        f"running, remove {self.path}") from None
                # stale: move it aside under a unique name (of two runs taking over at once,
                # one rename wins), then check it was still the stale one
                aside = f"{self.path}.stale.{self.pid}.{secrets.token_hex(4)}"
                try:
                    os.rename(self.path, aside)
                except FileNotFoundError:
                    continue
                try:
                    with open(aside, encoding="utf-8") as f:
                        moved = json.loads(f.read() or "{}")
                except (OSError, ValueError):
                    moved = {}
                if moved and info and moved != info:  # a live lock taken meanwhile: put back
                    try:
                        os.link(aside, self.path)
                    except OSError:
                        pass
                    os.unlink(aside)
                    continue
                os.unlink(aside)
                self.took_over = info or {}
                continue
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            self.held = True
            return
        raise LockedError(f"--output {os.path.dirname(self.path)}: cannot take the lock "
                          f"{self.path} (it keeps changing)")

    def release(self) -> None:
        """Remove the lock if it is still ours."""
        if not self.held:
            return
        info = self._read()
        if info and info.get("pid") == self.pid and info.get("host") == self.host:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        self.held = False

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
