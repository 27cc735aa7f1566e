"""The report opened in a real browser engine: headless Chromium (Debian's ``chromium`` package) lays it out,
decodes every embedded picture and draws each section; a screenshot shows it.

No browser is no reason to pass: the test fails and names the package to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.report.page import SECTIONS
from tests.trained_run import TWO_CLASSES, one_torch_thread, shared_run

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Added to a copy of the report: once the page has loaded, record what the browser made of it.
PROBE = """<script>window.addEventListener("load", function () {
  var shown = 0, images = document.images;
  for (var i = 0; i < images.length; i++) { if (images[i].complete && images[i].naturalWidth > 0) shown++; }
  document.body.setAttribute("data-images", shown + "/" + images.length);
  var heights = [];
  document.querySelectorAll("section").forEach(function (s) {
    var h2 = s.querySelector("h2");
    heights.push(s.id + ":" + Math.round(s.getBoundingClientRect().height) + ":" +
                 (h2 ? Math.round(h2.getBoundingClientRect().height) : 0));
  });
  document.body.setAttribute("data-sections", heights.join(","));
});</script>"""


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("No headless browser to open the report with: install Chromium (Debian/Ubuntu: "
                "apt-get install chromium), as the README's list of packages for the tests says.")


def headless(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # --no-sandbox: CI and containers run as root, where Chromium's sandbox refuses to start; the page is ours.
    command = [browser(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
               "--virtual-time-budget=10000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory, TWO_CLASSES) / "report.html"


def test_chromium_lays_out_every_section_and_decodes_every_picture(report: Path, tmp_path: Path) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = headless(tmp_path, "--dump-dom", probe.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    images = re.search(r'data-images="(\d+)/(\d+)"', done.stdout)
    assert images, "the page did not finish loading in Chromium"
    assert int(images.group(2)) >= 5 and images.group(1) == images.group(2)
    laid_out = re.search(r'data-sections="([^"]*)"', done.stdout)
    assert laid_out
    heights = {anchor: (int(h), int(title)) for anchor, h, title in
               (entry.split(":") for entry in laid_out.group(1).split(","))}
    assert list(heights) == [anchor for anchor, _ in SECTIONS]
    for anchor, (height, title) in heights.items():
        assert height > 40 and title > 10, f"section {anchor} is not drawn ({height}px, title {title}px)"


def test_a_screenshot_of_the_report_shows_a_drawn_page(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = headless(tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", report.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[:2] == (2400, 1280)
    ink = (pixels.sum(axis=2) < 600).mean()  # text, rules, tables and plots on a white page
    assert 0.01 < ink < 0.6
    rule = np.all(np.abs(pixels.astype(int) - (0x3a, 0x6e, 0xa5)) < 30, axis=2)  # the sections' blue rules
    assert rule.any(axis=1).sum() >= 2
