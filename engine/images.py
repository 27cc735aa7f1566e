"""ONE function that turns any supported image file into the RGB array the model sees.

Scanning, training, prediction and export all call :func:`load_image`, so a file is understood the same
way everywhere. Conversions that change what the pixels mean are recorded in :class:`ImageInfo` so the data
report can say what was done.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from engine.errors import StudioError

log = logging.getLogger(__name__)

# A truncated file must fail loudly (Pillow would otherwise fill the rest with grey and carry on).
ImageFile.LOAD_TRUNCATED_IMAGES = False

#: The largest image the app decodes. Larger files (and decompression bombs) are refused before their
#: pixels are allocated.
MAX_PIXELS = 120_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

#: Colour used under transparent pixels. Fixed so the same file always yields the same array, and so
#: content hidden under alpha=0 is never revealed.
BACKGROUND_RGB = (255, 255, 255)

_EXIF_ORIENTATION = 0x0112

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm"}
)


class ImageLoadError(StudioError):
    """A file could not be turned into an image. ``reason`` is a stable code, ``str()`` a plain sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What the file was and what was done to it."""

    width: int  # of the returned array
    height: int
    source_mode: str
    conversions: tuple[str, ...] = ()


def load_image(path: str | Path, *, min_side: int | None = None) -> np.ndarray:
    """Open ``path`` and return an ``(H, W, 3)`` ``uint8`` RGB array.

    Args:
        path: any supported image file.
        min_side: when given, JPEGs may be decoded at a reduced scale as long as both sides stay at least
            this long (much faster for large photos that are resized anyway).

    Raises:
        ImageLoadError: with a reason code such as ``"not_an_image"`` or ``"truncated"``.

    Example:
        >>> arr = load_image("cat.jpg", min_side=224)  # doctest: +SKIP
        >>> arr.shape[2], arr.dtype
        (3, dtype('uint8'))
    """
    return load_image_with_info(path, min_side=min_side)[0]


def load_image_with_info(path: str | Path, *, min_side: int | None = None) -> tuple[np.ndarray, ImageInfo]:
    """Like :func:`load_image`, also returning what was converted."""
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if min_side and img.format == "JPEG":
                    img.draft("RGB", (min_side, min_side))
                img.load()
                return _to_rgb_array(img)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError("too_large", f"The image is larger than the app's limit of {MAX_PIXELS:,} pixels.") from exc
    except UnidentifiedImageError as exc:
        raise ImageLoadError("not_an_image", "The file is not an image the app can read.") from exc
    except FileNotFoundError as exc:
        raise ImageLoadError("missing", "The file no longer exists.") from exc
    except PermissionError as exc:
        raise ImageLoadError("unreadable", "The app is not allowed to read this file.") from exc
    except IsADirectoryError as exc:
        raise ImageLoadError("not_a_file", "This is a folder, not an image file.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        # Pillow raises OSError("image file is truncated") and friends for damaged files.
        raise ImageLoadError("damaged", "The image file is damaged or incomplete.") from exc


def _to_rgb_array(img: Image.Image) -> tuple[np.ndarray, ImageInfo]:
    source_mode = img.mode
    conversions: list[str] = []
    if img.getexif().get(_EXIF_ORIENTATION, 1) not in (1, None):
        img = ImageOps.exif_transpose(img)
        conversions.append("turned upright as the camera recorded (EXIF orientation)")

    if img.mode == "RGB":
        rgb = img
    elif img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        rgb = _rescale_high_depth(img, conversions)
    elif img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info) or (
        img.mode in ("L", "RGB") and "transparency" in img.info
    ):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, BACKGROUND_RGB + (255,))
        rgb = Image.alpha_composite(background, rgba).convert("RGB")
        conversions.append("transparent parts filled with white")
    else:
        rgb = img.convert("RGB")
        if img.mode not in ("L",):
            conversions.append(f"converted from {img.mode} colours to RGB")
    array = np.array(rgb, dtype=np.uint8)  # a writable copy: torch refuses read-only buffers
    if array.ndim != 3 or array.shape[2] != 3:
        raise ImageLoadError("unsupported", f"Images of type {source_mode} are not supported.")
    info = ImageInfo(width=array.shape[1], height=array.shape[0], source_mode=source_mode,
                     conversions=tuple(conversions))
    return np.ascontiguousarray(array), info


def _rescale_high_depth(img: Image.Image, conversions: list[str]) -> Image.Image:
    """16-bit and float images: stretch the image's own min..max to 0..255.

    ``convert("RGB")`` would clip a 16-bit image to its low byte range and leave about 13 grey levels.
    """
    values = np.asarray(img, dtype=np.float64)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    scaled = np.zeros_like(values) if high <= low else (values - low) * (255.0 / (high - low))
    grey = np.clip(np.nan_to_num(scaled), 0, 255).round().astype(np.uint8)
    kind = "floating-point" if img.mode == "F" else "high bit-depth"
    conversions.append(f"{kind} image rescaled from its range {low:g}..{high:g} to 0..255")
    return Image.fromarray(grey, mode="L").convert("RGB")
