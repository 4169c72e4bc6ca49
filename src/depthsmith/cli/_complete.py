"""complete: sparse-to-dense depth completion (LiDAR scans, SfM points, sampled sensors)."""

from __future__ import annotations

import click

from ._common import (
    guarded,
    main,
    output_option,
    overwrite_option,
    read_depth_arg,
    read_guide_arg,
    scale_option,
    write_output,
)

_METHODS = ("auto", "normconv", "guided", "interpolate", "morphological")


@main.command("complete")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--guide", type=click.Path(dir_okay=False), default=None,
              help="Registered color image (same size as DEPTH); needed by --method guided.")
@output_option
@click.option("--method", type=click.Choice(_METHODS), default="auto", show_default=True,
              help="Completion method (auto: guided for very sparse input with a guide, "
                   "else normconv).")
@scale_option
@click.option("--preset", type=click.Choice(("paper", "hdl64", "hdl32")), default=None,
              help="Kernel preset of --method morphological.")
@overwrite_option
@guarded
def complete_cmd(depth, guide, output, method, scale, preset, overwrite):
    """Complete the sparse DEPTH (0, NaN, inf = no sample) into a dense map -o OUT.

    KITTI uint16 PNGs are read directly with --scale 256 (metres); the output keeps the
    input's units, and a PNG output is written with the same --scale.
    """
    import numpy as np

    from ..complete import choose_method, complete

    d = read_depth_arg(depth, scale, "DEPTH")
    g = read_guide_arg(guide, d.shape) if guide else None
    if method == "guided" and g is None:
        raise click.UsageError("--method guided needs --guide RGB")
    params = {}
    if preset is not None:
        if method != "morphological":
            raise click.UsageError("--preset is only used by --method morphological")
        params["preset"] = preset
    valid = np.isfinite(d) & (d > 0)
    used = choose_method(valid, g is not None) if method == "auto" else method
    out = complete(d, g, method=method, **params)
    inputs = [depth] + ([guide] if guide else [])
    write_output(output, out, scale=scale, overwrite=overwrite, inputs=inputs)
    click.echo(f"{output}: completed {d.shape[1]}x{d.shape[0]} from "
               f"{100 * valid.mean():.2f}% valid pixels ({used})")
