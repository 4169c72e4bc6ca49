"""fill: fill holes and stereo occlusions of a depth map."""

from __future__ import annotations

import click

from ..fill import METHODS, fill_holes
from ._common import (
    _write,
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

TASK = TaskMethods("fill", METHODS, fill_holes)


@method_options(TASK)
@click.command("fill")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--guide", type=click.Path(dir_okay=False), default=None,
              help="Registered color image (same size as DEPTH); strongly recommended.")
@output_option
@TASK.method_option("Fill method (auto: color-guided propagation).")
@scale_option
@click.option("--max-hole", type=click.FloatRange(0), default=None,
              help="Leave invalid (0 / NaN) where the nearest valid pixel is farther than "
                   "this many px.")
@click.option("--occlusion", is_flag=True,
              help="The holes are stereo occlusions: fill from the background side "
                   "(methods that cannot refuse it).")
@click.option("--disparity", is_flag=True,
              help="Values are disparities (larger = nearer); used with --occlusion and by "
                   "the background method.")
@click.option("--preview", type=click.Path(dir_okay=False), default=None,
              help="Also write a colorized before/after picture (PNG).")
@overwrite_option
@memory_option
@guarded
def fill_cmd(depth, guide, output, method, scale, max_hole, occlusion, disparity, preview,
             overwrite, max_memory, params):
    """Fill the holes (0, NaN, inf) of DEPTH and write the dense map to -o OUT.

    The method options after --overwrite come from the methods' parameters; each applies
    to the methods listed in its help (auto passes them on to guided).
    """
    import numpy as np

    params = TASK.resolve(method, params)
    inputs = [depth, guide]
    check_outputs([("-o", output, "depth"), ("--preview", preview, "image")],
                  overwrite=overwrite, inputs=inputs)
    out_scale = png_output_scale(output, scale, depth)
    guard_memory("fill", method, [("DEPTH", depth), ("--guide", guide)], max_memory=max_memory)
    d = read_depth_arg(depth, scale, "DEPTH")
    g = read_guide_arg(guide, d.shape)
    require_valid(d, depth)
    out = fill_holes(d, g, method=method, max_hole=max_hole, occlusion=occlusion,
                     disparity=disparity, **params)
    write_output(output, out, scale=out_scale, overwrite=overwrite, inputs=inputs)
    n_holes = int((~(np.isfinite(d) & (d > 0))).sum())
    left = int((~np.isfinite(out)).sum())
    status(f"{output}: filled {n_holes - left} of {n_holes} invalid pixels ({method})"
           + (f", {left} left beyond --max-hole" if left else ""))
    if preview:
        from ..io import colorize, save_panel

        vals = d[np.isfinite(d) & (d > 0)]
        lo, hi = np.percentile(vals, [2, 98]) if vals.size else (0.0, 1.0)
        imgs = ([g] if g is not None and g.dtype == np.uint8 else []) + [
            colorize(d, vmin=lo, vmax=hi), colorize(out, vmin=lo, vmax=hi)]
        titles = (["guide"] if len(imgs) == 3 else []) + ["input", f"filled ({method})"]
        _write("--preview", preview,
               lambda: save_panel(preview, imgs, titles, overwrite=overwrite))
        status(f"wrote {preview}")
