"""depthsmith complete: the command line."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from ..complete.test_complete import _guide


def test_cli_complete(tmp_path, rng):
    from depthsmith.cli import main
    from depthsmith.io import read_depth, write_depth, write_image

    d = rng.uniform(5, 60, (40, 50)).astype(np.float32)
    m = rng.random(d.shape) < 0.1
    src = tmp_path / "sparse.png"
    write_depth(src, np.where(m, d, np.nan), scale=256)
    gpath = tmp_path / "rgb.png"
    write_image(gpath, _guide(40, 50, rng))
    out = tmp_path / "dense.png"
    runner = CliRunner()
    r = runner.invoke(main, ["complete", str(src), "--scale", "256", "-o", str(out)])
    assert r.exit_code == 0, r.output
    dense = read_depth(out, scale=256)
    assert dense.shape == d.shape and np.isfinite(dense).all()
    assert "normconv" in r.output
    # existing output needs --overwrite (library error: exit 1, one line)
    r = runner.invoke(main, ["complete", str(src), "--scale", "256", "-o", str(out)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    r = runner.invoke(main, ["complete", str(src), "--scale", "256", "-o", str(out),
                             "--overwrite", "--method", "guided", "--guide", str(gpath)])
    assert r.exit_code == 0, r.output
    # usage errors exit 2
    r = runner.invoke(main, ["complete", str(src), "-o", str(tmp_path / "x.png"),
                             "--method", "guided"])
    assert r.exit_code == 2
    r = runner.invoke(main, ["complete", str(src), "-o", str(tmp_path / "x.png"),
                             "--preset", "hdl32"])
    assert r.exit_code == 2
    r = runner.invoke(main, ["complete", str(tmp_path / "missing.png"), "-o",
                             str(tmp_path / "y.png")])
    assert r.exit_code != 0 and not (tmp_path / "y.png").exists()
    r = runner.invoke(main, ["complete", str(src), "--scale", "256", "-o",
                             str(tmp_path / "z.png"), "--method", "morphological",
                             "--preset", "hdl32"])
    assert r.exit_code == 0, r.output
