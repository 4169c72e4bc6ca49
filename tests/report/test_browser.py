"""The report rendered by a real browser: headless Chromium (Debian's ``chromium``; skipped
with a message where it is absent) decodes every picture of the page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from depthsmith.bench import run
from depthsmith.report import ExampleRecorder, write_bench_report

from .test_bench_report import _toy_task


def _chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def _dump_dom(page, profile):
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--run-all-compositor-stages-before-draw",
           "--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def test_every_img_has_a_natural_width_in_chromium(tmp_path):
    if _chromium() is None:
        pytest.skip("Chromium absent (Debian package 'chromium', which .ci/run installs when "
                    "it can): the browser check of the report is not run")
    rec = ExampleRecorder()
    rep = run(rec.wrap(_toy_task()), tmp_path, progress=False)
    index = write_bench_report(rep, tmp_path / "report", examples=rec)
    html = index.read_text()
    n = html.count("<img ")
    assert n > 10
    # a control beside the page: one broken picture, which the browser must report as such
    control = index.with_name("control.html")
    control.write_text(html.replace("<script>", "<img src='img/missing.png' alt='control' "
                                                "id='control'>\n<script>", 1))
    dom = _dump_dom(control, tmp_path / "profile")
    assert f'data-loaded="{n + 1}"' in dom, dom[-500:]
    imgs = re.findall(r"<img [^>]*>", dom)
    assert len(imgs) == n + 1
    widths = {}
    for tag in imgs:
        src = re.search(r'src="([^"]+)"', tag).group(1)
        w = re.search(r'data-natural-width="(\d+)"', tag)
        assert w is not None, tag
        widths[src] = int(w.group(1))
    assert widths.pop("img/missing.png") == 0
    bad = {s: w for s, w in widths.items() if w <= 0}
    assert not bad, f"pictures the browser could not decode: {bad}"
