"""Images far smaller than the model's input (icons, thumbnails, tracking pixels) are pointed out."""

from __future__ import annotations

from pathlib import Path

from engine.data.reasons import REASONS
from engine.data.report import Outcome, scan_image_folder
from tests.imagegen import make_image_folder
from tests.messygen import noise, save


def _folder(tmp_path: Path) -> Path:
    data = make_image_folder(tmp_path / "photos", {"red": 4, "green": 4}, size=40)
    save(noise((1, 1), seed=1), data / "red" / "pixel.png")  # a tracking pixel saved with the photos
    save(noise((10, 8), seed=2), data / "green" / "thumb.png")
    save(noise((64, 8), seed=3).convert("P"), data / "green" / "strip.png")  # converted, and very thin
    return data


def test_images_far_below_the_input_size_get_a_verdict_and_a_warning(tmp_path: Path) -> None:
    report = scan_image_folder(_folder(tmp_path), use_cache=False)
    files = {f.path: f for f in report.files}
    pixel = files["red/pixel.png"]
    assert (pixel.outcome, pixel.reason) == (Outcome.ACCEPTED, "very_small"), "still used, but not silently"
    assert "1×1 pixels" in pixel.message and "224" in pixel.message and "icon or a thumbnail" in pixel.message
    assert files["green/thumb.png"].reason == "very_small" and "10×8 pixels" in files["green/thumb.png"].message
    strip = files["green/strip.png"]
    assert (strip.outcome, strip.reason) == (Outcome.CONVERTED, "very_small")
    assert "Palette colours" in strip.message or "palette" in strip.message.lower(), "the conversion is still said"
    assert files["red/img_000.png"].reason == "ok", "40-pixel images are small but meant"
    assert "red/pixel.png" in report.classes["red"]
    warning = [w for w in report.warnings if w.code == "tiny_images"]
    assert len(warning) == 1 and warning[0].message.startswith("3 images are")
    assert "red/pixel.png" in warning[0].message and "224" in warning[0].message
    assert {"very_small", "tiny_images"} <= set(REASONS)


def test_the_threshold_follows_the_training_image_size(tmp_path: Path) -> None:
    report = scan_image_folder(_folder(tmp_path), use_cache=False, image_size=64)
    reasons = {f.path: f.reason for f in report.files}
    assert reasons["red/pixel.png"] == "very_small"
    assert reasons["green/thumb.png"] == "ok", "8 pixels is an eighth of 64: small, not far below"
