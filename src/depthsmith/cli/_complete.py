"""complete: sparse-to-dense depth completion (LiDAR scans, SfM points, sampled sensors)."""

from __future__ import annotations

import click

from ..complete import METHODS, choose_method, complete
from ._common import (
    check_outputs,
    guard_memory,
    guarded,
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
from ._task_spec import TaskSpec, quiet_resolve, tile_kw, tile_note

TASK = TaskMethods("complete", METHODS, complete)
#: the callback keywords :func:`task_options` adds (with ``params``: the method options)
KEYS = ("method",)


def task_options(fn):
    """complete's own options, shared by ``depthsmith complete`` and ``depthsmith batch
    complete``."""
    return TASK.method_option("Completion method (auto: guided for very sparse input with a "
                              "guide, else normconv).")(fn)


def check(options: dict, has_guide: bool) -> None:
    """Usage checks before any file is read (exit 2)."""
    method = options["method"]
    if method in TASK.needs_guide and not has_guide:
        raise click.UsageError(f"--method {method} needs --guide RGB")
    TASK.resolve(method, options["params"])  # options no method takes


def run_item(paths: dict, options: dict) -> str:
    """Complete one sparse depth map: ``paths`` has ``depth``, ``guide`` (or None) and
    ``output``; returns the status line."""
    import numpy as np

    depth, guide, output = paths["depth"], paths.get("guide"), paths["output"]
    method = options["method"]
    # auto runs guided (the costlier) only with a guide
    costliest = "guided" if method == "auto" and guide is not None else method
    guard_memory("complete", costliest, [("DEPTH", depth), ("--guide", guide)],
                 max_memory=options.get("max_memory"), tile=options.get("tile"))
    d = read_depth_arg(depth, options.get("scale"), "DEPTH")
    g = read_guide_arg(guide, d.shape)
    require_valid(d, depth)
    valid = np.isfinite(d) & (d > 0)
    used = choose_method(valid, g is not None) if method == "auto" else method
    if options.get("batch"):  # auto may pick another method for another item
        params = quiet_resolve(TASK, method, options["params"], runs=used)
    else:
        params = TASK.resolve(method, options["params"], runs=used)
    out = complete(d, g, method=method, **tile_kw(options), **params)
    write_output(output, out, scale=options.get("out_scale"),
                 overwrite=options.get("overwrite", False))
    return (f"{output}: completed {d.shape[1]}x{d.shape[0]} from "
            f"{100 * valid.mean():.2f}% valid pixels ({used})"
            + tile_note("complete", used, params, options))


SPEC = TaskSpec("complete", __name__, task_options, KEYS, TASK, guide="optional",
                inputs="depth", check=check, run_item=run_item,
                help="Complete every sparse depth map of --input (guides paired by name).")


@method_options(TASK)
@click.command("complete")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--guide", type=click.Path(dir_okay=False), default=None,
              help="Registered color image (same size as DEPTH); needed by --method "
                   + ", ".join(sorted(TASK.needs_guide)) + ".")
@output_option
@task_options
@scale_option
@overwrite_option
@memory_option
@tile_option
@threads_option
@guarded
def complete_cmd(depth, guide, output, method, scale, overwrite, max_memory, tile, threads,
                 params):
    """Complete the sparse DEPTH (0, NaN, inf = no sample) into a dense map -o OUT.

    KITTI uint16 PNGs are read directly with --scale 256 (metres); the output keeps the
    input's units, and a PNG output is written with the same --scale. The method options
    after --threads come from the methods' parameters; each applies to the methods listed
    in its help (with --method auto, to the method auto picks).
    """
    from .._threads import threads as threads_block

    options = {"method": method, "params": params, "scale": scale, "overwrite": overwrite,
               "max_memory": max_memory, "tile": tile}
    check(options, guide is not None)
    check_outputs([("-o", output, "depth")], overwrite=overwrite, inputs=[depth, guide])
    options["out_scale"] = png_output_scale(output, scale, depth)
    with threads_block(threads):
        status(run_item({"depth": depth, "guide": guide, "output": output}, options))
