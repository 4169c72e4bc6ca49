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
from ._scale_options import threads_option, tile_option
from ._task_spec import TaskSpec, tile_kw, tile_note

TASK = TaskMethods("refine", METHODS, refine)
#: the callback keywords :func:`task_options` adds (with ``params``: the method options)
KEYS = ("method",)


def task_options(fn):
    """refine's own options, shared by ``depthsmith refine`` and ``depthsmith batch refine``."""
    return TASK.method_option("Refinement method.")(fn)


def check(options: dict, has_guide: bool) -> None:
    """Usage checks before any file is read (exit 2)."""
    TASK.resolve(options["method"], options["params"])


def run_item(paths: dict, options: dict) -> str:
    """Refine one depth map: ``paths`` has ``depth``, ``guide``, ``output`` and optionally
    ``confidence``; returns the status line."""
    import numpy as np

    depth, guide, output = paths["depth"], paths["guide"], paths["output"]
    confidence_path = paths.get("confidence")
    method = options["method"]
    params = TASK.resolve(method, options["params"])
    guard_memory("refine", method, [("DEPTH", depth), ("--guide", guide),
                                    ("--confidence", confidence_path)],
                 max_memory=options.get("max_memory"), tile=options.get("tile"))
    d = read_depth_arg(depth, options.get("scale"), "DEPTH")
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
    out = refine(d, g, confidence=conf, method=method, **tile_kw(options), **params)
    write_output(output, out, scale=options.get("out_scale"),
                 overwrite=options.get("overwrite", False))
    return (f"wrote {output} ({d.shape[1]}x{d.shape[0]}, method {method})"
            + tile_note("refine", method, params, options))


SPEC = TaskSpec("refine", __name__, task_options, KEYS, TASK, guide="required",
                inputs="depth", check=check, run_item=run_item,
                help="Refine every depth map of --input with its guide (paired by name).")


@method_options(TASK)
@click.command("refine")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--guide", required=True, type=click.Path(dir_okay=False),
              help="Registered color image (same size as DEPTH).")
@output_option
@task_options
@click.option("--confidence", "confidence_path", type=click.Path(dir_okay=False), default=None,
              help="Optional per-pixel confidence map (any depth format, >= 0).")
@scale_option
@overwrite_option
@memory_option
@tile_option
@threads_option
@guarded
def refine_cmd(depth, guide, output, method, confidence_path, scale, overwrite, max_memory,
               tile, threads, params):
    """Denoise DEPTH and snap its edges to the color edges of --guide.

    Invalid pixels (0, NaN) are never read and are filled from valid neighbours. The output
    keeps DEPTH's units; a PNG output is written with the same --scale. The method options
    after --threads come from the methods' parameters (colour ones in 8-bit steps); each
    applies to the methods listed in its help.
    """
    from .._threads import threads as threads_block

    options = {"method": method, "params": params, "scale": scale, "overwrite": overwrite,
               "max_memory": max_memory, "tile": tile}
    check(options, True)
    inputs = [depth, guide, confidence_path]
    check_outputs([("-o", output, "depth")], overwrite=overwrite, inputs=inputs)
    options["out_scale"] = png_output_scale(output, scale, depth)
    with threads_block(threads):
        status(run_item({"depth": depth, "guide": guide, "output": output,
                         "confidence": confidence_path}, options))
