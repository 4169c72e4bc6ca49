"""``--tile`` and ``--threads`` (``depthsmith.cli._scale_options``): values, usage errors and
the ``DEPTHSMITH_NUM_THREADS`` default."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from depthsmith.cli._scale_options import THREADS_ENV, threads_option, tile_option


@click.command()
@tile_option
@threads_option
def _cmd(tile, threads):
    click.echo(f"{tile} {threads}")


@pytest.mark.parametrize(("args", "env", "want"), [
    ([], {}, "None None"),
    (["--tile", "512", "--threads", "2"], {}, "512 2"),
    ([], {THREADS_ENV: "3"}, "None 3"),
    (["--threads", "1"], {THREADS_ENV: "3"}, "None 1"),  # the option wins
])
def test_values_and_env_default(args, env, want, monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    res = CliRunner().invoke(_cmd, args, env=env)
    assert res.exit_code == 0, res.output
    assert res.output.strip() == want


@pytest.mark.parametrize(("args", "env", "name"), [
    (["--tile", "0"], {}, "--tile"),
    (["--tile", "1.5"], {}, "--tile"),
    (["--threads", "0"], {}, "--threads"),
    ([], {THREADS_ENV: "many"}, THREADS_ENV),
])
def test_bad_values_are_usage_errors(args, env, name, monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    res = CliRunner().invoke(_cmd, args, env=env)
    assert res.exit_code == 2
    assert name in res.output and "Traceback" not in res.output


def test_help_is_one_line_each():
    text = CliRunner().invoke(_cmd, ["--help"]).output
    assert "--tile N" in text and "--threads N" in text and THREADS_ENV in text


def test_memory_guard_counts_the_tile(tmp_path):
    """A budget between the tiled and the untiled estimate: refused without --tile, run with
    it (the guard of the single-file command and of batch items sees ``--tile``)."""
    import numpy as np

    from depthsmith._memory import estimate
    from depthsmith.cli import main
    from depthsmith.io import write_depth, write_image

    h, w = 1000, 1000
    rng = np.random.default_rng(0)
    write_depth(tmp_path / "d.npy", rng.uniform(1, 2, (h, w)).astype(np.float32))
    write_image(tmp_path / "g.png", rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    tiled, whole = estimate("refine", "auto", h * w, 128), estimate("refine", "auto", h * w)
    assert tiled < whole
    budget = str((tiled + whole) // 2)
    base = ["refine", str(tmp_path / "d.npy"), "--guide", str(tmp_path / "g.png"),
            "--max-memory", budget, "-o"]
    res = CliRunner().invoke(main, base + [str(tmp_path / "a.npy")])
    assert res.exit_code == 1 and "--tile" in res.stderr, res.output
    res = CliRunner().invoke(main, base + [str(tmp_path / "b.npy"), "--tile", "128"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "b.npy").exists()


def test_tile_on_a_global_method_says_it_is_ignored(tmp_path):
    import numpy as np

    from depthsmith.cli import main
    from depthsmith.io import write_depth

    d = np.full((24, 32), 2.0, np.float32)
    d[5:8, 5:9] = np.nan
    write_depth(tmp_path / "d.npy", d)
    res = CliRunner().invoke(main, ["fill", str(tmp_path / "d.npy"), "-o",
                                    str(tmp_path / "f.npy"), "--tile", "64"])
    assert res.exit_code == 0, res.output
    assert "--tile: method 'auto' is global" in res.stderr and "tile ignored" in res.stderr
    res = CliRunner().invoke(main, ["fill", str(tmp_path / "d.npy"), "-o",
                                    str(tmp_path / "g.npy")])
    assert res.exit_code == 0 and "--tile" not in res.stderr
