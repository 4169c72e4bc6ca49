"""upsample: guided depth super-resolution by an integer factor or to a given size."""

from __future__ import annotations

import click

from ._common import (
    guarded,
    main,
    output_option,
    overwrite_option,
    read_depth_arg,
    write_output,
)

_METHODS = ("auto", "nearest", "bicubic", "jbu", "guided", "optimize")


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


@main.command("upsample")
@click.argument("depth", type=click.Path(dir_okay=False))
@click.option("--scale", "factor", type=click.IntRange(min=1), default=None,
              help="Integer upsampling factor (the output is factor x the depth's size).")
@click.option("--size", default=None, metavar="WxH",
              help="Arbitrary output size instead of --scale (e.g. 640x480).")
@click.option("--guide", type=click.Path(dir_okay=False), default=None,
              help="High-res color image; must be exactly the output size.")
@output_option
@click.option("--method", type=click.Choice(_METHODS), default="auto", show_default=True,
              help="auto: with a guide jbu below x4, optimize from x4; bicubic without.")
@click.option("--depth-scale", type=float, default=None,
              help="Stored value per unit of an integer PNG DEPTH (and of a PNG output).")
@overwrite_option
@guarded
def upsample_cmd(depth, factor, size, guide, output, method, depth_scale, overwrite):
    """Super-resolve the low-res DEPTH (0, NaN, inf = invalid) and write -o OUT.

    The output size is --scale x DEPTH, or --size, or the --guide's size. A guide whose
    size is not the output size is refused (resize it, or pass --size).
    """
    from ..io import read_image
    from ..upsample import auto_method, output_size, upsample

    hw = _parse_size(size)
    if factor is None and hw is None and guide is None:
        raise click.UsageError("give --scale, --size or --guide (the output size)")
    if method in ("jbu", "guided", "optimize") and guide is None:
        raise click.UsageError(f"--method {method} needs --guide RGB")
    d = read_depth_arg(depth, depth_scale, "DEPTH")
    g = None
    if guide:
        try:
            g = read_image(guide)
        except Exception as e:  # noqa: BLE001 - one line naming the option
            raise ValueError(f"--guide: {e}") from None
    try:
        out_hw = output_size(d.shape, scale=factor, size=hw,
                             guide_shape=None if g is None else g.shape[:2])
    except ValueError as e:
        raise ValueError(f"--guide/--scale/--size: {e}") from None
    used = auto_method(max(out_hw[0] / d.shape[0], out_hw[1] / d.shape[1]),
                       g is not None) if method == "auto" else method
    out = upsample(d, guide=g, size=out_hw, method=used)
    inputs = [depth] + ([guide] if guide else [])
    write_output(output, out, scale=depth_scale, overwrite=overwrite, inputs=inputs)
    click.echo(f"{output}: {d.shape[1]}x{d.shape[0]} -> {out_hw[1]}x{out_hw[0]} ({used})")

