"""DICOM files (``.dcm`` and extension-less exports) through pydicom, for :func:`engine.data.images.decode.load_image`.

Grey images are turned into what a radiologist would see: the stored values go through the file's rescale
slope/intercept (modality LUT, e.g. CT Hounsfield units), then through the file's first window
(centre/width, linear as in DICOM PS3.3 C.11.2.1.2) to 0..255; without a window the image's own range is
stretched. MONOCHROME1 is inverted so that bright always means dense. Multi-frame files give their first
frame.

Privacy: headers may hold patient names, IDs and dates. Only pixels leave this module, plus
``patient_key``, a one-way hash of PatientID used to keep one patient's images on one side of a split. No
header value is ever written to a run folder, a report or an exported model.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np

from engine.core.i18n import tr, tr_later
from engine.data.images.pixels import MAX_PIXELS, Conversion, ImageInfo, ImageLoadError, rescale_to_uint8

log = logging.getLogger(__name__)

PRIVACY_NOTE = tr_later("DICOM headers can hold patient details. The app reads only the pixels (and, if you "
                         "group by patient, a one-way code made from PatientID); it never copies header details "
                         "into run folders, reports or exported models.")

_PHOTO = "PALETTE COLOR"  # not translated: a DICOM term the file stores
#: How a grey DICOM image was made viewable: (windowed, inverted, rescaled) -> the sentence.
_MONOCHROME_NOTES: dict[tuple[bool, bool, bool], str] = {
    (True, False, False): tr_later("DICOM image shown with the file's window (centre {centre:g}, width {width:g})."),
    (True, True, False): tr_later("DICOM image shown with the file's window (centre {centre:g}, width {width:g}), "
                                  "inverted (MONOCHROME1)."),
    (True, False, True): tr_later("DICOM image shown with the file's window (centre {centre:g}, width {width:g}) "
                                  "after its rescale slope/intercept."),
    (True, True, True): tr_later("DICOM image shown with the file's window (centre {centre:g}, width {width:g}), "
                                 "inverted (MONOCHROME1) after its rescale slope/intercept."),
    (False, False, False): tr_later("DICOM image stretched from its own range to 0..255 (the file has no window)."),
    (False, True, False): tr_later("DICOM image stretched from its own range to 0..255 (the file has no window), "
                                   "inverted (MONOCHROME1)."),
    (False, False, True): tr_later("DICOM image stretched from its own range to 0..255 (the file has no window) "
                                   "after its rescale slope/intercept."),
    (False, True, True): tr_later("DICOM image stretched from its own range to 0..255 (the file has no window), "
                                  "inverted (MONOCHROME1) after its rescale slope/intercept."),
}


def load_dicom(path: Path) -> tuple[np.ndarray, ImageInfo]:
    """Read a DICOM file's first frame as an ``(H, W, 3)`` ``uint8`` array.

    Raises:
        ImageLoadError: ``dicom_no_pixels`` (e.g. a report or a plan), ``dicom_undecodable`` (a compression
            no installed decoder reads), ``too_large``, ``not_an_image`` or ``truncated``.

    Example:
        >>> from pydicom import examples
        >>> array, info = load_dicom(examples.get_path("ct"))
        >>> array.shape, [c.code for c in info.conversions]
        ((128, 128, 3), ['dicom'])
    """
    ds = _read_dataset(path)
    if not any(tag in ds for tag in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise ImageLoadError("dicom_no_pixels", tr("This DICOM file holds no image (it may be a report, a plan "
                                                   "or a directory file). It is not used."))
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if rows * cols > MAX_PIXELS:
        raise ImageLoadError("too_large", tr("The image is {cols:,} x {rows:,} pixels, over the app's limit of "
                                             "{limit:,} pixels; it was not opened.", cols=cols, rows=rows,
                                             limit=MAX_PIXELS))
    raw = _first_frame(ds, frames)
    conversions: list[Conversion] = []
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if raw.ndim == 3 and raw.shape[2] == 3 or photometric == _PHOTO:
        rgb = _colour(raw, ds, photometric, conversions)
    else:
        grey = _monochrome(raw, ds, photometric, conversions)
        rgb = np.repeat(grey[:, :, None], 3, axis=2)
    if frames > 1:
        conversions.append(Conversion("first_frame", tr("Only the first of its {n} frames is used.", n=frames)))
    info = ImageInfo(width=rgb.shape[1], height=rgb.shape[0], source_format="DICOM", source_mode=photometric,
                     conversions=tuple(conversions), frames=frames, patient_key=_patient_key(ds),
                     source_size=(cols, rows))
    return np.ascontiguousarray(rgb, dtype=np.uint8), info


def _read_dataset(path: Path) -> Any:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(path, force=True)
    except (InvalidDicomError, EOFError) as exc:
        raise ImageLoadError("not_an_image", tr("The file is named like a DICOM file but the app cannot read "
                                               "it as one.")) from exc
    except Exception as exc:  # pydicom raises many kinds of errors on damaged files
        log.debug("damaged DICOM %s: %r", path, exc)
        raise ImageLoadError("truncated", tr("The DICOM file is damaged or incomplete. Export it again.")) from exc
    # force=True accepts any bytes; a real dataset has elements of the usual groups (directory, study,
    # patient, image).
    if not any(tag.group in (0x0004, 0x0008, 0x0010, 0x0020, 0x0028, 0x7FE0) for tag in ds.keys()):  # noqa: SIM118 - iterating gives elements
        raise ImageLoadError("not_an_image", tr("The file is named like a DICOM file but the app cannot read it as "
                                               "one."))
    return ds


def _first_frame(ds: Any, frames: int) -> np.ndarray:
    from pydicom.pixels.utils import pixel_array

    try:
        return np.asarray(pixel_array(ds, index=0) if frames > 1 else pixel_array(ds))
    except MemoryError as exc:
        raise ImageLoadError("too_large", tr("The DICOM image is too large to open.")) from exc
    except Exception as exc:  # missing decoder plugins raise RuntimeError, damaged data others
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        name = getattr(syntax, "name", "")
        log.debug("undecodable DICOM pixels (%s): %r", name, exc)
        if isinstance(exc, (ValueError, EOFError)) and "compress" not in str(exc).lower():
            raise ImageLoadError("truncated", tr("The DICOM image data is damaged or incomplete.")) from exc
        if not name:
            raise ImageLoadError("dicom_undecodable", tr("The DICOM image is stored with an unknown encoding, which "
                                                         "the app cannot decode. Export it uncompressed (or as PNG) "
                                                         "and add it again.")) from exc
        raise ImageLoadError("dicom_undecodable", tr("The DICOM image is stored with {name}, which the app cannot "
                                                     "decode. Export it uncompressed (or as PNG) and add it again.",
                                                     name=name)) from exc


def _monochrome(raw: np.ndarray, ds: Any, photometric: str, conversions: list[Conversion]) -> np.ndarray:
    from pydicom.pixels.processing import apply_modality_lut

    values = np.asarray(apply_modality_lut(raw, ds), dtype=np.float64)
    rescaled = "RescaleSlope" in ds or "RescaleIntercept" in ds
    window = _window(ds)
    if window is not None:
        centre, width = window
        low = centre - 0.5 - (width - 1) / 2
        grey = np.clip(((values - (centre - 0.5)) / (width - 1) + 0.5) * 255.0, 0, 255)
        grey = np.where(values <= low, 0.0, grey).round().astype(np.uint8)
    else:
        centre = width = 0.0
        scratch: list[Conversion] = []
        grey = rescale_to_uint8(values, scratch, floating=False)
    inverted = photometric == "MONOCHROME1"
    if inverted:
        grey = 255 - grey
    note = _MONOCHROME_NOTES[(window is not None, inverted, rescaled)]
    conversions.append(Conversion("dicom", tr(note, centre=centre, width=width)))
    return np.asarray(grey, dtype=np.uint8)


def _window(ds: Any) -> tuple[float, float] | None:
    centre, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if centre is None or width is None:
        return None
    try:
        c = float(centre[0] if _is_multi(centre) else centre)
        w = float(width[0] if _is_multi(width) else width)
    except (TypeError, ValueError, IndexError):
        return None
    return (c, w) if w > 1 else None


def _is_multi(value: Any) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes))


def _colour(raw: np.ndarray, ds: Any, photometric: str, conversions: list[Conversion]) -> np.ndarray:
    rgb = raw
    if photometric == _PHOTO:
        from pydicom.pixels.processing import apply_color_lut

        rgb = np.asarray(apply_color_lut(raw, ds))
    if rgb.dtype != np.uint8:
        rgb = np.stack([rescale_to_uint8(rgb[..., i], [], floating=False) for i in range(3)], axis=2)
    conversions.append(Conversion("dicom", tr("DICOM colour image ({kind}) read as RGB.", kind=photometric.lower())))
    return rgb


def _patient_key(ds: Any) -> str:
    patient = str(ds.get("PatientID", "") or "").strip()
    if not patient:
        return ""
    # One-way: the split needs "same patient or not", never the ID itself.
    return hashlib.sha256(b"finetune-studio/patient/" + patient.encode("utf-8")).hexdigest()[:16]
