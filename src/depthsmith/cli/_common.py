"""The click group, shared options and the error contract."""

from __future__ import annotations

import functools
import importlib
import sys

import click

from .. import __version__

__all__ = ["main", "COMMANDS", "guarded", "scale_option", "overwrite_option", "output_option",
           "read_depth_arg", "read_guide_arg", "write_output", "fail", "status"]

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
    "bench": ("_bench", "bench", "Run benchmark TASKS such as FILL-OCC (or all) and print their "
                                 "tables."),
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

    def main(self, *args, **kwargs):
        # click prints usage errors itself with exit 2; everything else unexpected becomes
        # one line and exit 1, never a traceback
        try:
            return super().main(*args, standalone_mode=kwargs.pop("standalone_mode", True),
                                **kwargs)
        except KeyboardInterrupt:
            click.echo("depthsmith: interrupted", err=True)
            sys.exit(130)


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


def guarded(fn):
    """Turn library errors (bad input, unreadable files, failures) into one line + exit 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except MemoryError:
            fail("out of memory: try a smaller input")
        except Exception as e:
            from .._validate import DepthsmithError

            if not isinstance(e, (DepthsmithError, ValueError, TypeError, OSError)):
                raise
            fail(str(e).splitlines()[0] if str(e) else type(e).__name__)

    return wrapper


def scale_option(fn):
    return click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=None,
                        help="Stored value per unit for integer PNGs (KITTI 256, NYU 1000, "
                             "Middlebury cones 4); never guessed.")(fn)


def overwrite_option(fn):
    return click.option("--overwrite", is_flag=True,
                        help="Replace an existing output file.")(fn)


def output_option(fn):
    return click.option("-o", "--output", "output", required=True,
                        type=click.Path(dir_okay=False),
                        help="Output depth file (format from the extension).")(fn)


def status(msg: str):
    """A status or progress line: stderr (results alone go to stdout)."""
    click.echo(msg, err=True)


def read_depth_arg(path, scale=None, name="DEPTH"):
    """Read a depth file, naming the argument in any error."""
    from .._validate import DepthsmithError
    from ..io import read_depth

    try:
        return read_depth(path, scale=scale)
    except DepthsmithError as e:
        raise DepthsmithError(f"{name}: {e}") from None


def read_guide_arg(path, shape=None, name="--guide"):
    """Read a guide image (every command's guide goes through here), naming the option in
    any error; with ``shape``, check it matches the depth's size."""
    from .._validate import DepthsmithError
    from ..io import read_image

    if path is None:
        return None

    try:
        g = read_image(path)
    except DepthsmithError as e:
        raise DepthsmithError(f"{name}: {e}") from None
    if shape is not None and g.shape[:2] != tuple(shape):
        raise DepthsmithError(f"{name}: {path} is {g.shape[1]}x{g.shape[0]} but the depth is "
                              f"{shape[1]}x{shape[0]}: expected the same size")
    return g


def write_output(path, depth, *, scale=None, overwrite=False, inputs=()):
    """Check then write a depth output atomically, never over an input. ``scale`` (the
    input's --scale) applies to a PNG output only; float formats store values as they are."""
    from ..io import check_output, write_depth

    check_output(path, overwrite=overwrite, inputs=inputs)
    png = str(path).lower().endswith(".png")
    return write_depth(path, depth, scale=scale if png else None)
