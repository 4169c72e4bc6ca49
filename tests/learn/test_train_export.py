"""Training smoke test, checkpoints, torch -> ONNX export and agreement (needs torch: the
``learn`` extra; skipped with a message without it)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith._validate import InputError
from depthsmith.cli import main

torch = pytest.importorskip("torch", reason="PyTorch absent: install the learn extra "
                                            "(pip install -e '.[learn]') to run these tests")
pytest.importorskip("onnx", reason="onnx absent: install the learn extra")


def _fake_data(root, n=3, size=72):
    """A tiny middlebury_sr30-shaped folder: n scenes of textured planes and discs."""
    from depthsmith.io import write_image

    rng = np.random.default_rng(0)
    for i in range(n):
        f = root / "middlebury_sr30" / f"{i + 1:02d}_fake{i}"
        f.mkdir(parents=True)
        yy, xx = np.mgrid[0:size, 0:size]
        fg = (xx - rng.uniform(20, 50)) ** 2 + (yy - rng.uniform(20, 50)) ** 2 < 300
        d = np.where(fg, 180, 60 + 0.5 * xx).astype(np.uint8)
        rgb = np.where(fg[..., None], [200, 50, 50], [40, 80, 200]).astype(np.uint8)
        write_image(f / "disp_filled.png", d)
        write_image(f / "rgb.png", rgb)
        (f / "meta.json").write_text(json.dumps({"dataset": "middlebury_sr30",
                                                 "middlebury_year": 2006}))
    return root


def _random_sr(path):
    """A small GuidedSRNet with random (non-zero) weights everywhere, saved."""
    from depthsmith.learn._checkpoint import save
    from depthsmith.learn._sr_net import GuidedSRNet

    torch.manual_seed(0)
    m = GuidedSRNet(channels=8, blocks=2)
    torch.nn.init.normal_(m.tail.weight, std=0.05)
    return save(path, m, {"note": "test"})


def test_train_smoke_and_resume(tmp_path):
    from depthsmith.learn._train_sr import train

    data = _fake_data(tmp_path / "data")
    out = tmp_path / "run"
    kw = dict(folds=3, fold=0, batch=2, patch=32, channels=8, blocks=1, synthetic=0,
              progress=False, minutes=10)
    p = train(data, out, max_steps=3, **kw)
    ck = torch.load(out / "last.pt", weights_only=True)
    assert ck["step"] == 3 and p.is_file()
    curve = json.loads((out / "curve.json").read_text())["curve"]
    assert set(curve[-1]["val"]) == {"x4", "x8", "x16"}
    assert all(np.isfinite(v["rmse"]) for v in curve[-1]["val"].values())
    meta = torch.load(p, weights_only=True)["meta"]
    assert meta["held_out"] and not set(meta["held_out"]) & set(meta["data"])
    train(data, out, max_steps=5, **kw)  # resumes from step 3
    assert torch.load(out / "last.pt", weights_only=True)["step"] == 5


def test_folds_group_scenes_and_hold_out_seeds():
    from depthsmith.learn._data import SEED_SCENES, Scene, scene_key, split

    assert scene_key("13_cones") == "cones" and scene_key("art") == "art"
    z = np.ones((4, 4), np.float32)
    mk = [Scene(k, src, z, z > 0, np.zeros((4, 4, 3), np.uint8), (0.0, 1.0))
          for k in ("a", "b", "c", "d", "e") for src in ("middlebury", "middlebury_sr30")]
    held_all = []
    for f in range(4):
        train, held = split(mk, 4, f)
        keys = {s.key for s in held}
        assert not keys & {s.key for s in train}  # a scene is in one fold in both folders
        assert all(sum(s.key == k for s in held) == 2 for k in keys)
        held_all += sorted(keys)
    assert sorted(held_all) == ["a", "b", "c", "d", "e"]
    with pytest.raises(InputError, match="--fold"):
        split(mk, 4, 4)
    assert {"cones", "teddy", "tsukuba", "venus"} == SEED_SCENES


def test_export_round_trip_agrees(tmp_path, rng):
    from depthsmith.learn._checkpoint import load_model
    from depthsmith.learn._export import export, max_relative_difference
    from depthsmith.learn._sr_infer import sr_upsample
    from depthsmith.learn._train_sr import torch_runner

    ck = _random_sr(tmp_path / "m.pt")
    onnx_path = export(ck, tmp_path / "m.onnx")
    assert max_relative_difference(ck, onnx_path, 40, 56) < 1e-4
    # the whole inference path, torch vs onnxruntime, at a size that needs padding
    model, _ = load_model(ck)
    d = rng.uniform(1, 3, (9, 13)).astype(np.float32)
    levels = rng.uniform(0, 255, (37, 50, 3)).astype(np.float32)
    v = np.ones(d.shape, bool)
    a = sr_upsample(d, v, levels, (37, 50), model=str(onnx_path), consistency=False)
    b = sr_upsample(d, v, levels, (37, 50), consistency=False, runner=torch_runner(model))
    assert np.abs(a - b).max() <= 1e-4 * np.abs(b).max()
    assert np.abs(a - b).max() > 0 or np.abs(b - np.median(b)).max() > 0


def test_checkpoints_never_unpickle_code(tmp_path):
    from depthsmith.learn._checkpoint import load_dict, load_model

    evil = tmp_path / "evil.pt"
    torch.save({"model": "GuidedSRNet", "config": {}, "state_dict": {},
                "meta": InputError("an object")}, evil)
    with pytest.raises(InputError, match="not a depthsmith checkpoint"):
        load_dict(evil)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"garbage")
    with pytest.raises(InputError, match="not a depthsmith checkpoint"):
        load_dict(junk)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(InputError, match="expected a dict with"):
        load_dict(other)
    unknown = tmp_path / "unknown.pt"
    torch.save({"model": "Nope", "config": {}, "state_dict": {}}, unknown)
    with pytest.raises(InputError, match="unknown model class"):
        load_model(unknown)
    wrong = tmp_path / "wrong.pt"
    torch.save({"model": "GuidedSRNet", "config": {"channels": 4, "blocks": 1},
                "state_dict": {"x": torch.zeros(1)}}, wrong)
    with pytest.raises(InputError, match="weights do not fit"):
        load_model(wrong)


def test_cli_export_and_train_errors(tmp_path, monkeypatch):
    ck = _random_sr(tmp_path / "m.pt")
    out = tmp_path / "m.onnx"
    r = CliRunner().invoke(main, ["export", str(ck), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.is_file() and "max relative difference" in r.output
    r = CliRunner().invoke(main, ["export", str(ck), "-o", str(out)])
    assert r.exit_code == 1 and "Traceback" not in r.output  # exists: no --overwrite
    r = CliRunner().invoke(main, ["export", str(tmp_path / "none.pt"), "-o",
                                  str(tmp_path / "n.onnx")])
    assert r.exit_code == 1 and "no such file" in r.output
    r = CliRunner().invoke(main, ["export", str(ck), "-o", str(tmp_path / "m.txt")])
    assert r.exit_code == 2
    r = CliRunner().invoke(main, ["train", "sr", "--data", str(tmp_path), "--out",
                                  str(tmp_path / "r"), "--folds", "4"])
    assert r.exit_code == 2  # --folds without --fold
    monkeypatch.setitem(sys.modules, "torch", None)  # as if PyTorch were not installed
    r = CliRunner().invoke(main, ["train", "sr", "--data", str(tmp_path), "--out",
                                  str(tmp_path / "r")])
    assert r.exit_code == 1 and ".[learn]" in r.output and "Traceback" not in r.output


def test_seed_srgan_shapes_and_losses():
    from depthsmith.learn._seed_srgan import (
        SeedSRDiscriminator,
        SeedSRGenerator,
        discriminator_loss,
        generator_loss,
    )

    torch.manual_seed(0)
    g, d = SeedSRGenerator(8, channels=8, blocks=1), SeedSRDiscriminator(channels=8)
    lr = torch.rand(2, 1, 6, 5) * 2 - 1
    hr = g(lr)
    assert hr.shape == (2, 1, 48, 40) and float(hr.detach().abs().max()) <= 1.0
    target = torch.rand(2, 1, 48, 40) * 2 - 1
    gl = generator_loss(hr, target, d(hr))
    dl = discriminator_loss(d(target), d(hr.detach()))
    gl.backward()
    dl.backward()
    assert torch.isfinite(gl) and torch.isfinite(dl)
    with pytest.raises(ValueError, match="power of two"):
        SeedSRGenerator(6)
