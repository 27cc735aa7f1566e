"""ONE function that turns any supported image file into the RGB array the model sees.

Scanning, training, prediction and export all call :func:`load_image`, so a file is understood the same
way everywhere. Conversions that change what the pixels mean are recorded in :class:`ImageInfo` (each with
a stable code from :mod:`engine.data.reasons`) so the data report can say what was done. Failures raise
:class:`ImageLoadError` whose ``reason`` is such a code and whose ``str()`` says what to do.

Rules (all fixed, so the same file always yields the same array):

* EXIF orientation is applied.
* Transparency is composited on :data:`BACKGROUND_RGB`: pixels hidden under alpha=0 never show.
* 16-bit and 32-bit integer images: the image's own min..max is stretched to 0..255
  (``convert("RGB")`` would leave about 13 grey levels). Float images: the same rule over finite values,
  NaN and infinity become 0. See :data:`HIGH_DEPTH_RULE`.
* Animated or multi-page files: the first frame.
* DICOM: see :mod:`engine.data.images.dicom` (rescale slope/intercept, then the file's window centre/width).
* Larger than :data:`MAX_PIXELS`: refused from the header, before any pixel is allocated.

Memory: every decode holds its pixels against :data:`engine.data.images.decode_budget.DECODE_BUDGET`, so threads decode
side by side only while their images fit in it. ``min_side`` lets JPEGs decode at a reduced scale (Pillow's
draft mode); ``reduce_decoded`` also shrinks any other large image right after decoding, for callers that
need only a small version (the scan's fingerprints), so the full-size pixels are dropped at once.
"""

from __future__ import annotations

import functools
import logging
import re
import stat
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from PIL import _imaging as pillow_core  # Image.core: the block allocator's settings

from engine.core.i18n import tr, tr_later
from engine.data.images.decode_budget import DECODE_BUDGET

# Re-exported: callers take everything about opening an image from here.
from engine.data.images.pixels import MAX_PIXELS as MAX_PIXELS
from engine.data.images.pixels import Conversion as Conversion
from engine.data.images.pixels import ImageInfo as ImageInfo
from engine.data.images.pixels import ImageLoadError as ImageLoadError
from engine.data.images.pixels import rescale_to_uint8 as rescale_to_uint8

log = logging.getLogger(__name__)

# A truncated file must fail loudly (Pillow would otherwise fill the rest with grey and carry on).
ImageFile.LOAD_TRUNCATED_IMAGES = False

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Our own check (after the header, before the pixels) refuses these files with a sentence; Pillow's warning
# would only add noise, and catching it per call is not thread-safe (the scan runs files in threads).
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

#: Pillow stores a large image in blocks of this size (its default is 16 MB). The C allocator serves blocks
#: under 32 MB from per-thread heaps and keeps them after they are freed, so each scan thread went on holding
#: about one large image (measured: eight 16-megapixel PNGs, four threads: 185-237 MB growth; 124 MB with
#: these blocks). Blocks this large are mapped from the system and given back when the image is freed.
PILLOW_BLOCK_BYTES = 64 << 20
if pillow_core.get_block_size() < PILLOW_BLOCK_BYTES:
    pillow_core.set_block_size(PILLOW_BLOCK_BYTES)

#: Colour used under transparent pixels. Fixed so the same file always yields the same array.
BACKGROUND_RGB = (255, 255, 255)

#: How images with more than 8 bits per sample become 0..255 (recorded in conversions and model.json).
HIGH_DEPTH_RULE = tr_later("each image's own minimum..maximum stretched linearly to 0..255 (NaN and infinity -> 0)")

DICOM_EXTENSIONS = frozenset({".dcm", ".dicom", ".dic"})
HEIC_EXTENSIONS = frozenset({".heic", ".heif", ".hif"})
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".bmp", ".dib", ".gif", ".tif", ".tiff", ".webp",
     ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".avif"}
) | DICOM_EXTENSIONS | HEIC_EXTENSIONS

_FORMAT_EXTENSIONS = {
    "JPEG": {".jpg", ".jpeg", ".jpe", ".jfif"}, "PNG": {".png", ".apng"}, "GIF": {".gif"},
    "TIFF": {".tif", ".tiff"}, "WEBP": {".webp"}, "BMP": {".bmp", ".dib"}, "PPM": {".ppm", ".pgm", ".pbm", ".pnm"},
    "HEIF": HEIC_EXTENSIONS, "AVIF": {".avif"}, "TGA": {".tga"},
}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_HIGH_DEPTH_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I;16S", "I", "F"}
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
_HEAD_BYTES = 512
#: ``reduce_decoded`` leaves images of up to this many pixels as they are: they cost little memory, and the
#: scan's fingerprints of ordinary images stay those that earlier scans cached.
REDUCE_ABOVE_PIXELS = 4_000_000
#: Modes whose pixels can be averaged before conversion (a palette index or a 16-bit value rescaled by the
#: image's own range cannot: those are reduced after conversion to RGB).
_REDUCIBLE_MODES = {"RGB", "RGBX", "RGBA", "L", "LA", "CMYK"}


def load_image(path: str | Path, *, min_side: int | None = None) -> np.ndarray:
    """Open ``path`` and return an ``(H, W, 3)`` ``uint8`` RGB array.

    Args:
        path: any supported image file (JPEG, PNG, TIFF, WebP, GIF, BMP, DICOM, HEIC with its plugin...).
        min_side: when given, JPEGs may be decoded at a reduced scale as long as both sides stay at least
            this long (much faster for large photos that are resized anyway).

    Raises:
        ImageLoadError: with a reason code such as ``"not_an_image"`` or ``"truncated"``.

    Example:
        >>> arr = load_image("cat.jpg", min_side=224)  # doctest: +SKIP
        >>> arr.shape[2], arr.dtype  # doctest: +SKIP
        (3, dtype('uint8'))
    """
    return load_image_with_info(path, min_side=min_side)[0]


def load_image_with_info(path: str | Path, *, min_side: int | None = None,
                         reduce_decoded: bool = False) -> tuple[np.ndarray, ImageInfo]:
    """Like :func:`load_image`, also returning what was converted.

    ``reduce_decoded`` (with ``min_side``): shrink an image of more than :data:`REDUCE_ABOVE_PIXELS` by a
    whole factor right after decoding, both sides staying at least ``min_side`` (JPEGs are already drafted
    to about that size). For a small version only: training and prediction see a plain resize instead.

    Example:
        >>> array, info = load_image_with_info("scan.dcm")  # doctest: +SKIP
        >>> [c.code for c in info.conversions]  # doctest: +SKIP
        ['dicom']
    """
    path = Path(path)
    head = _read_head(path)
    suffix = path.suffix.lower()
    if head[128:132] == b"DICM" or (suffix in DICOM_EXTENSIONS and not _looks_like_other_format(head)):
        from engine.data.images.dicom import load_dicom  # pydicom takes half a second to import: only when needed

        return load_dicom(path)
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS and not heic_supported():
        raise ImageLoadError(
            "heic_unsupported",
            tr("This is a HEIC photo (the iPhone's format) and the HEIC component is not installed. Export it as "
               "JPEG (on an iPhone: Settings > Camera > Formats > Most Compatible) and add it again."))
    return _load_with_pillow(path, head, suffix, min_side, reduce_decoded)


@functools.lru_cache(maxsize=1)
def heic_supported() -> bool:
    """Whether HEIC files can be read (the optional ``pillow-heif`` plugin is installed)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def _read_head(path: Path) -> bytes:
    """The first bytes of the file, after checking it is a regular, readable, non-empty file."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        if path.is_symlink():
            raise ImageLoadError("broken_link", tr("This is a link (shortcut) to a file that no longer exists.")) \
                from exc
        raise ImageLoadError("missing", tr("The file no longer exists (it was moved or deleted).")) from exc
    except PermissionError as exc:
        raise _unreadable() from exc
    except OSError as exc:  # e.g. a symlink loop (ELOOP)
        raise ImageLoadError("broken_link", tr("This link cannot be followed ({error}).", error=exc.strerror)) \
            from exc
    if stat.S_ISDIR(info.st_mode):
        raise ImageLoadError("not_a_file", tr("This is a folder, not an image file."))
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the scan forever
        raise ImageLoadError("not_a_file", tr("This is not a regular file (it may be a device or a pipe)."))
    if info.st_size == 0:
        raise ImageLoadError("empty_file", tr("The file is empty (0 bytes), often the sign of an interrupted "
                                              "copy or download. Copy it again from its source."))
    try:
        with _open_binary(path) as handle:
            return handle.read(_HEAD_BYTES)
    except PermissionError as exc:
        raise _unreadable() from exc


def _open_binary(path: Path) -> BinaryIO:
    """A seam for tests: as root, permissions cannot make a file unreadable."""
    return open(path, "rb")


def _unreadable() -> ImageLoadError:
    return ImageLoadError("unreadable", tr("The app is not allowed to read this file. Check its permissions "
                                           "(or copy the folder somewhere you own) and scan again."))


def _looks_like_other_format(head: bytes) -> bool:
    """A ``.dcm`` name on a JPEG or PNG: let Pillow read it by its content."""
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"II*\x00", b"MM\x00*", b"RIFF", b"BM"))


def _load_with_pillow(path: Path, head: bytes, suffix: str, min_side: int | None,
                      reduce_decoded: bool = False) -> tuple[np.ndarray, ImageInfo]:
    try:
        img = Image.open(path)
    except UnidentifiedImageError as exc:
        raise _not_an_image(head, suffix) from exc
    except Image.DecompressionBombError as exc:
        raise _too_large(None, str(exc)) from exc
    except PermissionError as exc:
        raise _unreadable() from exc
    except Exception as exc:  # a malformed header can raise almost anything inside Pillow
        raise _damaged(exc) from exc
    with img:
        if img.width * img.height > MAX_PIXELS:
            raise _too_large(img.size)
        source_format, source_mode, source_size = img.format or "?", img.mode, img.size
        if min_side and img.format == "JPEG":
            img.draft("RGB", (min_side, min_side))  # img.size is now the size it decodes at
        # Held until the decoded image is closed (the end of this block): only the result outlives it.
        with DECODE_BUDGET.hold(img.width * img.height):
            array, conversions, frames = _decode(img, min_side if reduce_decoded else None)
    if frames > 1:
        conversions.append(Conversion("first_frame", tr("Only the first of its {n} frames or pages is used.",
                                                        n=frames)))
    notes = []
    expected = _FORMAT_EXTENSIONS.get(source_format)
    if expected and suffix in IMAGE_EXTENSIONS and suffix not in expected:
        notes.append(Conversion("extension_mismatch",
                                tr("A {kind} image whose name ends in {suffix}; read as {kind}.", kind=source_format,
                                   suffix=suffix)))
    info = ImageInfo(width=array.shape[1], height=array.shape[0], source_format=source_format,
                     source_mode=source_mode, conversions=tuple(conversions), notes=tuple(notes), frames=frames,
                     source_size=source_size)
    return array, info


def _decode(img: Image.Image, reduce_to: int | None) -> tuple[np.ndarray, list[Conversion], int]:
    """Decode ``img`` into the RGB array, shrunk when ``reduce_to`` is given (see ``reduce_decoded``)."""
    try:
        img.load()
        factor = _reduce_factor(img.size, reduce_to)
        if factor > 1 and img.mode in _REDUCIBLE_MODES and "transparency" not in img.info:
            array, conversions = _to_rgb_array(img.reduce(factor))  # the full-size RGB copy is never made
        else:
            array, conversions = _to_rgb_array(img)
            if factor > 1:
                array = np.array(Image.fromarray(array).reduce(factor), dtype=np.uint8)
        return np.ascontiguousarray(array), conversions, _count_frames(img)
    except ImageLoadError:
        raise
    except MemoryError as exc:
        raise _too_large(img.size) from exc
    except Exception as exc:  # OSError, SyntaxError, zlib.error... all mean a damaged file
        raise _damaged(exc) from exc


def _reduce_factor(size: tuple[int, int], reduce_to: int | None) -> int:
    """The whole factor that keeps both sides at least ``reduce_to`` (1: leave the image as it is)."""
    if not reduce_to or size[0] * size[1] <= REDUCE_ABOVE_PIXELS:
        return 1
    return max(1, min(size) // reduce_to)


def _count_frames(img: Image.Image) -> int:
    if not getattr(img, "is_animated", False) and getattr(img, "n_frames", 1) == 1:
        return 1
    try:
        return int(getattr(img, "n_frames", 1))
    except Exception:  # noqa: BLE001 - damaged later frames do not matter: only the first is used
        return 2


def _not_an_image(head: bytes, suffix: str) -> ImageLoadError:
    if suffix and suffix not in IMAGE_EXTENSIONS:
        return ImageLoadError("not_an_image", tr("This is a {suffix} file, not an image; it is not used.",
                                                 suffix=suffix))
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<script")):
        if suffix:
            return ImageLoadError("html_not_image", tr(
                "This file is a web page (HTML), not an image, although its name ends in {suffix}: often a failed "
                "download. Download the image again.", suffix=suffix))
        return ImageLoadError("html_not_image", tr("This file is a web page (HTML), not an image: often a failed "
                                                   "download. Download the image again."))
    if start.startswith((b"<svg", b"<?xml")):
        return ImageLoadError("unsupported_format", tr("Drawings (SVG/XML) are not supported. Export it as PNG."))
    if head and b"\x00" not in head and sum(32 <= b < 127 or b in (9, 10, 13) for b in head) > 0.95 * len(head):
        if suffix:
            return ImageLoadError("text_not_image", tr("This file holds text, not an image, although its name ends "
                                                       "in {suffix}.", suffix=suffix))
        return ImageLoadError("text_not_image", tr("This file holds text, not an image."))
    return ImageLoadError("not_an_image", tr("The file is not an image the app can read."))


def _too_large(size: tuple[int, int] | None, pillow_message: str = "") -> ImageLoadError:
    if size:
        return ImageLoadError("too_large", tr("The image is {width:,} x {height:,} pixels, over the app's limit of "
                                              "{limit:,} pixels; it was not opened. Reduce it in an image editor if "
                                              "it is needed.", width=size[0], height=size[1], limit=MAX_PIXELS))
    # Pillow refused from the header: "Image size (900000000 pixels) exceeds limit..."
    found = re.search(r"\((\d+) pixels\)", pillow_message)
    if found:
        return ImageLoadError("too_large", tr("The image is {pixels:,} pixels, over the app's limit of {limit:,} "
                                              "pixels; it was not opened. Reduce it in an image editor if it is "
                                              "needed.", pixels=int(found.group(1)), limit=MAX_PIXELS))
    return ImageLoadError("too_large", tr("The image is far larger than it looks, over the app's limit of {limit:,} "
                                          "pixels; it was not opened. Reduce it in an image editor if it is needed.",
                                          limit=MAX_PIXELS))


def _damaged(exc: BaseException) -> ImageLoadError:
    log.debug("damaged image: %r", exc)
    return ImageLoadError("truncated", tr("The image file is damaged or incomplete (often an interrupted copy or "
                                          "download). Copy it again from its source."))


def _to_rgb_array(img: Image.Image) -> tuple[np.ndarray, list[Conversion]]:
    conversions: list[Conversion] = []
    if img.getexif().get(0x0112, 1) not in (1, None):
        img = ImageOps.exif_transpose(img)
        conversions.append(Conversion("exif_rotated", tr("Turned upright as the camera recorded (EXIF "
                                                         "orientation).")))
    mode = img.mode
    if mode in _HIGH_DEPTH_MODES:
        rgb = rescale_to_uint8(np.asarray(img), conversions, floating=mode == "F")
        return np.ascontiguousarray(np.repeat(rgb[:, :, None], 3, axis=2)), conversions
    if mode in _ALPHA_MODES or "transparency" in img.info:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, BACKGROUND_RGB + (255,))
        img = Image.alpha_composite(background, rgba).convert("RGB")
        conversions.append(Conversion("transparency", tr("Transparent parts were placed on a white background "
                                                         "(what was hidden under them is not used).")))
    elif mode != "RGB":
        code, note = _MODE_CONVERSIONS.get(mode, ("colour_space", _OTHER_MODE))
        conversions.append(Conversion(code, tr(note, mode=mode)))
        img = img.convert("L").convert("RGB") if mode == "1" else img.convert("RGB")
    array = np.array(img, dtype=np.uint8)  # a writable copy: torch refuses read-only buffers
    if array.ndim != 3 or array.shape[2] != 3:
        raise ImageLoadError("unsupported_format", tr("Images of type {mode} are not supported.", mode=mode))
    return np.ascontiguousarray(array), conversions


#: Pillow mode -> (conversion code, what was done), translated where the conversion is recorded.
_MODE_CONVERSIONS: dict[str, tuple[str, str]] = {
    "CMYK": ("cmyk", tr_later("Printer colours (CMYK) converted to screen colours (RGB).")),
    "L": ("grayscale", tr_later("A grey image: its grey level is used for red, green and blue.")),
    "1": ("one_bit", tr_later("A black-and-white (1-bit) image converted to grey levels.")),
    "P": ("palette", tr_later("Palette colours expanded to full colour.")),
}
_OTHER_MODE = tr_later("Converted from {mode} colours to RGB.")
