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
from ._scale_options import threads_option, tile_option
from ._task_spec import TaskSpec, tile_kw, tile_note

TASK = TaskMethods("fill", METHODS, fill_holes)
#: the callback keywords :func:`task_options` adds (with ``params``: the method options)
KEYS = ("method", "max_hole", "occlusion", "disparity")


def task_options(fn):
    """fill's own options, shared by ``depthsmith fill`` and ``depthsmith batch fill``."""
    fn = click.option("--disparity", is_flag=True,
                      help="Values are disparities (larger = nearer); used with --occlusion "
                           "and by the background method.")(fn)
    fn = click.option("--occlusion", is_flag=True,
                      help="The holes are stereo occlusions: fill from the background side "
                           "(methods that cannot refuse it).")(fn)
    fn = click.option("--max-hole", type=click.FloatRange(0), default=None,
                      help="Leave invalid (0 / NaN) where the nearest valid pixel is farther "
                           "than this many px.")(fn)
    return TASK.method_option("Fill method (auto: color-guided planes, blended with the thin "
                              "plate on soft-edged depth).")(fn)


def check(options: dict, has_guide: bool) -> None:
    """Usage checks before any file is read (exit 2)."""
    TASK.resolve(options["method"], options["params"])


def _run(paths: dict, options: dict):
    depth, guide, output = paths["depth"], paths.get("guide"), paths["output"]
    method = options["method"]
    params = TASK.resolve(method, options["params"])
    guard_memory("fill", method, [("DEPTH", depth), ("--guide", guide)],
                 max_memory=options.get("max_memory"), tile=options.get("tile"))
    d = read_depth_arg(depth, options.get("scale"), "DEPTH")
    g = read_guide_arg(guide, d.shape)
    require_valid(d, depth)
    out = fill_holes(d, g, method=method, max_hole=options.get("max_hole"),
                     occlusion=options.get("occlusion", False),
                     disparity=options.get("disparity", False), **tile_kw(options), **params)
    write_output(output, out, scale=options.get("out_scale"),
                 overwrite=options.get("overwrite", False), inputs=[depth, guide])
    return d, g, out


def _message(output, method, d, out) -> str:
    import numpy as np

    n_holes = int((~(np.isfinite(d) & (d > 0))).sum())
    left = int((~np.isfinite(out)).sum())
    return (f"{output}: filled {n_holes - left} of {n_holes} invalid pixels ({method})"
            + (f", {left} left beyond --max-hole" if left else ""))


def run_item(paths: dict, options: dict) -> str:
    """Fill one depth map: ``paths`` has ``depth``, ``guide`` (or None) and ``output``;
    returns the status line."""
    d, _, out = _run(paths, options)
    return (_message(paths["output"], options["method"], d, out)
            + tile_note("fill", options["method"], options["params"], options))


SPEC = TaskSpec("fill", __name__, task_options, KEYS, TASK, guide="optional", inputs="depth",
                check=check, run_item=run_item,
                help="Fill the holes of every depth map of --input (guides paired by name).")


@method_options(TASK)
@click.command("fill")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--guide", type=click.Path(dir_okay=False), default=None,
              help="Registered color image (same size as DEPTH); strongly recommended.")
@output_option
@task_options
@scale_option
@click.option("--preview", type=click.Path(dir_okay=False), default=None,
              help="Also write a colorized before/after picture (PNG).")
@overwrite_option
@memory_option
@tile_option
@threads_option
@guarded
def fill_cmd(depth, guide, output, method, scale, max_hole, occlusion, disparity, preview,
             overwrite, max_memory, tile, threads, params):
    """Fill the holes (0, NaN, inf) of DEPTH and write the dense map to -o OUT.

    The method options after --threads come from the methods' parameters; each applies
    to the methods listed in its help (auto passes them on to planes).
    """
    import numpy as np

    from .._threads import threads as threads_block

    options = {"method": method, "params": params, "max_hole": max_hole,
               "occlusion": occlusion, "disparity": disparity, "scale": scale,
               "overwrite": overwrite, "max_memory": max_memory, "tile": tile}
    check(options, guide is not None)
    inputs = [depth, guide]
    check_outputs([("-o", output, "depth"), ("--preview", preview, "image")],
                  overwrite=overwrite, inputs=inputs)
    options["out_scale"] = png_output_scale(output, scale, depth)
    with threads_block(threads):
        d, g, out = _run({"depth": depth, "guide": guide, "output": output}, options)
    status(_message(output, method, d, out) + tile_note("fill", method, params, options))
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
