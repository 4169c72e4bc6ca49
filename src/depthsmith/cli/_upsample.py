"""upsample: guided depth super-resolution by an integer factor or to a given size."""

from __future__ import annotations

import click

from ..upsample import METHODS, auto_method, output_size, upsample
from ._common import (
    check_outputs,
    fail,
    guard_memory,
    guarded,
    input_sizes,
    memory_option,
    output_option,
    overwrite_option,
    png_output_scale,
    read_depth_arg,
    read_guide_arg,
    require_valid,
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


def _output_size(shape, factor, hw, guide_shape):
    try:
        return output_size(shape, factor=factor, size=hw, guide_shape=guide_shape)
    except ValueError as e:
        raise ValueError(f"--guide/--factor/--size: {e}") from None


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
@memory_option
@guarded
def upsample_cmd(depth, factor, size, guide, output, method, scale, depth_scale, overwrite,
                 max_memory, params):
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
    check_outputs([("-o", output, "depth")], overwrite=overwrite, inputs=[depth, guide])
    out_scale = png_output_scale(output, scale, depth)
    # the output size from the headers: the memory guard counts the output's pixels
    sizes = input_sizes([("DEPTH", depth), ("--guide", guide)])
    in_hw = sizes["DEPTH"]
    out_hw = _output_size(in_hw, factor, hw, sizes.get("--guide"))
    used = auto_method(max(out_hw[0] / in_hw[0], out_hw[1] / in_hw[1]),
                       guide is not None) if method == "auto" else method
    params = TASK.resolve(method, params, runs=used)
    guard_memory("upsample", used, [], max_memory=max_memory, output_hw=out_hw)
    d = read_depth_arg(depth, scale, "DEPTH")
    g = read_guide_arg(guide)
    require_valid(d, depth)
    out_hw = _output_size(d.shape, factor, hw, None if g is None else g.shape[:2])
    out = upsample(d, guide=g, size=out_hw, method=used, **params)
    write_output(output, out, scale=out_scale, overwrite=overwrite)
    status(f"{output}: {d.shape[1]}x{d.shape[0]} -> {out_hw[1]}x{out_hw[0]} ({used})")
