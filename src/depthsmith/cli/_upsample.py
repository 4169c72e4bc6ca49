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
from ._scale_options import threads_option, tile_option
from ._task_spec import TaskSpec, quiet_resolve, tile_kw

TASK = TaskMethods("upsample", METHODS, upsample)
#: the callback keywords :func:`task_options` adds (with ``params``: the method options)
KEYS = ("method", "factor", "size")


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


def task_options(fn):
    """upsample's own options, shared by ``depthsmith upsample`` and ``depthsmith batch
    upsample``."""
    fn = TASK.method_option("auto: with a guide jbu below x4, optimize from x4 (learned "
                            "at x2-x16 when the low-res input looks antialiased); bicubic "
                            "without.")(fn)
    fn = click.option("--size", default=None, metavar="WxH",
                      help="Arbitrary output size instead of --factor (e.g. 640x480).")(fn)
    return click.option("--factor", type=click.IntRange(min=1), default=None,
                        help="Integer upsampling factor (the output is factor x the depth's "
                             "size).")(fn)


def check(options: dict, has_guide: bool) -> None:
    """Usage checks before any file is read (exit 2)."""
    method = options["method"]
    _parse_size(options.get("size"))
    if options.get("factor") is None and options.get("size") is None and not has_guide:
        raise click.UsageError("give --factor, --size or --guide (the output size)")
    if method in TASK.needs_guide and not has_guide:
        raise click.UsageError(f"--method {method} needs --guide RGB")
    TASK.resolve(method, options["params"])  # options no method takes: before reading


def run_item(paths: dict, options: dict) -> str:
    """Upsample one depth map: ``paths`` has ``depth``, ``guide`` (or None) and ``output``;
    returns the status line."""
    depth, guide, output = paths["depth"], paths.get("guide"), paths["output"]
    method, factor = options["method"], options.get("factor")
    hw = _parse_size(options.get("size"))
    # the output size from the headers: the memory guard counts the output's pixels
    sizes = input_sizes([("DEPTH", depth), ("--guide", guide)])
    in_hw = sizes["DEPTH"]
    out_hw = _output_size(in_hw, factor, hw, sizes.get("--guide"))
    used = auto_method(max(out_hw[0] / in_hw[0], out_hw[1] / in_hw[1]),
                       guide is not None) if method == "auto" else method
    if options.get("batch"):  # auto may pick another method for another item
        params = quiet_resolve(TASK, method, options["params"], runs=used)
    else:
        params = TASK.resolve(method, options["params"], runs=used)
    guard_memory("upsample", used, [], max_memory=options.get("max_memory"), output_hw=out_hw,
                 tile=options.get("tile"))
    d = read_depth_arg(depth, options.get("scale"), "DEPTH")
    g = read_guide_arg(guide)
    require_valid(d, depth)
    out_hw = _output_size(d.shape, factor, hw, None if g is None else g.shape[:2])
    if method == "auto" and not params:  # auto's input rule reads the low-res depth itself
        picked = auto_method(max(out_hw[0] / d.shape[0], out_hw[1] / d.shape[1]),
                             g is not None, d)
        if picked != used:
            guard_memory("upsample", picked, [], max_memory=options.get("max_memory"),
                         output_hw=out_hw, tile=options.get("tile"))
            used = picked
    out = upsample(d, guide=g, size=out_hw, method=used, **tile_kw(options), **params)
    write_output(output, out, scale=options.get("out_scale"),
                 overwrite=options.get("overwrite", False))
    return f"{output}: {d.shape[1]}x{d.shape[0]} -> {out_hw[1]}x{out_hw[0]} ({used})"


SPEC = TaskSpec("upsample", __name__, task_options, KEYS, TASK, guide="optional",
                inputs="depth", check=check, run_item=run_item,
                help="Super-resolve every depth map of --input (guides paired by name).")


@method_options(TASK)
@click.command("upsample")
@click.argument("depth", type=click.Path(dir_okay=False))
@task_options
@click.option("--guide", type=click.Path(dir_okay=False), default=None,
              help="High-res color image; must be exactly the output size (needed by "
                   + ", ".join(m for m in TASK.methods if m in TASK.needs_guide) + ").")
@output_option
@scale_option
@click.option("--depth-scale", type=str, default=None, hidden=True)  # renamed in 0.2.0
@overwrite_option
@memory_option
@tile_option
@threads_option
@guarded
def upsample_cmd(depth, factor, size, guide, output, method, scale, depth_scale, overwrite,
                 max_memory, tile, threads, params):
    """Super-resolve the low-res DEPTH (0, NaN, inf = invalid) and write -o OUT.

    The output size is --factor x DEPTH, or --size, or the --guide's size. A guide whose
    size is not the output size is refused (resize it, or pass --size). --scale is the
    stored value per unit of an integer PNG DEPTH (and of a PNG output), as in every
    command. The method options after --threads come from the methods' parameters; each
    applies to the methods listed in its help (with --method auto, to the method it picks).
    """
    from .._threads import threads as threads_block

    if depth_scale is not None:
        fail("--depth-scale is now --scale (and the upsampling factor is --factor)", 2)
    options = {"method": method, "params": params, "factor": factor, "size": size,
               "scale": scale, "overwrite": overwrite, "max_memory": max_memory, "tile": tile}
    check(options, guide is not None)
    check_outputs([("-o", output, "depth")], overwrite=overwrite, inputs=[depth, guide])
    options["out_scale"] = png_output_scale(output, scale, depth)
    with threads_block(threads):
        status(run_item({"depth": depth, "guide": guide, "output": output}, options))
