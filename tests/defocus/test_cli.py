"""depthsmith defocus: map, simulate, study through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner

from depthsmith.cli._defocus import defocus_group

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "cones" / "rgb.png"


def _small_photo(tmp_path):
    from depthsmith.io import read_image, write_image

    rgb = read_image(SAMPLE)[:160, :200]
    p = tmp_path / "photo.png"
    write_image(p, rgb)
    return p


def test_map_writes_radius_confidence_preview(tmp_path):
    from depthsmith.io import read_depth

    photo = _small_photo(tmp_path)
    out, conf, prev = tmp_path / "r.pfm", tmp_path / "c.pfm", tmp_path / "p.png"
    res = CliRunner().invoke(defocus_group, ["map", str(photo), "-o", str(out), "--confidence",
                                             str(conf), "--preview", str(prev)])
    assert res.exit_code == 0, res.output
    r = read_depth(out)
    assert r.shape == (160, 200) and np.isfinite(r).all()
    assert conf.exists() and prev.exists()
    res = CliRunner().invoke(defocus_group, ["map", str(photo), "-o", str(out)])
    assert res.exit_code == 1 and "exists" in res.output


def test_map_segments_and_labels(tmp_path):
    from depthsmith.io import write_image

    photo = _small_photo(tmp_path)
    res = CliRunner().invoke(defocus_group, ["map", str(photo), "-o", str(tmp_path / "a.pfm"),
                                             "--segments", "slic"])
    assert res.exit_code == 0, res.output
    lab = np.zeros((160, 200, 3), np.uint8)
    lab[:, 100:] = 1
    write_image(tmp_path / "lab.png", lab)
    res = CliRunner().invoke(defocus_group, ["map", str(photo), "-o", str(tmp_path / "b.pfm"),
                                             "--segments", str(tmp_path / "lab.png")])
    assert res.exit_code == 0, res.output


def test_map_errors(tmp_path):
    res = CliRunner().invoke(defocus_group, ["map", str(tmp_path / "none.png"), "-o",
                                             str(tmp_path / "o.pfm")])
    assert res.exit_code == 1
    res = CliRunner().invoke(defocus_group, ["map", str(SAMPLE), "-o", "x.pfm", "--kernel", "b"])
    assert res.exit_code == 2


def test_simulate(tmp_path):
    from depthsmith.io import write_depth

    photo = _small_photo(tmp_path)
    write_depth(tmp_path / "rad.pfm", np.full((160, 200), 2.0, np.float32))
    res = CliRunner().invoke(defocus_group, ["simulate", str(photo), str(tmp_path / "rad.pfm"),
                                             "-o", str(tmp_path / "blur.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "blur.png").exists()


def test_study_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPTHSMITH_DATA", str(tmp_path / "absent"))
    res = CliRunner().invoke(defocus_group, ["study", "-o", str(tmp_path / "fig"), "--quick",
                                             "--data", str(tmp_path / "absent")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "fig").glob("fig*.png"))) == 5


def test_map_stride(tmp_path):
    from depthsmith.defocus import blur_map
    from depthsmith.io import read_depth, read_image

    photo = _small_photo(tmp_path)
    out = tmp_path / "s.pfm"
    res = CliRunner().invoke(defocus_group, ["map", str(photo), "-o", str(out), "--stride", "30"])
    assert res.exit_code == 0, res.output
    want = blur_map(read_image(photo), stride=30).radius
    np.testing.assert_allclose(read_depth(out), want, rtol=1e-6, atol=1e-6)
    assert not np.allclose(want, blur_map(read_image(photo)).radius)  # the option is used
    for bad in (["--method", "segments"], ["--segments", "slic"], ["--method", "decorrelation"]):
        res = CliRunner().invoke(defocus_group, ["map", str(photo), "-o",
                                                 str(tmp_path / "x.pfm"), "--stride", "30", *bad])
        assert res.exit_code == 2 and "--stride" in res.output, (bad, res.output)
        assert not (tmp_path / "x.pfm").exists()
    res = CliRunner().invoke(defocus_group, ["map", str(photo), "-o", str(tmp_path / "y.pfm"),
                                             "--stride", "0"])
    assert res.exit_code == 2
