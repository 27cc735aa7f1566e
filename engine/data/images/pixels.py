"""What decoding an image produces besides its pixels, shared by the decoders (Pillow, DICOM): the error with its
reason code, the conversions done, what the file was, and the rule that rescales 16-bit and float pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.errors import StudioError
from engine.core.i18n import tr

#: The largest image the app decodes. Larger files (and decompression bombs) are refused from their header.
MAX_PIXELS = 120_000_000


class ImageLoadError(StudioError):
    """A file could not be turned into an image. ``reason`` is a stable code, ``str()`` a plain sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Conversion:
    """One thing done to a file's pixels (or noticed about it): a stable code and a sentence."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What the file was and what was done to it.

    ``conversions`` changed what the pixels mean (the file is reported as *converted*); ``notes`` did not
    (e.g. a PNG named ``.jpg``). ``patient_key`` is a one-way hash of a DICOM PatientID, used only to keep
    one patient's images on one side of a split; the ID itself is never kept.
    """

    width: int  # of the returned array
    height: int
    source_format: str
    source_mode: str
    conversions: tuple[Conversion, ...] = ()
    notes: tuple[Conversion, ...] = ()
    frames: int = 1
    patient_key: str = ""
    source_size: tuple[int, int] = (0, 0)  # (width, height) stored in the file


def rescale_to_uint8(values: np.ndarray, conversions: list[Conversion], *, floating: bool,
                     what: str = "") -> np.ndarray:
    """Stretch ``values``' own finite min..max to 0..255 and record the conversion
    (:data:`engine.data.images.decode.HIGH_DEPTH_RULE`).

    Example:
        >>> rescale_to_uint8(np.array([[1000, 3000]], dtype=np.uint16), [], floating=False).tolist()
        [[0, 255]]
    """
    data = values.astype(np.float32)
    finite = np.isfinite(data)
    low, high = (float(data[finite].min()), float(data[finite].max())) if finite.any() else (0.0, 0.0)
    scale = 255.0 / (high - low) if high > low else 0.0
    out = np.where(finite, (data - low) * scale, 0.0)
    grey = np.clip(out, 0, 255).round().astype(np.uint8)
    if floating and what:
        note = tr("{what}: its values {low:g}..{high:g} were stretched to 0..255.", what=what, low=low, high=high)
    elif floating:
        note = tr("A floating-point image: its values {low:g}..{high:g} were stretched to 0..255.", low=low,
                  high=high)
    elif what:
        note = tr("{what}: its values {low:g}..{high:g} were stretched to 0..255 so its tonal range survives.",
                  what=what, low=low, high=high)
    else:
        note = tr("A {bits}-bit image: its values {low:g}..{high:g} were stretched to 0..255 so its tonal range "
                  "survives.", bits=values.dtype.itemsize * 8, low=low, high=high)
    conversions.append(Conversion("float_image" if floating else "high_bit_depth", note))
    return grey
