"""upsample: guided depth super-resolution by an integer factor or to a given size."""

from __future__ import annotations

import click

from ..upsample import METHODS, auto_method, output_size, upsample
from ._common import (
    fail,
    guarded,
    output_option,
    overwrite_option,
    read_depth_arg,
    read_guide_arg,
    scale_option,
    status,
    write_output,
)
from ._methods import TaskMethods, method_options

TASK = TaskMethods("upsample", METHODS, upsample)


def _parse_size(value):
    if value is None:
        return None
    try:
        w, h = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"expected WIDTHxHEIGHT (e.g. 640x480), got {value!r}",
                                 param_hint="--size") from None
    if w < 1 or h < 1:
        raise click.BadParameter(f"sizes must be >= 1, got {value!r}", param_hint="--size")
    return h, w


@method_options(TASK)
@click.command("upsample")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--factor", type=click.IntRange(min=1), default=None,
              help="Integer upsampling factor (the output is factor x the depth's size).")
@click.option("--size", default=None, metavar="WxH",
              help="Arbitrary output size instead of --factor (e.g. 640x480).")
@click.option("--guide", type=click.Path(dir_okay=False), default=None,
              help="High-res color image; must be exactly the output size (needed by "
                   + ", ".join(m for m in TASK.methods if m in TASK.needs_guide) + ").")
@output_option
@TASK.method_option("auto: with a guide jbu below x4, optimize from x4; bicubic without.")
@scale_option
@click.option("--depth-scale", type=str, default=None, hidden=True)  # renamed in 0.2.0
@overwrite_option
@guarded
def upsample_cmd(depth, factor, size, guide, output, method, scale, depth_scale, overwrite,
                 params):
    """Super-resolve the low-res DEPTH (0, NaN, inf = invalid) and write -o OUT.

    The output size is --factor x DEPTH, or --size, or the --guide's size. A guide whose
    size is not the output size is refused (resize it, or pass --size). --scale is the
    stored value per unit of an integer PNG DEPTH (and of a PNG output), as in every
    command. The method options after --overwrite come from the methods' parameters; each
    applies to the methods listed in its help (with --method auto, to the method it picks).
    """
    if depth_scale is not None:
        fail("--depth-scale is now --scale (and the upsampling factor is --factor)", 2)
    hw = _parse_size(size)
    if factor is None and hw is None and guide is None:
        raise click.UsageError("give --factor, --size or --guide (the output size)")
    if method in TASK.needs_guide and guide is None:
        raise click.UsageError(f"--method {method} needs --guide RGB")
    TASK.resolve(method, params)  # options no method takes: before reading anything
    d = read_depth_arg(depth, scale, "DEPTH")
    g = read_guide_arg(guide)
    try:
        out_hw = output_size(d.shape, factor=factor, size=hw,
                             guide_shape=None if g is None else g.shape[:2])
    except ValueError as e:
        raise ValueError(f"--guide/--factor/--size: {e}") from None
    used = auto_method(max(out_hw[0] / d.shape[0], out_hw[1] / d.shape[1]),
                       g is not None) if method == "auto" else method
    params = TASK.resolve(method, params, runs=used)
    out = upsample(d, guide=g, size=out_hw, method=used, **params)
    inputs = [depth] + ([guide] if guide else [])
    write_output(output, out, scale=scale, overwrite=overwrite, inputs=inputs)
    status(f"{output}: {d.shape[1]}x{d.shape[0]} -> {out_hw[1]}x{out_hw[0]} ({used})")
