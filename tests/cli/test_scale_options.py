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
