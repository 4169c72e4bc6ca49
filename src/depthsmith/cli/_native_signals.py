"""A signal handler in machine code, for signals that arrive while a kernel holds the GIL.

CPython runs a Python signal handler in the main thread, between bytecodes, once that
thread holds the GIL. A numba ``nopython`` kernel without ``nogil=True`` holds the GIL for
its whole run (seconds on a large image), so Ctrl-C would wait for it. The handler here is
a few instructions JIT-compiled with llvmlite (numba's own compiler back end, so no new
dependency) and installed with ``sigaction``; it runs in whatever thread the kernel lets
the signal land in, without the GIL:

* while the command computes (no temporary file of ours exists), it writes the one line
  and calls ``_exit(128 + signal)`` at once (async-signal-safe; nothing is freed, so a
  kernel still running in another thread cannot touch freed memory);
* while the command writes its output (:func:`writing`), it only records the signal: the
  main thread sees it within one poll and leaves through Python, which removes the
  temporary file.

Linux and macOS on 64-bit CPUs; :func:`install` returns False elsewhere (or when anything
fails), and the Python-level handlers alone remain.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal

__all__ = ["install", "restore", "pending", "writing"]

_STATE = (ctypes.c_int32 * 2)()  # [writing, pending signal]
_MSGS = {signal.SIGINT: ctypes.create_string_buffer(b"\ndepthsmith: interrupted\n"),
         signal.SIGTERM: ctypes.create_string_buffer(b"\ndepthsmith: terminated\n")}
_HANDLER: int | None = None   # address of the compiled handler
_ENGINE = None                # keeps the JIT's code alive
_OLD: dict[int, int] = {}     # signal -> previous OS-level handler
_libc = None


def _compile() -> int | None:
    global _ENGINE, _libc
    import llvmlite.binding as llvm

    libc = ctypes.CDLL(None)
    write = ctypes.cast(libc.write, ctypes.c_void_p).value
    exit_ = ctypes.cast(libc._exit, ctypes.c_void_p).value
    st = ctypes.addressof(_STATE)
    mi, mt = (ctypes.addressof(_MSGS[s]) for s in (signal.SIGINT, signal.SIGTERM))
    ni, nt = (len(_MSGS[s].value) for s in (signal.SIGINT, signal.SIGTERM))
    ir = f"""
define void @handler(i32 %sig) {{
entry:
  %st = inttoptr i64 {st} to i32*
  %w = load volatile i32, i32* %st
  %busy = icmp ne i32 %w, 0
  br i1 %busy, label %defer, label %now
defer:
  %p = getelementptr i32, i32* %st, i64 1
  store volatile i32 %sig, i32* %p
  ret void
now:
  %term = icmp eq i32 %sig, {int(signal.SIGTERM)}
  %msg = select i1 %term, i64 {mt}, i64 {mi}
  %len = select i1 %term, i64 {nt}, i64 {ni}
  %wf = inttoptr i64 {write} to i64 (i32, i8*, i64)*
  %mp = inttoptr i64 %msg to i8*
  %r = call i64 %wf(i32 2, i8* %mp, i64 %len)
  %ef = inttoptr i64 {exit_} to void (i32)*
  %code = add i32 %sig, 128
  call void %ef(i32 %code)
  unreachable
}}
"""
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    mod = llvm.parse_assembly(ir)
    mod.verify()
    tm = llvm.Target.from_default_triple().create_target_machine()
    engine = llvm.create_mcjit_compiler(mod, tm)
    engine.finalize_object()
    _ENGINE, _libc = engine, libc
    _libc.signal.argtypes = (ctypes.c_int, ctypes.c_void_p)
    _libc.signal.restype = ctypes.c_void_p
    return engine.get_function_address("handler") or None


def install(signals) -> bool:
    """Put the native handler in front of ``signals`` (after Python installed its own,
    which :func:`restore` puts back). False when it cannot be done here."""
    global _HANDLER
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return False
    try:
        if _HANDLER is None:
            _HANDLER = _compile()
        if not _HANDLER:
            return False
        _STATE[0] = _STATE[1] = 0
        for sig in signals:
            _OLD[int(sig)] = _libc.signal(int(sig), _HANDLER)
    except Exception:  # noqa: BLE001 - optional: the Python handlers still work
        restore()
        return False
    return True


def restore() -> None:
    """Give the signals back to their previous (Python) handlers."""
    for sig, old in list(_OLD.items()):
        with contextlib.suppress(Exception):
            _libc.signal(sig, old)
        _OLD.pop(sig, None)


def pending() -> int:
    """The signal recorded while writing (0: none)."""
    return int(_STATE[1])


@contextlib.contextmanager
def writing():
    """While the output is written: signals are left to the main thread (which removes
    our temporary file) instead of exiting at once."""
    _STATE[0] += 1
    try:
        yield
    finally:
        _STATE[0] -= 1
