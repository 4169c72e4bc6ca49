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

TASK = TaskMethods("complete", METHODS, complete)


@method_options(TASK)
@click.command("complete")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--guide", type=click.Path(dir_okay=False), default=None,
              help="Registered color image (same size as DEPTH); needed by --method "
                   + ", ".join(sorted(TASK.needs_guide)) + ".")
@output_option
@TASK.method_option("Completion method (auto: guided for very sparse input with a guide, "
                    "else normconv).")
@scale_option
@overwrite_option
@memory_option
@guarded
def complete_cmd(depth, guide, output, method, scale, overwrite, max_memory, params):
    """Complete the sparse DEPTH (0, NaN, inf = no sample) into a dense map -o OUT.

    KITTI uint16 PNGs are read directly with --scale 256 (metres); the output keeps the
    input's units, and a PNG output is written with the same --scale. The method options
    after --overwrite come from the methods' parameters; each applies to the methods listed
    in its help (with --method auto, to the method auto picks).
    """
    import numpy as np

    if method in TASK.needs_guide and guide is None:
        raise click.UsageError(f"--method {method} needs --guide RGB")
    TASK.resolve(method, params)  # options no method takes: before reading anything
    check_outputs([("-o", output, "depth")], overwrite=overwrite, inputs=[depth, guide])
    out_scale = png_output_scale(output, scale, depth)
    # auto runs guided (the costlier) only with a guide
    costliest = "guided" if method == "auto" and guide is not None else method
    guard_memory("complete", costliest, [("DEPTH", depth), ("--guide", guide)],
                 max_memory=max_memory)
    d = read_depth_arg(depth, scale, "DEPTH")
    g = read_guide_arg(guide, d.shape)
    require_valid(d, depth)
    valid = np.isfinite(d) & (d > 0)
    used = choose_method(valid, g is not None) if method == "auto" else method
    params = TASK.resolve(method, params, runs=used)
    out = complete(d, g, method=method, **params)
    write_output(output, out, scale=out_scale, overwrite=overwrite)
    status(f"{output}: completed {d.shape[1]}x{d.shape[0]} from "
           f"{100 * valid.mean():.2f}% valid pixels ({used})")
