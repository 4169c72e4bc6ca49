"""ONNX inference for shipped and user models: one ``onnxruntime`` session per file and process.

PyTorch is never imported here: shipped models run through onnxruntime only.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from .._validate import InputError

__all__ = ["MODELS_DIR", "model_path", "session", "run"]

#: The shipped ONNX weight files (each with a ``<name>.md`` card next to it).
MODELS_DIR = Path(__file__).parent / "models"

_LOCK = threading.Lock()
_SESSIONS: dict[tuple, object] = {}


def model_path(name_or_path) -> Path:
    """A shipped model's file (``"sr"`` -> ``models/sr.onnx``) or a user's path, checked."""
    p = Path(name_or_path)
    if p.suffix != ".onnx" and not p.exists():
        p = MODELS_DIR / f"{name_or_path}.onnx"
    if not p.is_file():
        raise InputError(f"model {str(name_or_path)!r}: no such ONNX file ({p})")
    return p


def _default_threads() -> int | None:
    """The thread count in force (``depthsmith._threads.current()``), when that module
    exists; None: onnxruntime's own default."""
    try:
        from .._threads import current
    except ImportError:
        return None
    return current()


def session(name_or_path, threads: int | None = None):
    """The cached ``onnxruntime.InferenceSession`` for a model (one per file, thread count
    and process; a forked child builds its own). ``threads=None``: the thread setting in
    force (:func:`depthsmith._threads.current`), else onnxruntime's default. A corrupt
    file is an :class:`InputError`."""
    import onnxruntime as ort

    if threads is None:  # the entry point's threads= / set_threads / DEPTHSMITH_NUM_THREADS
        threads = _default_threads()
    p = model_path(name_or_path).resolve()
    st = p.stat()
    key = (str(p), st.st_mtime_ns, st.st_size, threads, os.getpid())
    with _LOCK:
        s = _SESSIONS.get(key)
        if s is None:
            opts = ort.SessionOptions()
            opts.log_severity_level = 3
            # no busy-waiting of idle pool threads: on a shared 2-core CPU spinning cost
            # ~45 % of the completion network's time (158 vs 287 ms, 1216x352)
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if threads:
                opts.intra_op_num_threads = int(threads)
                opts.inter_op_num_threads = 1
            try:
                s = ort.InferenceSession(str(p), sess_options=opts,
                                         providers=["CPUExecutionProvider"])
            except Exception as e:  # onnxruntime raises its own exception types
                first = (str(e).strip().splitlines() or [type(e).__name__])[0]
                raise InputError(f"model {str(p)!r} is not a valid ONNX model: {first}") from None
            _SESSIONS[key] = s
        return s


def run(name_or_path, inputs: dict, threads: int | None = None) -> list:
    """Run a model on ``inputs`` (name -> float32 array); returns its outputs in order.

    A model whose input names or ranks differ from ``inputs``, or that fails on them, is
    an :class:`InputError` naming the file and what was expected."""
    s = session(name_or_path, threads)
    ins = s.get_inputs()
    names = {i.name for i in ins}
    p = model_path(name_or_path)
    if set(inputs) != names:
        raise InputError(f"model {str(p)!r} has inputs {sorted(names)}: expected "
                         f"{sorted(inputs)}")
    for i in ins:
        if len(i.shape) != inputs[i.name].ndim:
            raise InputError(f"model {str(p)!r}: input {i.name!r} has shape {i.shape}: "
                             f"expected rank {inputs[i.name].ndim}")
    try:
        return s.run(None, inputs)
    except Exception as e:  # onnxruntime's own exception types
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise InputError(f"model {str(p)!r} failed on inputs of shapes "
                         f"{ {k: v.shape for k, v in inputs.items()} }: {first[:200]}") from None
