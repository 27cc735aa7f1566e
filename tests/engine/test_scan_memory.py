"""A scan of very large images keeps its memory bounded, whatever the number of threads.

Measured in a fresh process (its peak resident memory, before and after the scan), so that what this test
process holds does not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.data.images.decode import load_image_with_info
from engine.data.images.decode_budget import DECODE_BUDGET_PIXELS
from engine.data.scan.duplicates import fingerprint
from engine.data.scan.scanner import SCAN_MIN_SIDE

ROOT = Path(__file__).resolve().parents[2]

MEASURE = """
import json, sys
from engine.data.scan.scanner import scan_folder
from tests.peak_memory import peak_memory
before = peak_memory()
scan = scan_folder(sys.argv[1], workers=4, use_cache=False)
after = peak_memory()
print(json.dumps({"grew": after - before, "records": [[r.reason, r.width, r.height] for r in scan.records]}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the resource module (peak memory) is POSIX only")
def test_scanning_large_pngs_holds_a_bounded_number_of_decoded_pixels(tmp_path: Path) -> None:
    # Eight 16-megapixel PNGs: a flat colour compresses to a few kilobytes, so they are quick to write and
    # small on disk, and still take 64 MB each once decoded (four threads at once took ~660 MB).
    side = 4000
    for i in range(8):
        folder = tmp_path / ("a" if i % 2 else "b")
        folder.mkdir(exist_ok=True)
        Image.new("RGB", (side, side), (20 * i, 255 - 20 * i, 100)).save(folder / f"{i}.png", compress_level=1)
    result = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout)
    assert measured["records"] == [["ok", side, side]] * 8, "every image is still read and reported in full"
    bound = 1.5 * DECODE_BUDGET_PIXELS * 4  # the decode budget at Pillow's 4 bytes a pixel, with some slack
    assert measured["grew"] < bound, f"the scan took {measured['grew'] / 2**20:.0f} MB (bound {bound / 2**20:.0f})"


def _large(mode: str) -> Image.Image:
    """An image just over the size the scan shrinks (4 megapixels), with some structure."""
    ramp = np.linspace(0, 255, 2100, dtype=np.float64)[None, :] * np.ones((2000, 1))
    grey = Image.fromarray(ramp.astype(np.uint8))
    if mode == "I;16":
        return Image.fromarray((ramp * 200).astype(np.uint16))
    return grey.convert("RGB").convert(mode) if mode != "L" else grey


@pytest.mark.parametrize(("mode", "exif", "reason"), [("RGB", True, "exif_rotated"), ("P", False, "palette"),
                                                      ("I;16", False, "high_bit_depth"),
                                                      ("RGBA", False, "transparency"), ("L", False, "grayscale")])
def test_large_images_shrunk_for_the_scan_keep_what_was_converted(tmp_path: Path, mode: str, exif: bool,
                                                                   reason: str) -> None:
    path = tmp_path / "big.png"
    img = _large(mode)
    if exif:
        tags = Image.Exif()
        tags[0x0112] = 6  # rotate 90: upright it is taller than wide
        img.save(path, exif=tags.tobytes(), compress_level=1)
    else:
        img.save(path, compress_level=1)
    array, info = load_image_with_info(path, min_side=SCAN_MIN_SIDE, reduce_decoded=True)
    full, full_info = load_image_with_info(path)
    assert [c.code for c in info.conversions] == [c.code for c in full_info.conversions]
    assert reason in [c.code for c in info.conversions]
    assert info.source_size == (2100, 2000)
    assert min(array.shape[:2]) >= SCAN_MIN_SIDE and array.size * 8 < full.size, "a small copy only"
    assert (array.shape[0] > array.shape[1]) == (full.shape[0] > full.shape[1]), "same orientation"
    assert fingerprint(array).dhash == fingerprint(full).dhash, "the same fingerprint as the full image"
