"""Outputs: PNG never loses data silently, check_output, exclusive atomic publishing,
temporary-file naming, cleanup on errors and signals, and the stale-temp sweep."""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from depthsmith._validate import InputError, InputTypeError
from depthsmith.io import (
    OutputExistsError,
    UnsupportedFormatError,
    _atomic,
    atomic_path,
    check_output,
    read_depth,
    remove_temp_files,
    save_panel,
    sweep_stale_temps,
    write_depth,
    write_image,
)

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and pids")
SRC = Path(__file__).resolve().parents[2] / "src"


def _temp_like(folder: Path, target: str, host: str, pid: int, suffix=".png") -> Path:
    return folder / f".{target}.{host}.{pid}.0123abcd.tmp{suffix}"


# ---------------------------------------------------------------- PNG never loses data silently
def test_png_refuses_valid_values_that_would_round_to_zero(tmp_path):
    d = np.full((3, 3), 5.0, np.float32)
    d[1, 1] = 0.001  # x 256 = 0.256 -> 0 = invalid
    out = tmp_path / "d.png"
    with pytest.raises(InputError, match=r"1 valid depth values \(smallest 0.001\).*stored as 0"
                       ) as ei:
        write_depth(out, d, scale=256)
    assert str(out) in str(ei.value) and "\n" not in str(ei.value)
    assert not out.exists() and os.listdir(tmp_path) == []
    d[1, 1] = 0.0  # zero and NaN are invalid anyway: storing them as 0 loses nothing
    d[0, 0] = np.nan
    back = read_depth(write_depth(out, d, scale=256), scale=256)
    assert np.isnan(back[0, 0]) and np.isnan(back[1, 1]) and back[2, 2] == 5.0


def test_png_refuses_values_over_the_range(tmp_path):
    with pytest.raises(InputError, match=r"outside the 16-bit PNG range \[0, 65535\]"):
        write_depth(tmp_path / "d.png", np.full((2, 2), 256.0, np.float32), scale=256)
    with pytest.raises(InputError, match=r"outside the 8-bit PNG range \[0, 255\]"):
        write_depth(tmp_path / "d.png", np.full((2, 2), 256.0, np.float32), bits=8)
    with pytest.raises(InputError, match=r"spans \[-1, 0\], outside the"):
        write_depth(tmp_path / "d.png", np.full((2, 2), -1.0, np.float32))
    assert os.listdir(tmp_path) == []


def test_png_refuses_non_integer_maps_without_scale(tmp_path):
    out = tmp_path / "d.png"
    with pytest.raises(InputError, match=r"PNG stores integers: pass scale \(e.g. 256, 1000\) "
                       r"or write \.pfm/\.npy/\.tiff/\.exr") as ei:
        write_depth(out, np.full((2, 2), 1.5, np.float32))
    assert str(out) in str(ei.value)
    # integer-valued maps need no scale, 8- or 16-bit
    for v in (7.0, 4000.0):
        d = np.full((2, 2), v, np.float32)
        np.testing.assert_array_equal(read_depth(write_depth(out, d)), d)
    # an explicit scale accepts the rounding it implies
    back = read_depth(write_depth(out, np.full((2, 2), 1.3, np.float32), scale=1), scale=1)
    np.testing.assert_array_equal(back, 1.0)


def test_other_formats_keep_fractional_and_tiny_values(tmp_path):
    d = np.array([[0.001, 1.5], [np.nan, 70000.25]], np.float32)
    for ext in (".pfm", ".npy", ".tif", ".exr", ".dpt"):
        if ext == ".dpt":
            d = np.nan_to_num(d, nan=3.0)
        back = read_depth(write_depth(tmp_path / f"d{ext}", d))
        np.testing.assert_array_equal(np.isnan(back), np.isnan(d))
        np.testing.assert_array_equal(back[~np.isnan(d)], d[~np.isnan(d)])


# ---------------------------------------------------------------- check_output
def test_check_output_existing_file_and_name(tmp_path):
    f = tmp_path / "o.png"
    f.write_bytes(b"x")
    with pytest.raises(OutputExistsError, match=r"^--preview: .*o\.png exists: pass "
                       r"--overwrite"):
        check_output(f, name="--preview")
    assert check_output(str(f), overwrite=True) == f
    link = tmp_path / "dangling.png"
    link.symlink_to(tmp_path / "nowhere.png")
    with pytest.raises(OutputExistsError):
        check_output(link)


def test_check_output_refuses_inputs_even_through_links(tmp_path):
    src = tmp_path / "in.pfm"
    src.write_bytes(b"x")
    hard = tmp_path / "hard.pfm"
    os.link(src, hard)
    for out in (src, hard):
        with pytest.raises(OutputExistsError, match="is also an input"):
            check_output(out, overwrite=True, inputs=[None, tmp_path / "other.png", src])


def test_check_output_missing_or_bad_parent(tmp_path):
    out = tmp_path / "no" / "such" / "o.png"
    with pytest.raises(InputError, match=r"^-o: folder .*no[/\\]such does not exist$"):
        check_output(out)
    assert not (tmp_path / "no").exists()  # nothing created
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(InputError, match="is not a folder"):
        check_output(tmp_path / "file" / "o.png")
    (tmp_path / "d.png").mkdir()
    with pytest.raises(InputError, match="is a folder: expected a file path"):
        check_output(tmp_path / "d.png", overwrite=True)


def test_check_output_unwritable_parent(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
    else:  # root may write anywhere: simulate the refusal the kernel would give a user
        real = os.access
        monkeypatch.setattr(_atomic.os, "access",
                            lambda p, m, **k: False if Path(p) == ro else real(p, m, **k))
    try:
        with pytest.raises(InputError, match=r"^-o: folder .*ro is not writable$") as ei:
            check_output(ro / "o.png")
        assert ".tmp" not in str(ei.value)
    finally:
        ro.chmod(0o755)


def test_check_output_extension_tables(tmp_path):
    with pytest.raises(UnsupportedFormatError, match=r"unknown depth format '\.jpg'; known: "
                       r".*\.npy.*\.pfm"):
        check_output(tmp_path / "o.jpg", kind="depth")
    assert check_output(tmp_path / "o.jpg", kind="image") == tmp_path / "o.jpg"
    with pytest.raises(UnsupportedFormatError, match=r"unknown image format '\.xyz'; known: "
                       r".*\.png"):
        check_output(tmp_path / "o.xyz", kind="image")
    assert check_output(tmp_path / "o.xyz") == tmp_path / "o.xyz"  # no kind: not checked
    with pytest.raises(InputError, match="kind must be"):
        check_output(tmp_path / "o.png", kind="video")
    with pytest.raises(InputTypeError, match="^-o must be a file path"):
        check_output(None)


# ---------------------------------------------------------------- atomic_path
def test_temp_file_naming_and_registration(tmp_path):
    target = tmp_path / "depth map.png"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path
        assert re.fullmatch(rf"\.depth_map\.png\.[A-Za-z0-9-]+\.{os.getpid()}\.[0-9a-f]{{8}}"
                            r"\.tmp\.png", tmp.name), tmp.name
        assert tmp.exists() and str(tmp) in _atomic._LIVE
        tmp.write_bytes(b"data")
    assert target.read_bytes() == b"data"
    assert str(tmp) not in _atomic._LIVE and os.listdir(tmp_path) == ["depth map.png"]


def test_exclusive_publish_loses_the_race_without_replacing(tmp_path):
    target = tmp_path / "o.npy"
    with pytest.raises(OutputExistsError, match="created while writing") as ei:
        with atomic_path(target, overwrite=False) as tmp:
            tmp.write_bytes(b"ours")
            target.write_bytes(b"theirs")  # another process wins the race
    assert str(target) in str(ei.value)
    assert target.read_bytes() == b"theirs"
    assert os.listdir(tmp_path) == ["o.npy"]
    # without a competitor it publishes; with overwrite it replaces (library default)
    with atomic_path(tmp_path / "new.npy", overwrite=False) as tmp:
        tmp.write_bytes(b"new")
    assert (tmp_path / "new.npy").read_bytes() == b"new"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"ours")
    assert target.read_bytes() == b"ours"
    assert sorted(os.listdir(tmp_path)) == ["new.npy", "o.npy"]


def test_exclusive_publish_without_hard_links(tmp_path, monkeypatch):
    def no_link(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(_atomic.os, "link", no_link)
    with atomic_path(tmp_path / "a.txt", overwrite=False) as tmp:
        tmp.write_bytes(b"a")
    assert (tmp_path / "a.txt").read_bytes() == b"a"
    with pytest.raises(OutputExistsError):
        with atomic_path(tmp_path / "a.txt", overwrite=False) as tmp:
            tmp.write_bytes(b"b")
    assert (tmp_path / "a.txt").read_bytes() == b"a"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_writers_pass_overwrite(tmp_path):
    d = np.ones((3, 3), np.float32)
    rgb = np.zeros((3, 3, 3), np.uint8)
    for path, write in [(tmp_path / "d.pfm", lambda p, **k: write_depth(p, d, **k)),
                        (tmp_path / "g.png", lambda p, **k: write_image(p, rgb, **k)),
                        (tmp_path / "panel.png", lambda p, **k: save_panel(p, [rgb], ["t"], **k))]:
        write(path)
        before = path.read_bytes()
        write(path)  # library default: replace
        with pytest.raises(OutputExistsError):
            write(path, overwrite=False)
        assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["d.pfm", "g.png", "panel.png"]


def test_atomic_path_refuses_missing_folder_and_cleans_up_on_any_exception(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        with atomic_path(tmp_path / "missing" / "o.png"):
            pass
    assert os.listdir(tmp_path) == []
    target = tmp_path / "o.png"
    target.write_bytes(b"old")
    for exc in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(exc):
            with atomic_path(target) as tmp:
                tmp.write_bytes(b"half")
                raise exc("boom")
        assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["o.png"]
    assert not _atomic._LIVE


def test_remove_temp_files(tmp_path):
    target = tmp_path / "o.png"
    with pytest.raises(FileNotFoundError):
        with atomic_path(target) as tmp, atomic_path(tmp_path / "b.png") as tmp2:
            assert tmp.exists() and tmp2.exists()
            assert remove_temp_files() == 2
            assert not tmp.exists() and not tmp2.exists()
    assert os.listdir(tmp_path) == [] and not _atomic._LIVE
    assert remove_temp_files() == 0


# ---------------------------------------------------------------- stale temporary files
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@POSIX
def test_sweep_stale_temps(tmp_path):
    host = _atomic._host()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _temp_like(tmp_path, "a.png", host, _dead_pid())
        old = _temp_like(tmp_path, "b.png", "otherhost", 4242)
        fresh_other = _temp_like(tmp_path, "c.png", "otherhost", 4242)
        mine = _temp_like(tmp_path, "d.png", host, os.getpid())
        other_live = _temp_like(tmp_path, "e.pfm", host, live.pid, suffix=".pfm")
        old_live = _temp_like(tmp_path, "f.pfm", host, live.pid, suffix=".pfm")
        unrelated = [tmp_path / n for n in (
            ".hidden", ".a.png.tmp", "x.tmp.png", f".a.png.{host}.123.0123ABCD.tmp.png",
            f".a.png.{host}.123.0123abcd.tmp.png~", f"a.png.{host}.123.0123abcd.tmp.png")]
        for f in [dead, old, fresh_other, mine, other_live, old_live, *unrelated]:
            f.write_bytes(b"x")
        folder_like = _temp_like(tmp_path, "g.png", host, _dead_pid())
        folder_like.mkdir()
        two_days_ago = time.time() - 2 * 86400
        for f in (old, old_live):
            os.utime(f, (two_days_ago, two_days_ago))
        removed = sweep_stale_temps(tmp_path)
        assert sorted(removed) == sorted([dead, old])
        assert not dead.exists() and not old.exists()
        for f in [fresh_other, mine, other_live, old_live, folder_like, *unrelated]:
            assert f.exists(), f.name
    finally:
        live.kill()
        live.wait()
    # once the writer is gone its files are stale
    assert sorted(sweep_stale_temps(str(tmp_path))) == sorted([other_live, old_live])
    assert sweep_stale_temps(tmp_path / "missing") == []


@POSIX
def test_atomic_path_sweeps_its_folder_first(tmp_path):
    dead = _temp_like(tmp_path, "a.png", _atomic._host(), _dead_pid())
    dead.write_bytes(b"x")
    write_depth(tmp_path / "d.pfm", np.ones((2, 2), np.float32))
    assert os.listdir(tmp_path) == ["d.pfm"]


_CHILD = """
import os, signal, sys, time
sys.path.insert(0, {src!r})
from depthsmith.io import atomic_path, remove_temp_files

if {handler}:
    def on_term(signum, frame):
        remove_temp_files()
        os._exit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
with atomic_path({target!r}) as tmp:
    tmp.write_bytes(b"partial")
    print(tmp, flush=True)
    time.sleep(60)
"""


def _run_child(tmp_path, handler: bool, sig) -> tuple[subprocess.Popen, str]:
    script = textwrap.dedent(_CHILD).format(src=str(SRC), handler=handler,
                                            target=str(tmp_path / "out.png"))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        tmp = child.stdout.readline().strip()
        assert tmp and Path(tmp).exists()
        child.send_signal(sig)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    return child, tmp


@POSIX
def test_sigterm_handler_removes_the_temp_file(tmp_path):
    child, tmp = _run_child(tmp_path, handler=True, sig=signal.SIGTERM)
    assert child.returncode == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == []


@POSIX
def test_killed_writer_leaves_a_temp_that_the_sweep_removes(tmp_path):
    child, tmp = _run_child(tmp_path, handler=False, sig=signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL
    assert os.listdir(tmp_path) == [Path(tmp).name]  # no target, one orphan
    assert sweep_stale_temps(tmp_path) == [Path(tmp)]
    assert os.listdir(tmp_path) == []
