"""Batch processing: one task over a folder of frames, resumable, on local processes or Dask.

``depthsmith batch TASK --input DIR --output DIR`` (``depthsmith.cli._batch``) pairs the
depth files with their guides by name (:func:`pair_inputs`, the rule is in its module),
writes ``OUTPUT/<id><ext>`` for each item atomically, records every item in a manifest
(:class:`Manifest`), holds a lock file while it runs (:class:`BatchLock`) and, run again,
skips the items whose output still has the recorded checksum (:func:`run_batch`).
Dask is imported only by ``--scheduler`` runs (``depthsmith.batch._dask``).
"""

from ._lock import LOCK, BatchLock, LockedError
from ._manifest import MANIFEST, Manifest, ManifestError, sha256_file
from ._pairing import ID, Item, PairingError, pair_inputs
from ._runner import START_METHOD, BatchResult, manifest_path, plan_jobs, run_batch

__all__ = ["pair_inputs", "Item", "PairingError", "ID", "run_batch", "BatchResult",
           "plan_jobs", "manifest_path", "START_METHOD", "Manifest", "ManifestError",
           "MANIFEST", "sha256_file", "BatchLock", "LockedError", "LOCK"]
