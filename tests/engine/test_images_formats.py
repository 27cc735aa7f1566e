"""load_image: every format and oddity a user's folder holds, each on a generated file."""

from __future__ import annotations

import io
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.data.images import decode as images
from engine.data.images.decode import BACKGROUND_RGB, ImageLoadError, load_image, load_image_with_info
from tests import messygen as gen


def codes(path: Path) -> list[str]:
    return [c.code for c in load_image_with_info(path)[1].conversions]


def refused(path: Path) -> ImageLoadError:
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    return caught.value


def test_a_plain_jpeg_is_an_rgb_uint8_array_with_nothing_converted(tmp_path: Path) -> None:
    array, info = load_image_with_info(gen.save(gen.noise((40, 30)), tmp_path / "a.jpg"))
    assert array.shape == (30, 40, 3) and array.dtype == np.uint8 and array.flags.writeable
    assert info.conversions == () and info.notes == () and info.source_format == "JPEG"


def test_png_bytes_named_jpg_and_upper_case_extensions_are_read_by_content(tmp_path: Path) -> None:
    original = gen.noise((20, 20), 3)
    named_jpg = gen.save(original, tmp_path / "really_png.jpg", format="PNG")
    upper = gen.save(original, tmp_path / "SHOUT.PNG")
    array, info = load_image_with_info(named_jpg)
    assert np.array_equal(array, np.asarray(original))  # lossless: the PNG decoder read it, not JPEG's
    assert [n.code for n in info.notes] == ["extension_mismatch"] and info.conversions == ()
    assert np.array_equal(load_image(upper), np.asarray(original))


@pytest.mark.parametrize(("mode", "code"), [("CMYK", "cmyk"), ("L", "grayscale")])
def test_cmyk_and_grey_images_are_converted_to_rgb_and_say_so(tmp_path: Path, mode: str, code: str) -> None:
    path = gen.save(gen.noise((16, 16), 1, mode), tmp_path / "x.jpg", format="JPEG")
    array, info = load_image_with_info(path)
    assert array.shape == (16, 16, 3) and [c.code for c in info.conversions] == [code]
    if mode == "L":
        assert np.array_equal(array[:, :, 0], array[:, :, 2])


def test_one_bit_images_become_black_and_white_rgb(tmp_path: Path) -> None:
    path = gen.save(gen.noise((16, 16), 2, "L").convert("1"), tmp_path / "bw.png")
    array, info = load_image_with_info(path)
    assert set(np.unique(array)) <= {0, 255} and [c.code for c in info.conversions] == ["one_bit"]


def test_transparent_pixels_are_composited_on_white_and_never_revealed(tmp_path: Path) -> None:
    array, info = load_image_with_info(gen.rgba_with_hidden_pixels(tmp_path / "rgba.png"))
    assert [c.code for c in info.conversions] == ["transparency"]
    assert (array[:, 10:] == BACKGROUND_RGB).all()  # the red hidden under alpha=0 does not show
    assert (array[:, :10] == (0, 0, 255)).all()


def test_palette_images_with_a_transparent_colour_are_composited(tmp_path: Path) -> None:
    path = gen.palette_with_transparency(tmp_path / "p.png")
    with Image.open(path) as img:
        hidden = np.asarray(img) == 0
    array, info = load_image_with_info(path)
    assert [c.code for c in info.conversions] == ["transparency"]
    assert hidden.any() and (array[hidden] == BACKGROUND_RGB).all()


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    array, info = load_image_with_info(gen.exif_rotated_jpeg(tmp_path / "r.jpg"))
    assert array.shape[:2] == (60, 30)  # stored 60 wide x 30 tall, upright 30 wide x 60 tall
    assert [c.code for c in info.conversions] == ["exif_rotated"]


@pytest.mark.parametrize(("name", "fmt", "big_endian"),
                         [("a.png", "PNG", False), ("le.tif", "TIFF", False), ("be.tif", "TIFF", True)])
def test_16_bit_images_keep_their_tonal_range(tmp_path: Path, name: str, fmt: str, big_endian: bool) -> None:
    path = gen.sixteen_bit(tmp_path / name, fmt, big_endian)
    with Image.open(path) as img:
        naive_levels = len(np.unique(np.asarray(img.convert("RGB"))))
    array, info = load_image_with_info(path)
    assert naive_levels < 20  # what convert("RGB") does: the reason for the rule
    assert len(np.unique(array)) > 200 and array.min() == 0 and array.max() == 255
    assert [c.code for c in info.conversions] == ["high_bit_depth"] and "1000..60000" in info.conversions[0].message


def test_float_images_are_rescaled_by_the_recorded_rule(tmp_path: Path) -> None:
    array, info = load_image_with_info(gen.float_tiff(tmp_path / "f.tif"))
    assert [c.code for c in info.conversions] == ["float_image"]
    assert array[0, 0, 0] == 0  # NaN -> 0
    assert array.max() == 255 and len(np.unique(array)) > 200


@pytest.mark.parametrize(("writer", "name"),
                         [(gen.animated_gif, "a.gif"), (gen.apng, "a.png"), (gen.multipage_tiff, "a.tif")])
def test_animated_and_multi_page_files_give_their_first_frame_with_a_note(tmp_path: Path, writer: Callable[[Path], Path],
                                                                          name: str) -> None:
    path = writer(tmp_path / name)
    array, info = load_image_with_info(path)
    with Image.open(path) as img:
        first = np.asarray(img.convert("RGB"))
    assert "first_frame" in [c.code for c in info.conversions] and info.frames > 1
    assert np.array_equal(array, first)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bombs_are_refused_without_allocating_their_pixels(tmp_path: Path) -> None:
    path = gen.bomb_png(tmp_path / "bomb.png", 12_000, 12_000)  # 144 M pixels would be 432 MB of RGB
    tracemalloc.start()
    try:
        error = refused(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.reason == "too_large" and "12,000 x 12,000" in str(error)
    assert peak < 5_000_000


def test_images_over_the_apps_pixel_limit_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = gen.save(gen.noise((40, 40)), tmp_path / "big.png")
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    assert refused(path).reason == "too_large"


def test_webp_is_accepted(tmp_path: Path) -> None:
    original = gen.noise((20, 20), 9)
    array = load_image(gen.save(original, tmp_path / "a.webp", lossless=True))
    assert np.array_equal(array, np.asarray(original))


def test_heic_is_read_when_the_plugin_is_installed(tmp_path: Path) -> None:
    if not images.heic_supported():
        pytest.fail("pillow-heif is a dependency (pyproject.toml) and should be installed")
    path = gen.save(gen.noise((32, 24), 4), tmp_path / "photo.heic")
    assert load_image(path).shape == (24, 32, 3)


def test_heic_without_the_plugin_asks_for_a_jpeg_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = gen.save(gen.noise((32, 24), 4), tmp_path / "photo.heic")
    monkeypatch.setattr(images, "heic_supported", lambda: False)
    error = refused(path)
    assert error.reason == "heic_unsupported" and "JPEG" in str(error)


@pytest.mark.parametrize(("make", "reason", "words"), [
    (lambda p: gen.truncated_jpeg(p / "t.jpg"), "truncated", "damaged or incomplete"),
    (lambda p: gen.write_bytes(p / "z.jpg", b""), "empty_file", "empty"),
    (lambda p: gen.html_as_jpeg(p / "h.jpg"), "html_not_image", "web page"),
    (lambda p: gen.write_bytes(p / "t.png", b"just some words\n" * 5), "text_not_image", "text"),
    (lambda p: gen.write_bytes(p / "r.bin", bytes(range(256)) * 4), "not_an_image", "not an image"),
    (lambda p: (p / "dir.jpg").mkdir() or p / "dir.jpg", "not_a_file", "folder"),
    (lambda p: os.symlink(p / "nowhere.jpg", p / "link.jpg") or p / "link.jpg", "broken_link", "link"),
    (lambda p: os.mkfifo(p / "pipe.jpg") or p / "pipe.jpg", "not_a_file", "not a regular file"),
])
def test_unusable_files_are_refused_with_a_reason_and_a_sentence(tmp_path: Path, make: object, reason: str,
                                                                 words: str) -> None:
    error = refused(make(tmp_path))  # type: ignore[operator]
    assert error.reason == reason
    assert words in str(error)


def test_a_truncated_jpeg_is_caught_even_at_reduced_decoding_scale(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    gen.noise((512, 512), 1).save(buffer, "JPEG", quality=95)
    path = gen.write_bytes(tmp_path / "big_truncated.jpg", buffer.getvalue()[: len(buffer.getvalue()) * 2 // 3])
    with pytest.raises(ImageLoadError) as caught:
        load_image(path, min_side=64)
    assert caught.value.reason == "truncated"


def test_unreadable_files_say_how_to_fix_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = gen.save(gen.noise(), tmp_path / "secret.png")
    path.chmod(0)

    def denied(p: Path) -> object:
        raise PermissionError(13, "Permission denied", str(p))

    if os.geteuid() == 0:  # root reads anything: simulate what every other user gets
        monkeypatch.setattr(images, "_open_binary", denied)
    error = refused(path)
    assert error.reason == "unreadable" and "permissions" in str(error)
