"""CompletionNet: smoke training, torch-vs-ONNX agreement, and the ``learned`` method."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith._validate import InputError
from depthsmith.complete import METHODS, complete
from depthsmith.complete._learned import normalise
from depthsmith.learn._synthetic import render_scene


def _sparse(seed=3, h=40, w=56, density=0.05):
    d, rgb = render_scene(seed, h, w)
    m = np.random.default_rng(seed).random(d.shape) < density
    return d, rgb, m, np.where(m, d, np.nan).astype(np.float32)


def test_learned_is_registered_and_dense():
    assert "learned" in METHODS
    d, rgb, m, sparse = _sparse()
    out = complete(sparse, rgb, method="learned")
    assert out.shape == d.shape and out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_array_equal(out[m], sparse[m])  # samples kept
    lo, hi = sparse[m].min(), sparse[m].max()
    assert out.min() >= lo - 0.05 * (hi - lo) - 1e-5 and out.max() <= hi + 0.05 * (hi - lo) + 1e-5


def test_shipped_model_beats_a_flat_fill():
    """The shipped weights interpolate: far better than filling with the samples' median."""
    d, rgb, m, sparse = _sparse(seed=11, h=64, w=96, density=0.03)
    out = complete(sparse, rgb, method="learned")
    flat = np.full_like(d, np.median(d[m]))
    rmse = float(np.sqrt(np.mean((out - d) ** 2)))
    assert rmse < 0.7 * float(np.sqrt(np.mean((flat - d) ** 2)))


def test_learned_keeps_units_and_runs_without_guide():
    d, rgb, m, sparse = _sparse(seed=4)
    a = complete(sparse, rgb, method="learned")
    b = complete(sparse * 1000, rgb, method="learned")
    np.testing.assert_allclose(b / 1000, a, rtol=1e-4, atol=1e-4 * float(d.max()))
    c = complete(sparse, None, method="learned")
    assert np.isfinite(c).all()
    # a guide as uint16 or float gives the same result as uint8
    g16 = complete(sparse, rgb.astype(np.uint16) * 257, method="learned")
    np.testing.assert_allclose(g16, a, rtol=1e-4)


def test_learned_single_sample_and_flat():
    sparse = np.full((33, 47), np.nan, np.float32)
    sparse[5, 7] = 2.5
    out = complete(sparse, method="learned")
    assert np.isfinite(out).all() and np.allclose(out, 2.5, rtol=0.06)


def test_learned_bad_model_is_an_input_error(tmp_path):
    _, rgb, _, sparse = _sparse()
    with pytest.raises(InputError, match="nope"):
        complete(sparse, rgb, method="learned", model=str(tmp_path / "nope.onnx"))
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a valid ONNX model"):
        complete(sparse, rgb, method="learned", model=str(bad))


def test_normalise_uses_the_samples_only():
    off, scale = normalise(np.array([10.0, 20.0, 30.0]))
    assert 10.0 <= off < 11 and 18 < scale <= 20
    off, scale = normalise(np.array([5.0, 5.0]))
    assert off == 5.0 and scale == pytest.approx(0.5)  # flat: 10 % of the magnitude


# -- PyTorch parts (skipped without the learn extra) ------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch absent: install the learn extra")


@pytest.mark.parametrize("config", [{}, {"fast": True, "levels": 3}, {"prior": True}])
def test_torch_and_onnx_agree(torch, tmp_path, config):
    pytest.importorskip("onnx", reason="onnx absent: install the learn extra")
    from depthsmith.learn import _runtime
    from depthsmith.learn._completion_net import CompletionNet
    from depthsmith.learn._train_complete import export_onnx

    torch.manual_seed(0)
    model = CompletionNet(**config, features=8, blocks=1).eval()
    with torch.no_grad():  # make the refiner's output non-trivial
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    path = export_onnx(model, tmp_path / "m.onnx")
    n = model.multiple
    rng = np.random.default_rng(0)
    for h, w in [(n, 2 * n), (2 * n, 3 * n)]:  # dynamic sizes
        d = rng.random((1, 1, h, w)).astype(np.float32)
        m = (rng.random((1, 1, h, w)) < 0.1).astype(np.float32)
        g = rng.random((1, 3, h, w)).astype(np.float32)
        ins = {"depth": d, "mask": m, "rgb": g}
        if config.get("prior"):
            ins["prior"] = rng.random((1, 1, h, w)).astype(np.float32)
        with torch.no_grad():
            ref = [t.numpy() for t in model(*(torch.from_numpy(a) for a in ins.values()))]
        got = _runtime.run(path, ins)
        for a, b in zip(got, ref, strict=True):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b).max())


def test_nconv_ignores_invalid_pixels(torch):
    from depthsmith.learn._completion_net import CompletionNet

    torch.manual_seed(0)
    model = CompletionNet(guided=False, levels=3).eval()
    rng = np.random.default_rng(1)
    d = torch.from_numpy(rng.random((1, 1, 64, 64)).astype(np.float32))
    m = torch.from_numpy((rng.random((1, 1, 64, 64)) < 0.2).astype(np.float32))
    with torch.no_grad():
        a, ca = model(d, m, None)
        b, cb = model(torch.where(m > 0, d, torch.full_like(d, 1e6)), m, None)
    torch.testing.assert_close(a, b)
    assert float(ca.min()) >= 0 and float(ca.max()) <= 1


@pytest.mark.parametrize("prior", [False, True])
def test_smoke_training_resumes_and_exports(torch, tmp_path, prior):
    from depthsmith.learn._checkpoint import load_dict
    from depthsmith.learn._train_complete import train

    kw = dict(data_dir=None, out_dir=tmp_path, progress=False, batch=2, patch=64,
              n_synthetic=3, synthetic_size=(96, 96), val_minutes=10,
              config={"features": 8, "blocks": 1, "levels": 3, "prior": prior})
    r = train(minutes=0.01, export=False, **kw)
    assert r["steps"] >= 1 and np.isfinite(r["history"][-1][2])
    ck = load_dict(r["checkpoint"])  # weights_only=True
    assert ck["model"] == "CompletionNet" and ck["config"]["features"] == 8
    assert ck["config"].get("prior", False) == prior
    if prior:  # the first validation is the classical estimate's, before any step
        assert r["history"][0][0] == 0 and np.isfinite(r["history"][0][3])
    # resumes from the checkpoint (the first run may overrun its budget: numba compiles the
    # classical estimate on a cold cache)
    r2 = train(minutes=r["minutes"] + 0.01, **kw)
    assert r2["steps"] > r["steps"]
    d, rgb, m, sparse = _sparse()
    out = complete(sparse, rgb, method="learned", model=r2["onnx"])
    assert np.isfinite(out).all()


def test_patterns_respect_validity_and_density():
    from depthsmith.learn._train_complete import PATTERNS, draw_pattern

    rng = np.random.default_rng(0)
    valid = np.ones((96, 96), bool)
    valid[:, :30] = False
    rgb = render_scene(1, 96, 96)[1]
    for p in PATTERNS:
        m = draw_pattern(valid, rgb, rng, 0.05, p)
        assert m.any() and not (m & ~valid).any()
        assert m.mean() < 0.2
    lines = draw_pattern(np.ones((64, 64), bool), rgb[:64, :64], rng, 0.1, "lines")
    assert lines.any(axis=1).sum() <= 32  # whole rows without samples
    # drawn densities stay below max_density (the default reaches 30 %)
    full = np.ones((96, 96), bool)
    capped = [draw_pattern(full, rgb, rng, None, "uniform", max_density=0.03).mean()
              for _ in range(60)]
    assert max(capped) < 0.05
    wide = [draw_pattern(full, rgb, rng, None, "uniform").mean() for _ in range(60)]
    assert max(wide) > 0.05


def test_untrained_prior_model_returns_the_classical_default(torch, tmp_path):
    """A ``prior=True`` model's correction starts at zero: exported untrained, the
    ``learned`` method must give what ``auto`` gives (the prior reaches the network through
    the runtime's normalisation and back), and a trained correction must change it."""
    pytest.importorskip("onnx", reason="onnx absent: install the learn extra")
    from depthsmith.learn._completion_net import CompletionNet
    from depthsmith.learn._train_complete import export_onnx

    torch.manual_seed(0)
    model = CompletionNet(prior=True, features=8, blocks=1, levels=3).eval()
    path = export_onnx(model, tmp_path / "p.onnx")
    d, rgb, m, sparse = _sparse(seed=5, h=48, w=72, density=0.015)
    assert m.mean() <= 0.02  # the network runs (CORRECT_MAX_DENSITY)
    ref = complete(sparse, rgb)  # auto
    got = complete(sparse, rgb, method="learned", model=str(path))
    span = float(np.ptp(sparse[m]))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5 * span)
    np.testing.assert_allclose(complete(sparse, None, method="learned", model=str(path)),
                               complete(sparse), rtol=0, atol=1e-5 * span)
    with torch.no_grad():
        model.fine.bias.fill_(0.1)  # a correction of 0.1 of the normalised range
    path2 = export_onnx(model, tmp_path / "p2.onnx")
    moved = complete(sparse, rgb, method="learned", model=str(path2))
    assert np.abs(moved - ref)[~m].min() > 0.02 * span


def test_prior_model_needs_its_prior(torch):
    from depthsmith.learn._completion_net import CompletionNet

    with pytest.raises(ValueError, match="prior"):
        CompletionNet(prior=True, guided=False)
    model = CompletionNet(prior=True, features=8, blocks=1, levels=3)
    z = torch.zeros(1, 1, 32, 32)
    with pytest.raises(ValueError, match="pass prior"):
        model(z, z, torch.zeros(1, 3, 32, 32))


def test_prior_batches_hold_the_classical_estimate():
    """``make_batch(prior=True)``: the prior channel is the classical completion of the
    crop's samples (computed with a margin), normalised like the target, and it keeps the
    samples."""
    from depthsmith.learn._train_complete import make_batch

    synth = [render_scene(s, 128, 160) for s in range(3)]
    rng = np.random.default_rng(0)
    D, M, G, T, V, P = make_batch([], synth, 4, 64, rng, p_synth=1.0, prior=True, margin=16)
    assert P.shape == D.shape and np.isfinite(P).all()
    m = M > 0
    np.testing.assert_allclose(P[m], np.clip(D[m], -0.5, 1.5), atol=1e-5)
    t = np.clip(T, -0.5, 1.5)
    err = np.sqrt(np.mean((P - t) ** 2))
    flat = np.sqrt(np.mean((np.median(D[m]) - t) ** 2))
    assert err < 0.7 * flat  # an estimate, not noise
    assert make_batch([], synth, 2, 64, np.random.default_rng(0), p_synth=1.0)[5] is None


def test_dense_input_skips_the_correction(torch, tmp_path):
    """Above ``CORRECT_MAX_DENSITY`` a prior model's ``learned`` is the classical estimate;
    ``max_density=None`` runs the network anyway; a bad value is an InputError."""
    pytest.importorskip("onnx", reason="onnx absent: install the learn extra")
    from depthsmith.complete._learned import CORRECT_MAX_DENSITY, has_prior
    from depthsmith.learn._completion_net import CompletionNet
    from depthsmith.learn._train_complete import export_onnx

    torch.manual_seed(0)
    model = CompletionNet(prior=True, features=8, blocks=1, levels=3).eval()
    with torch.no_grad():
        model.fine.bias.fill_(0.1)
    path = str(export_onnx(model, tmp_path / "p.onnx"))
    assert has_prior(path) and has_prior()  # the shipped model corrects the classical one
    d, rgb, m, sparse = _sparse(seed=6, h=48, w=72, density=0.1)
    assert m.mean() > CORRECT_MAX_DENSITY
    ref = complete(sparse, rgb)
    np.testing.assert_array_equal(complete(sparse, rgb, method="learned", model=path), ref)
    run = complete(sparse, rgb, method="learned", model=path, max_density=None)
    assert np.abs(run - ref)[~m].max() > 0.01 * float(np.ptp(sparse[m]))
    for bad in (0, 1.5, "x"):
        with pytest.raises(InputError, match="max_density"):
            complete(sparse, rgb, method="learned", model=path, max_density=bad)
