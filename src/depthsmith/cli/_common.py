"""The click group, shared options and the error contract."""

from __future__ import annotations

import functools
import importlib
import math
import os
import signal
import sys
import threading

import click

from .. import __version__
from . import _native_signals

__all__ = ["main", "COMMANDS", "guarded", "run_interruptible", "scale_option",
           "overwrite_option", "output_option", "memory_option", "read_depth_arg",
           "read_guide_arg", "require_valid", "guard_memory", "input_sizes", "check_outputs",
           "check_plain_output", "write_output", "write_picture", "fail", "status",
           "PositiveFloat"]

#: name -> (module under depthsmith.cli, attribute, short help). The module is imported only
#: when the command runs or shows its own help, so ``depthsmith --help`` imports no task
#: package (no numba); tests check each short help against the command's own.
COMMANDS = {
    "info": ("_basic", "info", "Size, dtype, value range and valid fraction of a depth FILE."),
    "eval": ("_basic", "eval_", "Every metric of PRED against GT (scored where GT is valid)."),
    "colorize": ("_basic", "colorize",
                 "Write a colorized picture of depth SRC to OUT (invalid pixels black)."),
    "fill": ("_fill", "fill_cmd",
             "Fill the holes (0, NaN, inf) of DEPTH and write the dense map to -o OUT."),
    "refine": ("_refine", "refine_cmd",
               "Denoise DEPTH and snap its edges to the color edges of --guide."),
    "complete": ("_complete", "complete_cmd",
                 "Complete the sparse DEPTH (0, NaN, inf = no sample) into a dense map -o OUT."),
    "upsample": ("_upsample", "upsample_cmd",
                 "Super-resolve the low-res DEPTH (0, NaN, inf = invalid) and write -o OUT."),
    "defocus": ("_defocus", "defocus_group",
                "Blur (defocus) maps and relative depth from one photo by ML blur estimation."),
    "bench": ("_bench", "bench", "Run benchmark TASKS such as FILL-OCC (or all) and print their "
                                 "tables."),
    "batch": ("_batch", "batch_group",
              "Run a task over every frame of a folder (resumable; local processes or Dask)."),
    "train": ("_learn", "train_cmd",
              "Train a learned model (sr: GuidedSRNet; complete: CompletionNet) on --data."),
    "export": ("_learn", "export_cmd",
               "Export a trained MODEL.pt to ONNX (dynamic height and width) as -o OUT.onnx."),
    "predict": ("_learn", "predict_cmd",
                "Depth from one RGB image with your own ONNX monocular model, written to -o "
                "DEPTH."),
}


class _Group(click.Group):
    """A lazy group: commands are imported from :data:`COMMANDS` when used."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        try:
            mod = importlib.import_module(f"{__package__}.{module}")
        except ImportError as e:  # a broken install: one line, not a traceback
            fail(f"command {cmd_name!r} cannot be loaded: {e}")
        return getattr(mod, attr)

    def format_commands(self, ctx, formatter):
        # the table's short help: listing the commands imports none of them
        limit = formatter.width - 6 - max(len(n) for n in COMMANDS)
        rows = [(name, _short(h, limit)) for name, (_, _, h) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx):
        # Ctrl-C outside a command's computation (loading numba, parsing): 130 and one line,
        # not click's "Aborted!" and exit 1 (the computation itself: run_interruptible)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ndepthsmith: interrupted", err=True)
            sys.exit(130)

    def main(self, *args, **kwargs):
        # SIGTERM from here on (parsing, loading numba): 143 and one line, as during the
        # computation (run_interruptible), not a silent death by signal
        term = None
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            term = signal.signal(signal.SIGTERM, _on_signal)
        try:
            return super().main(*args, **kwargs)
        finally:
            if term is not None:
                signal.signal(signal.SIGTERM, term)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="depthsmith")
def main():
    """depthsmith: fill, refine, complete, upsample and evaluate depth maps."""


def _short(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters ("..." marks a cut)."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 10)].rsplit(" ", 1)[0] + "..."


def fail(msg: str, code: int = 1):
    """Print one line on stderr and exit with ``code``."""
    click.echo(f"depthsmith: error: {msg}", err=True)
    sys.exit(code)


def _first_line(e: BaseException) -> str:
    lines = [ln for ln in str(e).splitlines() if ln.strip()]
    return lines[0].strip() if lines else type(e).__name__


def _debug() -> bool:
    return os.environ.get("DEPTHSMITH_DEBUG", "") not in ("", "0")


def guarded(fn):
    """The error contract of a command: its body runs in :func:`run_interruptible`, library
    errors become their one line + exit 1, anything unexpected one line naming its type +
    exit 1 (``DEPTHSMITH_DEBUG=1`` re-raises it for the traceback); usage errors stay
    click's (exit 2), Ctrl-C exits 130 and SIGTERM 143."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return run_interruptible(fn, *args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:
            from .._validate import DepthsmithError

            if isinstance(e, DepthsmithError):
                fail(_first_line(e))
            if _debug():
                raise
            if isinstance(e, MemoryError):
                fail("out of memory: try a smaller input (or check --max-memory)")
            if isinstance(e, (ValueError, TypeError, OSError)):
                fail(_first_line(e))
            fail(f"unexpected {type(e).__name__}: {_first_line(e)} (run with "
                 "DEPTHSMITH_DEBUG=1 for the traceback)")

    return wrapper


# -- Ctrl-C and SIGTERM -----------------------------------------------------------------

def _interrupted(code: int, what: str = "interrupted"):
    """Leave now: remove our temporary files, one line, exit ``code`` with no interpreter
    teardown (a numba kernel in the worker thread may still be reading arrays that a
    normal exit would free)."""
    try:
        from ..io import remove_temp_files

        remove_temp_files()
    except BaseException:  # noqa: BLE001 - leaving anyway
        pass
    try:
        os.write(2, f"\ndepthsmith: {what}\n".encode())
    except OSError:
        pass
    os._exit(code)


def _on_signal(signum, frame):
    if signum == signal.SIGTERM:
        _interrupted(143, "terminated")
    _interrupted(130)


#: seconds between the main thread's checks for a signal while the worker computes
POLL_S = 0.05


def run_interruptible(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` in a daemon worker thread while the main thread waits in
    short timed joins, so Ctrl-C (exit 130) and SIGTERM (exit 143) end the process within a
    fraction of a second even inside a numba kernel that cannot see signals; the worker's
    result is returned and its exception re-raised here. Off the main thread (which alone
    gets signals) ``fn`` runs inline."""
    if threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    box: dict = {}
    ctx = click.get_current_context(silent=True)

    def target():
        try:
            if ctx is None:
                box["value"] = fn(*args, **kwargs)
            else:
                with ctx.scope(cleanup=False):
                    box["value"] = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            box["error"] = e

    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(sig)
        if sig == signal.SIGINT and current is not signal.default_int_handler:
            continue  # SIGINT ignored (a background job) or handled by an embedding program
        if sig == signal.SIGTERM and current not in (signal.SIG_DFL, None, _on_signal):
            continue
        old[sig] = signal.signal(sig, _on_signal)
    # in front of them, a native handler that works while a kernel holds the GIL
    native = bool(old) and not _debug() and _native_signals.install(old)
    worker = threading.Thread(target=target, name="depthsmith-command", daemon=True)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(POLL_S)
            if native and _native_signals.pending():
                _on_signal(_native_signals.pending(), None)
    except KeyboardInterrupt:
        _interrupted(130)
    finally:
        if native:
            _native_signals.restore()
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if "error" in box:
        raise box.pop("error")
    return box.get("value")


class PositiveFloat(click.ParamType):
    """A finite float > 0 (``nan``, ``inf``, 0 and negatives are usage errors)."""

    name = "float"

    def convert(self, value, param, ctx):
        try:
            v = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(v) or v <= 0:
            self.fail(f"expected a finite number > 0, got {value!r}", param, ctx)
        return v


class MemorySize(click.ParamType):
    """A size such as 8G, 500M or 2048 (bytes)."""

    name = "size"

    def convert(self, value, param, ctx):
        from .._memory import parse_size

        if isinstance(value, int):
            return value
        try:
            return parse_size(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def scale_option(fn):
    return click.option("--scale", type=PositiveFloat(), default=None,
                        help="Stored value per unit for integer PNGs (KITTI 256, NYU 1000, "
                             "Middlebury cones 4); never guessed. A PNG output is written "
                             "with it; other output formats store values as they are.")(fn)


def overwrite_option(fn):
    return click.option("--overwrite", is_flag=True,
                        help="Replace an existing output file.")(fn)


def output_option(fn):
    return click.option("-o", "--output", "output", required=True,
                        type=click.Path(dir_okay=False),
                        help="Output depth file (format from the extension).")(fn)


def memory_option(fn):
    return click.option("--max-memory", type=MemorySize(), default=None, metavar="SIZE",
                        help="Memory the command may use (e.g. 8G, 500M); default: what "
                             "the machine (or its cgroup) has available. Inputs whose "
                             "estimated need exceeds it are refused before decoding.")(fn)


def status(msg: str):
    """A status or progress line: stderr (results alone go to stdout)."""
    click.echo(msg, err=True)


# -- inputs -----------------------------------------------------------------------------

def _named(name: str, path, e: BaseException):
    """A DepthsmithError naming the argument (and the file, unless the message does)."""
    from .._validate import DepthsmithError

    msg = _first_line(e)
    if isinstance(e, DepthsmithError):
        return DepthsmithError(f"{name}: {msg}" if str(path) in msg
                               else f"{name} {path}: {msg}")
    if isinstance(e, MemoryError):
        return DepthsmithError(f"{name} {path}: out of memory while reading it")
    return DepthsmithError(f"{name} {path}: cannot be read ({type(e).__name__}: {msg})")


def read_depth_arg(path, scale=None, name="DEPTH"):
    """Read a depth file, naming the argument in any error (a reader's unexpected
    exception too: an input file is never a traceback)."""
    from ..io import read_depth

    try:
        return read_depth(path, scale=scale)
    except Exception as e:
        if _debug() and not _is_lib_error(e):
            raise
        raise _named(name, path, e) from None


def _is_lib_error(e) -> bool:
    from .._validate import DepthsmithError

    return isinstance(e, DepthsmithError)


def read_guide_arg(path, shape=None, name="--guide"):
    """Read a guide image (every command's guide goes through here), naming the option in
    any error; with ``shape``, check it matches the depth's size."""
    from .._validate import DepthsmithError
    from ..io import read_image

    if path is None:
        return None

    try:
        g = read_image(path)
    except Exception as e:
        if _debug() and not _is_lib_error(e):
            raise
        raise _named(name, path, e) from None
    if shape is not None and g.shape[:2] != tuple(shape):
        raise DepthsmithError(f"{name}: {path} is {g.shape[1]}x{g.shape[0]} but the depth is "
                              f"{shape[1]}x{shape[0]}: expected the same size")
    return g


def require_valid(depth, path, name="DEPTH", why="nothing to work from"):
    """Refuse a depth map with no valid pixel, naming the argument (before computing)."""
    import numpy as np

    from .._validate import DepthsmithError

    with np.errstate(invalid="ignore"):
        if not (np.isfinite(depth) & (depth > 0)).any():
            raise DepthsmithError(f"{name} {path}: no valid pixel (every value is 0, NaN or "
                                  f"inf): {why}")


def input_size(path, name, kind="depth"):
    """(H, W) of an input from its header only (no pixel decoded), naming the argument; a
    depth input's extension is checked first (the depth readers go by it)."""
    from pathlib import Path

    from ..io import FORMATS, MAX_PIXELS, ReadError, UnsupportedFormatError, image_size

    try:
        ext = Path(path).suffix.lower()
        if kind == "depth" and ext not in FORMATS:
            raise UnsupportedFormatError(f"{path}: unknown depth format {ext or '(none)'!r}; "
                                         f"known: {', '.join(sorted(FORMATS))}")
        h, w = image_size(path)
        if h * w > MAX_PIXELS:  # what the readers refuse: say so before anything else
            raise ReadError(f"{path}: {w}x{h} image ({h * w:,} pixels) is over the limit of "
                            f"{MAX_PIXELS:,} pixels the readers decode")
        return int(h), int(w)
    except Exception as e:
        if _debug() and not _is_lib_error(e):
            raise
        raise _named(name, path, e) from None


def input_sizes(inputs) -> dict:
    """{name: (H, W)} of (name, path) inputs from their headers (None paths skipped)."""
    return {name: input_size(path, name, "image" if name == "--guide" else "depth")
            for name, path in inputs if path is not None}


def guard_memory(command, method, inputs, *, max_memory=None, output_hw=None, tile=None):
    """Refuse, before decoding anything, a run the memory guard says will not fit.

    ``inputs`` are (name, path) of the inputs whose headers give the pixel count (the
    largest counts); ``output_hw`` counts the output's pixels instead (upsample); ``tile``
    is ``--tile`` (the estimate of a tiled run). Returns the sizes read, by name."""
    from .._memory import check

    sizes = input_sizes(inputs)
    if output_hw is not None:
        pixels = output_hw[0] * output_hw[1]
        what = f"the {output_hw[1]}x{output_hw[0]} output"
    else:
        pixels = max((h * w for h, w in sizes.values()), default=0)
        what = next((f"{n} {p}" for n, p in inputs if p is not None
                     and sizes[n][0] * sizes[n][1] == pixels), "the input")
    check(command, method, pixels, max_memory=max_memory, what=what, tile=tile)
    return sizes


# -- outputs ----------------------------------------------------------------------------

def _same_file(a, b) -> bool:
    from pathlib import Path

    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError):
        return str(a) == str(b)


def check_outputs(outputs, *, overwrite=False, inputs=()):
    """Check every output before computing anything: (name, path, kind) triples, kind
    "depth" or "image"; None paths are skipped. Two outputs naming the same file are a
    usage error (exit 2); each is then checked by :func:`depthsmith.io.check_output`."""
    from ..io import check_output

    given = [(n, p, k) for n, p, k in outputs if p is not None]
    for i, (n1, p1, _) in enumerate(given):
        for n2, p2, _ in given[i + 1:]:
            if _same_file(p1, p2):
                fail(f"{n2} {p2} is also {n1}: give each output its own file", 2)
    ins = [i for i in inputs if i is not None]
    for name, path, kind in given:
        check_output(path, overwrite=overwrite, inputs=ins, name=name, kind=kind)


def check_plain_output(path, *, name, overwrite=False):
    """:func:`depthsmith.io.check_output` for a non-image output (a JSON or markdown
    report): not a folder, exists only with ``overwrite``, its folder exists and is
    writable."""
    from pathlib import Path

    from .._validate import DepthsmithError

    p = Path(path)
    folder = p.parent
    if p.is_dir():
        raise DepthsmithError(f"{name} {p}: is a folder: expected a file name")
    if p.exists() and not overwrite:
        raise DepthsmithError(f"{name} {p}: exists: pass --overwrite to replace it")
    if not folder.is_dir():
        raise DepthsmithError(f"{name} {p}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DepthsmithError(f"{name} {p}: folder {folder} is not writable")


def _write(name, path, write):
    """Run ``write()``, naming the option in any error."""
    from .._validate import DepthsmithError

    try:
        with _native_signals.writing():  # a signal now leaves through Python: temp removed
            return write()
    except DepthsmithError as e:
        msg = _first_line(e)
        raise DepthsmithError(msg if msg.startswith(name) else f"{name}: {msg}") from None
    except OSError as e:
        raise DepthsmithError(f"{name} {path}: cannot be written "
                              f"({e.strerror or _first_line(e)})") from None


def png_output_scale(output, scale, depth_path=None, name="-o"):
    """The stored value per unit for a depth output, decided before computing.

    ``--scale`` when given (a PNG output is written with it; other formats ignore it); for a
    PNG output without it, 1 when the input DEPTH is itself an integer PNG (the output keeps
    the input's encoding and precision); otherwise a usage error now, not after the work: a
    PNG stores integers, and float depth would be rounded (values under 0.5 lost).
    """
    if scale is not None or not str(output).lower().endswith(".png"):
        return scale
    if depth_path is not None and str(depth_path).lower().endswith(".png"):
        return 1.0
    fail(f"{name} {output}: a PNG stores integers: pass --scale (stored value per unit, "
         "e.g. 256 or 1000) or write .pfm/.npy/.tiff/.exr", 2)


def write_output(path, depth, *, scale=None, overwrite=False, inputs=(), name="-o"):
    """Write a depth output atomically (after :func:`check_outputs`); exclusive unless
    ``overwrite``, so of two runs racing for the same file one fails. ``scale`` (the
    input's --scale) applies to a PNG output only; float formats store values as they
    are."""
    from ..io import write_depth

    png = str(path).lower().endswith(".png")
    return _write(name, path, lambda: write_depth(path, depth, scale=scale if png else None,
                                                  overwrite=overwrite))


def write_picture(path, rgb, *, overwrite=False, name="OUT"):
    """Write an RGB picture atomically (exclusive unless ``overwrite``)."""
    from ..io import write_image

    return _write(name, path, lambda: write_image(path, rgb, overwrite=overwrite))
