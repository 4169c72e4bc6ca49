"""refine: RGB-guided edge-preserving refinement of a depth map."""

from __future__ import annotations

import click

from ..refine import METHODS, refine
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

TASK = TaskMethods("refine", METHODS, refine)


@method_options(TASK)
@click.command("refine")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--guide", required=True, type=click.Path(dir_okay=False),
              help="Registered color image (same size as DEPTH).")
@output_option
@TASK.method_option("Refinement method.")
@click.option("--confidence", "confidence_path", type=click.Path(dir_okay=False), default=None,
              help="Optional per-pixel confidence map (any depth format, >= 0).")
@scale_option
@overwrite_option
@memory_option
@guarded
def refine_cmd(depth, guide, output, method, confidence_path, scale, overwrite, max_memory,
               params):
    """Denoise DEPTH and snap its edges to the color edges of --guide.

    Invalid pixels (0, NaN) are never read and are filled from valid neighbours. The output
    keeps DEPTH's units; a PNG output is written with the same --scale. The method options
    after --overwrite come from the methods' parameters (colour ones in 8-bit steps); each
    applies to the methods listed in its help.
    """
    import numpy as np

    params = TASK.resolve(method, params)
    inputs = [depth, guide, confidence_path]
    check_outputs([("-o", output, "depth")], overwrite=overwrite, inputs=inputs)
    out_scale = png_output_scale(output, scale, depth)
    guard_memory("refine", method, [("DEPTH", depth), ("--guide", guide),
                                    ("--confidence", confidence_path)], max_memory=max_memory)
    d = read_depth_arg(depth, scale, "DEPTH")
    g = read_guide_arg(guide, d.shape)
    require_valid(d, depth)
    conf = None
    if confidence_path:
        conf = read_depth_arg(confidence_path, None, "--confidence")
        if conf.shape != d.shape:
            raise ValueError(f"--confidence: {confidence_path} is {conf.shape[1]}x"
                             f"{conf.shape[0]} but the depth is {d.shape[1]}x{d.shape[0]}: "
                             "expected the same size")
        conf = np.nan_to_num(conf, nan=0.0)
    out = refine(d, g, confidence=conf, method=method, **params)
    write_output(output, out, scale=out_scale, overwrite=overwrite)
    status(f"wrote {output} ({d.shape[1]}x{d.shape[0]}, method {method})")
