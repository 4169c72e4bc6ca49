"""Pairing depth files with guides by name: both layouts, and every way it can fail."""

from __future__ import annotations

import pytest

from depthsmith.batch import PairingError, pair_inputs

from .conftest import make_folders, make_stems


def test_same_stem_in_two_folders(tmp_path):
    root = make_stems(tmp_path, 3)
    (root / "depth" / ".hidden.npy").write_bytes(b"x")      # hidden: skipped
    (root / "depth" / "notes.txt").write_text("x")          # not a depth format: skipped
    (root / "depth" / "sub.npy").mkdir()                    # a folder: skipped
    items = pair_inputs(root / "depth", root / "rgb")
    assert [it.id for it in items] == ["f000", "f001", "f002"]
    for it in items:
        assert it.depth.endswith(f"depth/{it.id}.npy") and it.guide.endswith(f"rgb/{it.id}.png")


def test_glob_input_and_guide_path_with_id(tmp_path):
    root = make_stems(tmp_path, 3)
    (root / "rgb" / "f000.png").rename(root / "rgb" / "f000_RGB.png")
    (root / "rgb" / "f001.png").rename(root / "rgb" / "f001_RGB.png")
    items = pair_inputs(str(root / "depth" / "f00[01].npy"), str(root / "rgb" / "<id>_RGB.png"))
    assert [(it.id, it.guide.rsplit("/", 1)[1]) for it in items] == [
        ("f000", "f000_RGB.png"), ("f001", "f001_RGB.png")]


def test_one_folder_per_frame(tmp_path):
    root = make_folders(tmp_path / "rgbdd", 3)
    (root / "20200001" / "depth_lr.png").write_bytes(b"other files are ignored")
    items = pair_inputs(root, depth_pattern="<id>/depth_hr_mm.png", guide_pattern="<id>/rgb.jpg")
    assert [it.id for it in items] == ["20200000", "20200001", "20200002"]
    assert all(it.depth.endswith("/depth_hr_mm.png") and it.guide.endswith("/rgb.jpg")
               for it in items)
    # the guide root may be another folder; <id> may repeat
    (root / "20200000" / "rgb.jpg").rename(root / "20200000" / "20200000_rgb.jpg")
    (root / "20200001" / "rgb.jpg").rename(root / "20200001" / "20200001_rgb.jpg")
    (root / "20200002" / "rgb.jpg").rename(root / "20200002" / "20200002_rgb.jpg")
    items2 = pair_inputs(root, root, depth_pattern="<id>/depth_hr_mm.png",
                         guide_pattern="<id>/<id>_rgb.jpg")
    assert [it.id for it in items2] == [it.id for it in items]


def test_unpaired_files_are_all_listed(tmp_path):
    root = make_stems(tmp_path, 4)
    (root / "rgb" / "f001.png").unlink()
    (root / "rgb" / "f003.png").rename(root / "rgb" / "extra.png")
    with pytest.raises(PairingError) as e:
        pair_inputs(root / "depth", root / "rgb")
    msg = str(e.value)
    assert "\n" not in msg
    assert "2 depth file(s) without a guide" in msg and "f001.npy" in msg and "f003.npy" in msg
    assert "1 guide(s) without a depth file" in msg and "extra.png" in msg


def test_unpaired_in_folder_layout(tmp_path):
    root = make_folders(tmp_path / "f", 2)
    (root / "20200001" / "rgb.jpg").unlink()
    with pytest.raises(PairingError, match=r"1 depth file\(s\) without a guide: .*20200001"):
        pair_inputs(root, depth_pattern="<id>/depth_hr_mm.png", guide_pattern="<id>/rgb.jpg")


def test_an_id_with_two_files_is_refused(tmp_path):
    root = make_stems(tmp_path, 2)
    (root / "depth" / "f000.pfm").write_bytes(b"x")
    with pytest.raises(PairingError, match="match several files.*f000.npy.*f000.pfm"):
        pair_inputs(root / "depth", root / "rgb")


@pytest.mark.parametrize("kwargs,needle", [
    ({"input": "missing"}, "expected a folder or a glob"),
    ({"input": "empty"}, "no input file found"),
    ({"input": "empty", "guide": "missing"}, "no input file found"),
    ({"input": "in/depth", "guide": "missing"}, "--guide"),
    ({"input": "in", "depth_pattern": "depth.png"}, "<id>"),
    ({"input": "in", "depth_pattern": "*/<id>.png"}, "only <id> may vary"),
    ({"input": "in/depth", "guide": "in/depth"}, "is the --input folder"),
])
def test_bad_inputs(tmp_path, kwargs, needle):
    make_stems(tmp_path / "in", 1)
    (tmp_path / "empty").mkdir()
    kw = {k: (str(tmp_path / v) if k in ("input", "guide") else v) for k, v in kwargs.items()}
    with pytest.raises(PairingError if "pattern" not in str(kwargs) else ValueError,
                       match=needle.replace("(", r"\(")):
        pair_inputs(kw.pop("input"), kw.pop("guide", None), **kw)


def test_no_guide_gives_items_without_guides(tmp_path):
    root = make_stems(tmp_path, 2)
    assert [it.guide for it in pair_inputs(root / "depth")] == [None, None]
