"""The click group, shared options and the error contract."""

from __future__ import annotations

import functools
import sys

import click

from .. import __version__
from .._validate import DepthsmithError

__all__ = ["main", "guarded", "scale_option", "overwrite_option", "output_option",
           "read_depth_arg", "read_guide_arg", "write_output", "fail"]


class _Group(click.Group):
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
        except (DepthsmithError, ValueError, TypeError, OSError) as e:
            fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
        except MemoryError:
            fail("out of memory: try a smaller input")

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


def read_depth_arg(path, scale=None, name="DEPTH"):
    """Read a depth file, naming the argument in any error."""
    from ..io import read_depth

    try:
        return read_depth(path, scale=scale)
    except DepthsmithError as e:
        raise DepthsmithError(f"{name}: {e}") from None


def read_guide_arg(path, shape, name="--guide"):
    """Read a guide image and check it matches the depth's size."""
    from ..io import read_image

    try:
        g = read_image(path)
    except DepthsmithError as e:
        raise DepthsmithError(f"{name}: {e}") from None
    if g.shape[:2] != tuple(shape):
        raise DepthsmithError(f"{name}: {path} is {g.shape[1]}x{g.shape[0]} but the depth is "
                              f"{shape[1]}x{shape[0]}: expected the same size")
    return g


def write_output(path, depth, *, scale=None, overwrite=False, inputs=()):
    """Check then write a depth output atomically, never over an input."""
    from ..io import check_output, write_depth

    check_output(path, overwrite=overwrite, inputs=inputs)
    return write_depth(path, depth, scale=scale)
