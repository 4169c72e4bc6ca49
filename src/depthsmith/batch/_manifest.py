"""The batch manifest: one JSON file in the output folder, the record a resumed run trusts.

``depthsmith-batch.json`` holds the tool and version, the task, the options that decide the
outputs (``options``), how the inputs were given (``inputs``), one entry per run (start,
end, host, workers, threads, counts) and ``items``, a list with one object per item: its
``id``, ``inputs`` (``depth``, ``guide`` and their size and modification time, so a changed
input is redone), ``output``, ``status`` (``pending``, ``done`` or ``failed``), ``seconds``,
``sha256`` (of the output file), ``finished`` and, for a failure, ``error`` (one line).

It is rewritten atomically (:func:`depthsmith.io.atomic_path`) at most every
:data:`SAVE_EVERY` seconds while a run goes on and once at its end, so a crash loses at most
the last few records; a resumed run recomputes an item whose record is missing (outputs are
deterministic, so the file it writes is byte-identical to the one it replaces).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import socket
import time

from .._validate import DepthsmithError

__all__ = ["MANIFEST", "Manifest", "ManifestError", "sha256_file", "SAVE_EVERY"]

#: The manifest's file name in the output folder.
MANIFEST = "depthsmith-batch.json"
#: Seconds between two saves while a run goes on (every save rewrites the whole file).
SAVE_EVERY = 1.0
_FORMAT = 1


class ManifestError(DepthsmithError):
    """A manifest that cannot be read, or one made with other options."""


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_file(path) -> str:
    """The hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Manifest:
    """The manifest of one output folder (see the module docstring)."""

    def __init__(self, path, data: dict):
        self.path = os.fspath(path)
        self.data = data
        self._saved = 0.0
        self._index = {it["id"]: it for it in data["items"]}

    @property
    def items(self) -> dict:
        """{id: record} (the file keeps them as a list, in the order they were planned)."""
        return self._index

    @property
    def options(self) -> dict:
        return self.data["options"]

    @classmethod
    def load(cls, folder) -> Manifest | None:
        """The manifest in ``folder``, or None when there is none; an unreadable one is a
        :class:`ManifestError` (pass ``--overwrite`` to start afresh)."""
        path = os.path.join(os.fspath(folder), MANIFEST)
        if not os.path.exists(path):
            return None
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            if not isinstance(data, dict) or not isinstance(data.get("items"), list) \
                    or not isinstance(data.get("options"), dict) \
                    or not all(isinstance(it, dict) and isinstance(it.get("id"), str)
                               for it in data["items"]):
                raise ValueError("not a depthsmith batch manifest")
        except (OSError, ValueError) as e:
            raise ManifestError(f"--output: {path} cannot be read ({e}): pass --overwrite to "
                                "start the batch afresh") from None
        return cls(path, data)

    @classmethod
    def new(cls, folder, *, task: str, options: dict, inputs: dict, version: str) -> Manifest:
        """A fresh manifest (not saved yet)."""
        data = {"format": _FORMAT, "tool": "depthsmith", "version": version, "task": task,
                "options": options, "inputs": inputs, "created": now_iso(),
                "updated": now_iso(), "runs": [], "items": []}
        return cls(os.path.join(os.fspath(folder), MANIFEST), data)

    def differences(self, task: str, options: dict, version: str) -> list[str]:
        """What differs between this manifest and a run of ``task`` with ``options`` under
        depthsmith ``version`` (empty: a resume may go on)."""
        out = []
        if self.data.get("task") != task:
            out.append(f"task {self.data.get('task')} -> {task}")
        if self.data.get("version") != version:
            out.append(f"depthsmith {self.data.get('version')} -> {version}")
        old = self.options
        for k in sorted(set(old) | set(options)):
            if old.get(k) != options.get(k):
                out.append(f"{k} {old.get(k)!r} -> {options.get(k)!r}")
        return out

    def start_run(self, info: dict) -> dict:
        """Record the start of a run (``info``: workers, threads, scheduler...)."""
        run = {"started": now_iso(), "host": socket.gethostname(), "pid": os.getpid(),
               **info}
        self.data["runs"].append(run)
        return run

    def record(self, item_id: str, **fields) -> None:
        """Update one item's record (a new id is appended)."""
        rec = self._index.get(item_id)
        if rec is None:
            rec = self._index[item_id] = {"id": item_id}
            self.data["items"].append(rec)
        rec.update(fields)

    def summary(self) -> dict:
        """Counts of the items by status."""
        counts: dict[str, int] = {}
        for rec in self.items.values():
            counts[rec.get("status", "pending")] = counts.get(rec.get("status", "pending"),
                                                              0) + 1
        return counts

    def save(self, *, force: bool = False) -> bool:
        """Write the manifest atomically; without ``force``, only when the last save is
        older than :data:`SAVE_EVERY` seconds. True when it was written."""
        from ..io import atomic_path

        t = time.monotonic()
        if not force and t - self._saved < SAVE_EVERY:
            return False
        self.data["updated"] = now_iso()
        self.data["summary"] = self.summary()
        text = json.dumps(self.data, indent=1, sort_keys=False)
        with atomic_path(self.path, overwrite=True) as tmp, \
                open(tmp, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        self._saved = time.monotonic()
        return True
