"""The CLI's contract under hostile input (the reliability probe, kept as a test).

Every command against a table of bad inputs: exit 1 or 2, the last stderr line names the
argument or the file, no traceback, nothing left in the output folder (no output, no
temporary file). Then unusual but valid inputs, which must give the ordinary result.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith.cli import main
from depthsmith.io import read_depth, write_depth, write_image

H, W = 24, 32


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def lying_png(w=100_000, h=100_000) -> bytes:
    """A tiny PNG whose header declares a huge 16-bit gray image."""
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 8)) + _png_chunk(b"IEND", b""))


def _depth(h=H, w=W):
    yy, xx = np.mgrid[0:h, 0:w]
    d = (2.0 + yy / h + (xx > w // 2)).astype(np.float32)
    d[h // 3: h // 2, w // 4: w // 3] = np.nan
    return d


@pytest.fixture
def ws(tmp_path):
    """Good inputs in ``in/``, an empty ``out/`` folder, and the bad inputs."""
    i = tmp_path / "in"
    i.mkdir()
    (tmp_path / "out").mkdir()
    f = {"dir": i}
    f["depth"] = i / "d.png"
    write_depth(f["depth"], _depth(), scale=256)
    f["small"] = i / "small.npy"
    write_depth(f["small"], _depth(H // 2, W // 2))
    f["rgb"] = i / "rgb.png"
    rng = np.random.default_rng(0)
    write_image(f["rgb"], rng.integers(0, 255, (H, W, 3), dtype=np.uint8))
    f["rgb_big"] = i / "rgb_big.png"
    write_image(f["rgb_big"], rng.integers(0, 255, (2 * H, 2 * W, 3), dtype=np.uint8))
    bad = {}
    bad["empty.npy"] = b""
    bad["empty.png"] = b""
    good_pfm = b"Pf\n%d %d\n-1\n" % (W, H) + np.ones((H, W), "<f4").tobytes()
    bad["truncated.pfm"] = good_pfm[: len(good_pfm) // 2]
    bad["nanscale.pfm"] = b"Pf\n%d %d\nnan\n" % (W, H) + np.ones((H, W), "<f4").tobytes()
    bad["zerowidth.pfm"] = b"Pf\n0 %d\n-1\n" % H
    bad["lying.png"] = lying_png()
    bad["text.png"] = b"this is not a png at all"
    bad["unknown.xyz"] = b"hello"
    for name, data in bad.items():
        (i / name).write_bytes(data)
    np.save(i / "twochan.npy", np.ones((H, W, 2), np.float32))
    write_depth(i / "allinvalid.npy", np.full((H, W), np.nan, np.float32))
    (i / "folder.png").mkdir()
    f["bad"] = sorted(list(bad) + ["twochan.npy", "allinvalid.npy", "folder.png"])
    f["out"] = tmp_path / "out"
    return f


def assert_refused(res, out_dir, *needles, codes=(1, 2)):
    text = res.output + (res.stderr if res.stderr_bytes is not None else "")
    assert res.exit_code in codes, (res.exit_code, text)
    assert "Traceback" not in text and "Aborted" not in text, text
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines, text
    for n in needles:
        assert str(n) in lines[-1], (n, lines[-1])
    assert sorted(os.listdir(out_dir)) == [], sorted(os.listdir(out_dir))
    return lines[-1]


# (command line with {bad} where the bad depth goes, the name the error must carry)
DEPTH_USES = [
    (["info", "{bad}"], "FILE"),
    (["eval", "{bad}", "{depth}"], "PRED"),
    (["eval", "{small}", "{bad}"], "GT"),
    (["colorize", "{bad}", "{out}/c.png"], "SRC"),
    (["fill", "{bad}", "-o", "{out}/f.npy"], "DEPTH"),
    (["refine", "{bad}", "--guide", "{rgb}", "-o", "{out}/r.npy"], "DEPTH"),
    (["complete", "{bad}", "-o", "{out}/c.npy"], "DEPTH"),
    (["upsample", "{bad}", "--factor", "2", "-o", "{out}/u.npy"], "DEPTH"),
]


def _fmt(args, f, bad=None):
    vals = {"bad": bad, "depth": f["depth"], "small": f["small"], "rgb": f["rgb"],
            "out": f["out"], "rgb_big": f["rgb_big"]}
    return [a.format(**{k: str(v) for k, v in vals.items() if v is not None}) for a in args]


@pytest.mark.parametrize("args,name", DEPTH_USES, ids=[a[0][0] + "-" + a[1]
                                                        for a in DEPTH_USES])
def test_bad_depth_inputs(ws, args, name):
    for bad in ws["bad"]:
        path = ws["dir"] / bad
        if bad == "allinvalid.npy" and args[0] in ("info", "colorize"):
            res = run(*_fmt(args, ws, path))  # valid to describe or picture: works
            assert res.exit_code == 0, res.output
            for p in ws["out"].iterdir():
                p.unlink()
            continue
        if bad == "allinvalid.npy" and name == "PRED":
            continue  # scored pixels are NaN: refused naming PRED below
        line = assert_refused(run(*_fmt(args, ws, path)), ws["out"], bad)
        assert name in line, (bad, line)


def test_all_invalid_map_names_the_argument(ws):
    bad = ws["dir"] / "allinvalid.npy"
    line = assert_refused(run("fill", bad, "-o", ws["out"] / "f.npy"), ws["out"])
    assert f"DEPTH {bad}: no valid pixel" in line and "valid:" not in line
    assert_refused(run("eval", bad, ws["depth"], "--gt-scale", 256), ws["out"], "PRED",
                   "NaN")
    line = assert_refused(run("eval", ws["depth"], bad, "--scale", 256), ws["out"])
    assert f"GT {bad}: no valid pixel" in line


@pytest.mark.parametrize("bad", ["empty.png", "lying.png", "text.png", "folder.png",
                                 "unknown.xyz", "twochan.npy"])
def test_bad_guides(ws, bad):
    path = ws["dir"] / bad
    for args in (["fill", ws["depth"], "--scale", 256, "--guide", path, "-o",
                  ws["out"] / "f.npy"],
                 ["refine", ws["depth"], "--scale", 256, "--guide", path, "-o",
                  ws["out"] / "r.npy"],
                 ["complete", ws["depth"], "--scale", 256, "--guide", path, "-o",
                  ws["out"] / "c.npy"],
                 ["upsample", ws["depth"], "--scale", 256, "--guide", path, "-o",
                  ws["out"] / "u.npy"]):
        assert_refused(run(*args), ws["out"], "--guide", bad)


BAD_OPTIONS = [
    (["eval", "{depth}", "{depth}", "--edge-radius", "-1"], 2, "--edge-radius"),
    (["eval", "{depth}", "{depth}", "--inverse-unit", "0"], 2, "--inverse-unit"),
    (["eval", "{depth}", "{depth}", "--inverse-unit", "nan"], 2, "--inverse-unit"),
    (["eval", "{depth}", "{depth}", "--gt-scale", "inf"], 2, "--gt-scale"),
    (["info", "{depth}", "--scale", "nan"], 2, "--scale"),
    (["info", "{depth}", "--max-memory", "lots"], 2, "--max-memory"),
    (["bench", "FILL-OCC", "--repeat", "0"], 2, "--repeat"),
    (["colorize", "{depth}", "{out}/c.png", "--cmap", "bogus"], 2, "--cmap"),
    (["colorize", "{depth}", "{out}/c.xyz"], 1, "OUT"),
    (["colorize", "{depth}", "{out}/missing/c.png"], 1, "OUT"),
    (["upsample", "{depth}", "--factor", "0", "-o", "{out}/u.npy"], 2, "--factor"),
    # refused by the size limit or the memory guard, before any decoding
    (["upsample", "{depth}", "--factor", "100000", "-o", "{out}/u.npy"], 1, "--factor"),
    (["upsample", "{depth}", "--size", "200000x200000", "-o", "{out}/u.npy"], 1, "--size"),
    (["upsample", "{depth}", "--factor", "600", "-o", "{out}/u.npy", "--max-memory", "2G"],
     1, "needs about"),
    (["upsample", "{depth}", "--size", "axb", "-o", "{out}/u.npy"], 2, "--size"),
    (["fill", "{depth}", "-o", "{out}/x.png", "--preview", "{out}/x.png"], 2, "--preview"),
    (["fill", "{depth}", "-o", "{out}/x.npy", "--preview", "{out}/p.xyz"], 1, "--preview"),
    (["fill", "{depth}", "-o", "{out}/x.xyz"], 1, "-o"),
    (["fill", "{depth}", "-o", "{out}"], 2, "-o"),
    (["fill", "{depth}", "-o", "{depth}", "--overwrite"], 1, "-o"),
    (["fill", "{depth}", "-o", "{out}/nofolder/x.npy"], 1, "-o"),
    (["fill", "{depth}", "--max-hole", "-1", "-o", "{out}/x.npy"], 2, "--max-hole"),
    (["refine", "{depth}", "--guide", "{rgb_big}", "-o", "{out}/r.npy"], 1, "--guide"),
    (["complete", "{depth}", "-o", "{out}/c.npy", "--max-memory", "1M"], 1, "--max-memory"),
]


@pytest.mark.parametrize("args,code,needle", BAD_OPTIONS,
                         ids=[" ".join(a[0][:1] + a[0][-2:]) for a in BAD_OPTIONS])
def test_bad_options(ws, args, code, needle):
    res = run(*_fmt(args, ws))
    assert res.exit_code == code, res.output
    assert_refused(res, ws["out"], needle)


def test_read_only_output_folder(ws, read_only_dir):
    ro = read_only_dir
    res = run("fill", ws["depth"], "-o", ro / "x.npy")
    assert_refused(res, ro, "-o", "not writable")
    res = run("colorize", ws["depth"], ro / "x.png")
    assert_refused(res, ro, "OUT", "not writable")


def test_bench_json_checked_before_running(ws, tmp_path):
    existing = ws["out"] / "r.json"
    existing.write_text("{}")
    res = run("bench", "FILL-OCC", "--json", existing, "--data", tmp_path / "nodata")
    assert res.exit_code == 1 and "--json" in res.stderr and "--overwrite" in res.stderr
    assert existing.read_text() == "{}"
    res = run("bench", "FILL-OCC", "--json", tmp_path / "nofolder" / "r.json")
    assert res.exit_code == 1 and "--json" in res.stderr and "does not exist" in res.stderr


def test_unexpected_exception_is_one_line(ws, monkeypatch):
    from depthsmith import io

    def boom(*a, **k):
        raise KeyError("surprise")

    monkeypatch.setattr(io, "colorize", boom)
    res = run("colorize", ws["depth"], ws["out"] / "c.png")
    line = assert_refused(res, ws["out"], "unexpected KeyError", "DEPTHSMITH_DEBUG")
    assert "surprise" in line
    monkeypatch.setenv("DEPTHSMITH_DEBUG", "1")
    res = run("colorize", ws["depth"], ws["out"] / "c.png")
    assert isinstance(res.exception, KeyError)


def test_two_writers_cannot_both_succeed(ws, monkeypatch):
    """The output appears while computing: the exclusive publish refuses, naming -o."""
    from depthsmith import fill

    out = ws["out"] / "f.npy"
    real = fill.fill_holes

    def racing(*a, **k):
        res = real(*a, **k)
        out.write_bytes(b"the other process's output")
        return res

    monkeypatch.setattr("depthsmith.cli._fill.fill_holes", racing)
    res = run("fill", ws["depth"], "--scale", 256, "-o", out)
    assert res.exit_code == 1 and "-o" in res.stderr and "exists" in res.stderr, res.output
    assert out.read_bytes() == b"the other process's output"
    assert sorted(p.name for p in ws["out"].iterdir()) == ["f.npy"]  # no temp file left


# -- unusual but valid inputs: the ordinary result -------------------------------------

def _fill(ws, guide, out_name, *extra):
    out = ws["out"] / out_name
    res = run("fill", ws["depth"], "--scale", 256, "--guide", guide, "-o", out, *extra)
    assert res.exit_code == 0, res.output
    return read_depth(out)


def test_guide_variants_give_the_ordinary_result(ws):
    rgb8 = np.random.default_rng(1).integers(0, 255, (H, W, 3), dtype=np.uint8)
    gray8 = rgb8[:, :, 1]
    i = ws["dir"]
    write_image(i / "rgb8.png", rgb8)
    write_image(i / "rgba.png", np.dstack([rgb8, np.full((H, W), 255, np.uint8)]))
    write_image(i / "rgb16.png", rgb8.astype(np.uint16) * 257)
    write_image(i / "gray.png", gray8)
    write_image(i / "gray3.png", np.dstack([gray8] * 3))
    ref = _fill(ws, i / "rgb8.png", "ref.npy")
    np.testing.assert_array_equal(_fill(ws, i / "rgba.png", "rgba.npy"), ref)
    np.testing.assert_allclose(_fill(ws, i / "rgb16.png", "rgb16.npy"), ref, atol=1e-3)
    np.testing.assert_array_equal(_fill(ws, i / "gray.png", "gray.npy"),
                                  _fill(ws, i / "gray3.png", "gray3.npy"))
    for cmd in ("refine", "complete"):
        res = run(cmd, ws["depth"], "--scale", 256, "--guide", i / "rgba.png", "-o",
                  ws["out"] / f"{cmd}.pfm")
        assert res.exit_code == 0, res.output


@pytest.mark.parametrize("shape", [(1, 40), (40, 1)])
def test_one_pixel_wide_maps(tmp_path, shape):
    d = np.linspace(1, 5, shape[0] * shape[1], dtype=np.float32).reshape(shape)
    d.flat[5:9] = np.nan
    src = tmp_path / "d.npy"
    write_depth(src, d)
    for cmd, extra in (("info", []), ("colorize", [tmp_path / "c.png"]),
                       ("fill", ["-o", tmp_path / "f.npy"]),
                       ("complete", ["-o", tmp_path / "c.npy"]),
                       ("upsample", ["--factor", 2, "-o", tmp_path / "u.npy"])):
        res = run(cmd, src, *extra)
        assert res.exit_code == 0, (cmd, res.output)
    f = read_depth(tmp_path / "f.npy")
    assert f.shape == shape and np.isfinite(f).all()
    assert read_depth(tmp_path / "u.npy").shape == (2 * shape[0], 2 * shape[1])
    res = run("eval", tmp_path / "f.npy", src)
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("cmd,extra", [
    ("fill", []), ("complete", []), ("refine", ["--guide", "{rgb}"]),
    ("upsample", ["--factor", "1"])])
def test_scale_with_a_non_png_output(ws, cmd, extra):
    """--scale describes the PNG input; a float output stores values as they are, a PNG
    output is written with the same --scale."""
    extra = _fmt(extra, ws)
    res = run(cmd, ws["depth"], "--scale", 256, *extra, "-o", ws["out"] / "o.npy")
    assert res.exit_code == 0, res.output
    res = run(cmd, ws["depth"], "--scale", 256, *extra, "-o", ws["out"] / "o.png")
    assert res.exit_code == 0, res.output
    as_float = read_depth(ws["out"] / "o.npy")
    assert 1.5 < np.nanmedian(as_float) < 5  # metres, not 256ths
    np.testing.assert_allclose(read_depth(ws["out"] / "o.png", scale=256), as_float,
                               atol=0.5 / 256 + 1e-6)


@pytest.mark.parametrize("bad", ["empty.png", "lying.png", "text.png", "folder.png",
                                 "unknown.xyz"])
def test_defocus_map_bad_images(ws, bad):
    path = ws["dir"] / bad
    line = assert_refused(run("defocus", "map", path, "-o", ws["out"] / "r.pfm"), ws["out"],
                          bad)
    assert "IMAGE" in line, line


def test_defocus_map_outputs_checked_first(ws):
    out = ws["out"] / "r.pfm"
    out.write_bytes(b"keep")
    res = run("defocus", "map", ws["rgb"], "-o", out)
    assert res.exit_code in (1, 2) and "--overwrite" in res.stderr
    assert out.read_bytes() == b"keep"
    out.unlink()
    assert_refused(run("defocus", "map", ws["rgb"], "-o", ws["out"] / "r.pfm", "--preview",
                       ws["out"] / "r.pfm"), ws["out"], "--preview")


def test_png_output_of_float_depth_needs_scale_before_computing(ws):
    # a float input written to a PNG without --scale is refused (exit 2: before any work)
    res = run("fill", ws["small"], "-o", ws["out"] / "f.png")
    line = assert_refused(res, ws["out"], "-o", "--scale", codes=(2,))
    assert "PNG stores integers" in line


def test_png_in_png_out_keeps_the_inputs_encoding(ws, tmp_path):
    # an integer PNG input without --scale: the PNG output keeps its (integer) encoding
    src = tmp_path / "mm.png"
    d = np.full((H, W), 1500.0, np.float32)
    d[5:9, 5:9] = 0
    write_depth(src, d)
    out = ws["out"] / "f.png"
    res = run("fill", src, "-o", out)
    assert res.exit_code == 0, res.stderr
    np.testing.assert_array_equal(read_depth(out), np.full((H, W), 1500.0, np.float32))


# the 0.3.0 commands and options under the same contract: (args, exit code, needle)
NEW_BAD = [
    (["fill", "{depth}", "-o", "{out}/x.npy", "--tile", "0"], 2, "--tile"),
    (["refine", "{depth}", "--guide", "{rgb}", "-o", "{out}/r.npy", "--threads", "0"], 2,
     "--threads"),
    (["upsample", "{depth}", "--scale", "256", "--factor", "20", "--guide", "{rgb20}",
      "--method", "learned", "-o", "{out}/u.npy"], 1, "[2, 16]"),
    (["predict", "{rgb}", "-o", "{out}/p.npy", "--model", "{dir}/missing.onnx"], 1,
     "missing.onnx"),
    (["predict", "{rgb}", "-o", "{out}/p.npy", "--model", "{depth}"], 1, "not a valid ONNX"),
    (["export", "{dir}/junk.pt", "-o", "{out}/m.onnx"], 1, "junk.pt"),
    (["export", "{dir}/missing.pt", "-o", "{out}/m.onnx"], 1, "missing.pt"),
    (["batch", "fill", "-i", "{dir}/nothing_*.png", "-o", "{out}/b"], 1, "--input"),
    (["batch", "fill", "-i", "{dir}", "-o", "{out}/b", "--workers", "0"], 2, "--workers"),
    (["train", "sr", "--data", "{dir}/nodata", "--out", "{out}/t"], 2, "--data"),
    (["train", "sr", "--data", "{dir}", "--out", "{out}/t", "--minutes", "-1"], 2, "--minutes"),
]


@pytest.mark.parametrize("args,code,needle", NEW_BAD,
                         ids=[" ".join(a[0][:1] + a[0][-2:]) for a in NEW_BAD])
def test_new_commands_bad_input(ws, args, code, needle):
    if args[0] in ("export", "train"):
        pytest.importorskip("torch", reason="export and train need the learn extra (torch)")
    (ws["dir"] / "junk.pt").write_bytes(b"not a checkpoint")
    rgb20 = ws["dir"] / "rgb20.png"
    write_image(rgb20, np.zeros((20 * H, 20 * W, 3), np.uint8))
    vals = {"depth": ws["depth"], "rgb": ws["rgb"], "rgb20": rgb20, "dir": ws["dir"],
            "out": ws["out"]}
    res = run(*[a.format(**{k: str(v) for k, v in vals.items()}) for a in args])
    assert res.exit_code == code, res.output
    assert_refused(res, ws["out"], needle)
