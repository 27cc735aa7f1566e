"""Generated files of every awkward kind a user's folder holds, for the data-report tests (never ../shared).

Each writer returns the path it wrote. :func:`make_messy_folder` builds one folder with all of them and
returns what the scan should say about each file (outcome, reason).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

RNG_SEED = 7


def noise(size: tuple[int, int] = (40, 32), seed: int = 0, mode: str = "RGB") -> Image.Image:
    """A distinct random image (distinct seeds never look alike)."""
    rng = np.random.default_rng(seed)
    w, h = size
    channels = {"RGB": 3, "RGBA": 4, "L": 1, "CMYK": 4}[mode]
    data = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    return Image.fromarray(data[:, :, 0] if channels == 1 else data, mode)


def save(img: Image.Image, path: Path, **kwargs: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **kwargs)
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def truncated_jpeg(path: Path, seed: int = 0) -> Path:
    buffer = io.BytesIO()
    noise((64, 64), seed).save(buffer, "JPEG", quality=90)
    return write_bytes(path, buffer.getvalue()[: len(buffer.getvalue()) // 2])


def bomb_png(path: Path, width: int = 30_000, height: int = 30_000) -> Path:
    """A tiny PNG whose header claims ``width x height`` pixels (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(
        b"IEND", b"")
    return write_bytes(path, data)


def sixteen_bit(path: Path, fmt: str = "PNG", big_endian: bool = False) -> Path:
    """A 16-bit grey ramp over 1000..60000 (8-bit conversion would keep ~13 grey levels)."""
    ramp = np.linspace(1000, 60000, 64 * 64).reshape(64, 64).astype(np.uint16)
    if fmt == "PNG":
        return save(Image.fromarray(ramp), path)
    mode = "I;16B" if big_endian else "I;16"
    raw = ramp.astype(">u2" if big_endian else "<u2").tobytes()
    return save(Image.frombytes(mode, (64, 64), raw), path, format="TIFF")


def float_tiff(path: Path) -> Path:
    values = np.linspace(-1.5, 2.5, 32 * 32, dtype=np.float32).reshape(32, 32)
    values[0, 0] = np.nan
    return save(Image.fromarray(values, "F"), path, format="TIFF")


def exif_rotated_jpeg(path: Path) -> Path:
    """A 60x30 JPEG whose EXIF says "rotate 90": upright it is 30 wide and 60 tall."""
    img = noise((60, 30), 11)
    exif = Image.Exif()
    exif[0x0112] = 6
    return save(img, path, format="JPEG", exif=exif.tobytes())


def rgba_with_hidden_pixels(path: Path) -> Path:
    """Left half opaque blue; right half fully transparent but with red colour values underneath."""
    data = np.zeros((20, 20, 4), dtype=np.uint8)
    data[:, :10] = (0, 0, 255, 255)
    data[:, 10:] = (255, 0, 0, 0)
    return save(Image.fromarray(data, "RGBA"), path)


def palette_with_transparency(path: Path) -> Path:
    img = noise((24, 24), 5).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    img.info["transparency"] = 0
    return save(img, path, transparency=0)


def animated_gif(path: Path, frames: int = 3) -> Path:
    images = [noise((24, 24), 30 + i).convert("P") for i in range(frames)]
    return save(images[0], path, save_all=True, append_images=images[1:], duration=100, loop=0)


def apng(path: Path, frames: int = 3) -> Path:
    images = [noise((24, 24), 40 + i) for i in range(frames)]
    return save(images[0], path, format="PNG", save_all=True, append_images=images[1:])


def multipage_tiff(path: Path, pages: int = 2) -> Path:
    images = [noise((24, 24), 50 + i) for i in range(pages)]
    return save(images[0], path, format="TIFF", save_all=True, append_images=images[1:])


def dicom(path: Path, *, patient: str = "PAT-001", window: tuple[float, float] | None = (40.0, 400.0),
          slope: float = 1.0, intercept: float = -1024.0, frames: int = 1, pixels: bool = True,
          preamble: bool = True, seed: int = 0) -> Path:
    """A small CT-like DICOM made with pydicom (stored values 0..2047, HU = value*slope + intercept)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PatientID, ds.PatientName = "CT", patient, "Doe^Jane"
    if pixels:
        rng = np.random.default_rng(seed)
        stored = rng.integers(0, 2048, (frames, 16, 16), dtype=np.uint16) if frames > 1 else \
            rng.integers(0, 2048, (16, 16), dtype=np.uint16)
        ds.Rows, ds.Columns, ds.SamplesPerPixel = 16, 16, 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        if frames > 1:
            ds.NumberOfFrames = frames
        if window is not None:
            ds.WindowCenter, ds.WindowWidth = window
        ds.PixelData = stored.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=preamble)
    return path


def html_as_jpeg(path: Path) -> Path:
    return write_bytes(path, b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not found"
                             b"</body></html>\n")


def make_messy_folder(root: Path) -> dict[str, tuple[str, str]]:
    """A folder with two classes and every awkward case; returns ``{path: (outcome, reason)}`` expected."""
    expected: dict[str, tuple[str, str]] = {}

    def add(rel: str, outcome: str, reason: str) -> Path:
        expected[rel] = (outcome, reason)
        return root / rel

    for i in range(4):
        save(noise(seed=100 + i), add(f"cats/cat_{i}.png", "accepted", "ok"))
        save(noise(seed=200 + i), add(f"dogs/dog_{i}.jpg", "accepted", "ok"), quality=92)
    save(noise(seed=300), add("dogs/UPPER.JPG", "accepted", "ok"), format="JPEG")
    save(noise(seed=301), add("dogs/png_named.jpg", "accepted", "extension_mismatch"), format="PNG")
    save(noise(seed=302), add("cats/nested/deeper/kitten.png", "accepted", "ok"))
    save(noise(seed=303), add("cats/photo.webp", "accepted", "ok"), format="WEBP", lossless=True)
    truncated_jpeg(add("cats/truncated.jpg", "skipped", "truncated"))
    write_bytes(add("cats/empty.jpg", "skipped", "empty_file"), b"")
    html_as_jpeg(add("cats/page.jpg", "skipped", "html_not_image"))
    write_bytes(add("cats/notes.txt", "skipped", "not_an_image"), b"remember to add more cats\n")
    # Beside the class folders a README is how datasets come; inside one, the same file is worth a look.
    write_bytes(add("README.md", "ignored", "documentation_file"), b"# Cats and dogs\nPhotos from the shelter.\n")
    (root / "cats/folder.jpg").mkdir(parents=True)
    add("cats/folder.jpg", "skipped", "folder_named_like_image")
    os.symlink(root / "cats/gone.png", add("cats/broken_link.png", "skipped", "broken_link"))
    os.symlink(root / "cats", add("cats/nested/loop", "skipped", "symlink_loop"))
    bomb_png(add("dogs/bomb.png", "skipped", "too_large"))
    write_bytes(add("cats/.DS_Store", "ignored", "system_file"), b"\x00\x00\x00\x01Bud1")
    write_bytes(add("cats/._cat_0.png", "ignored", "apple_double"), b"\x00\x05\x16\x07")
    write_bytes(add("dogs/Thumbs.db", "ignored", "system_file"), b"\xd0\xcf\x11\xe0")
    write_bytes(add("dogs/desktop.ini", "ignored", "system_file"), b"[.ShellClassInfo]\n")
    save(noise(seed=304), root / "__MACOSX/cats/._x.png")
    add("__MACOSX", "ignored", "system_folder")
    save(noise(seed=305), root / ".ipynb_checkpoints/x.png")
    add(".ipynb_checkpoints", "ignored", "system_folder")
    (root / "dogs/.ipynb_checkpoints").mkdir()
    add("dogs/.ipynb_checkpoints", "ignored", "system_folder")
    save(noise(seed=306, mode="CMYK"), add("dogs/cmyk.jpg", "converted", "cmyk"), format="JPEG")
    save(noise(seed=307, mode="L"), add("dogs/grey.png", "converted", "grayscale"))
    save(noise(seed=308, mode="L").convert("1"), add("dogs/onebit.png", "converted", "one_bit"))
    rgba_with_hidden_pixels(add("dogs/rgba.png", "converted", "transparency"))
    palette_with_transparency(add("dogs/palette.png", "converted", "transparency"))
    exif_rotated_jpeg(add("dogs/rotated.jpg", "converted", "exif_rotated"))
    sixteen_bit(add("dogs/sixteen.png", "converted", "high_bit_depth"))
    sixteen_bit(add("dogs/sixteen_le.tif", "converted", "high_bit_depth"), "TIFF", big_endian=False)
    sixteen_bit(add("dogs/sixteen_be.tif", "converted", "high_bit_depth"), "TIFF", big_endian=True)
    float_tiff(add("dogs/float.tif", "converted", "float_image"))
    animated_gif(add("dogs/animated.gif", "converted", "palette"))
    apng(add("dogs/animated.png", "converted", "first_frame"))
    multipage_tiff(add("dogs/pages.tif", "converted", "first_frame"))
    dicom(add("cats/scan.dcm", "converted", "dicom"), seed=1)
    dicom(add("cats/IM0001", "converted", "dicom"), seed=2, patient="PAT-002")
    dicom(add("cats/multi.dcm", "converted", "dicom"), frames=3, seed=3)
    dicom(add("cats/report.dcm", "skipped", "dicom_no_pixels"), pixels=False)
    return expected
