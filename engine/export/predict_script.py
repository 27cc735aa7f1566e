"""Classify images with an exported model, without Finetune Studio: onnxruntime + Pillow + numpy only.

This file is copied as ``predict.py`` into every deployment folder (engine/export/deployment.py), with the
two file names below filled in; it never imports the app. It repeats the app's preprocessing exactly (the
folder's preprocessing file says which): RGB (EXIF orientation applied, transparency on white, 16-bit images
stretched to 0..255), short side resized (antialiased, with the interpolation the weights expect: bilinear or
bicubic), centre crop, scale to 0..1, normalise.

Usage::

    python predict.py photo.jpg                  # CSV on the screen
    python predict.py photos/ --csv answers.csv  # every image in the folder (and its subfolders)
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
MODEL_FILE = HERE / "@MODEL_FILE@"
PREPROCESSING_FILE = HERE / "@PREPROCESSING_FILE@"

EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".bmp", ".dib", ".gif", ".tif", ".tiff",
              ".webp", ".ppm", ".pgm", ".pbm", ".pnm", ".tga"}
# not translated: generated script (it runs without the app; its messages stay English)
SYSTEM_NAMES = {"__macosx", "thumbs.db", "desktop.ini", "$recycle.bin", "system volume information"}
HIGH_DEPTH = {"I;16", "I;16L", "I;16B", "I;16N", "I;16S", "I", "F"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Pillow's filters are antialiased when they shrink, like the app's (torchvision's antialias=True).
RESAMPLING = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC,
              "nearest": Image.Resampling.NEAREST}


def image_files(inputs: list[str]) -> list[Path]:
    """Files as given; folders expanded (recursively) to their image files, in name order."""
    out: list[Path] = []
    for item in inputs:
        path = Path(item).expanduser()
        if not path.is_dir():
            out.append(path)
            continue
        out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS
                          and not any(_hidden(part) for part in p.relative_to(path).parts)))
    return out


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_NAMES


def load_rgb(path: Path, min_side: int) -> np.ndarray:
    """The image as an (H, W, 3) uint8 RGB array, decoded as the app decodes it."""
    with Image.open(path) as opened:
        img: Image.Image = opened
        if opened.format == "JPEG":
            opened.draft("RGB", (min_side, min_side))  # decode a large JPEG at a reduced scale, as the app does
        img.load()
        if img.getexif().get(0x0112, 1) not in (1, None):
            img = ImageOps.exif_transpose(img)
        if img.mode in HIGH_DEPTH:
            return np.repeat(_stretch(np.asarray(img))[:, :, None], 3, axis=2)
        if img.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in img.info:
            rgba = img.convert("RGBA")
            img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        img = img.convert("L").convert("RGB") if img.mode == "1" else img.convert("RGB")
        return np.array(img, dtype=np.uint8)


def _stretch(values: np.ndarray) -> np.ndarray:
    data = values.astype(np.float32)
    finite = np.isfinite(data)
    low, high = (float(data[finite].min()), float(data[finite].max())) if finite.any() else (0.0, 0.0)
    scale = 255.0 / (high - low) if high > low else 0.0
    return np.clip(np.where(finite, (data - low) * scale, 0.0), 0, 255).round().astype(np.uint8)


def preprocess(rgb: np.ndarray, prep: dict[str, Any]) -> np.ndarray:
    """Resize the short side, centre crop, scale and normalise: a (3, S, S) float32 array."""
    height, width = rgb.shape[:2]
    short = prep["resize"]["short_side"]
    if width <= height:
        size = (short, int(short * height / width))
    else:
        size = (int(short * width / height), short)
    resized = np.asarray(Image.fromarray(rgb).resize(size, RESAMPLING[prep["resize"].get("interpolation", "bilinear")]),
                         dtype=np.float32)
    crop_h, crop_w = prep["crop"]["centre"]
    top = int(round((resized.shape[0] - crop_h) / 2.0))
    left = int(round((resized.shape[1] - crop_w) / 2.0))
    cropped = resized[top:top + crop_h, left:left + crop_w] / 255.0
    mean = np.asarray(prep["mean"], dtype=np.float32)
    std = np.asarray(prep["std"], dtype=np.float32)
    return np.ascontiguousarray(((cropped - mean) / std).transpose(2, 0, 1), dtype=np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


def classify(paths: list[Path], session: ort.InferenceSession, prep: dict[str, Any],
             batch_size: int = 16) -> list[tuple[Path, np.ndarray | None, str]]:
    """(path, probabilities or None, error) per image, in order."""
    results: list[tuple[Path, np.ndarray | None, str]] = []
    pending: list[tuple[int, np.ndarray]] = []

    def flush() -> None:
        if pending:
            batch = np.stack([array for _, array in pending])
            logits = session.run([prep["output"]["name"]], {prep["input"]["name"]: batch})[0]
            for (index, _), probs in zip(pending, softmax(np.asarray(logits, dtype=np.float32))):
                results[index] = (results[index][0], probs, "")
            pending.clear()

    for path in paths:
        try:
            array = preprocess(load_rgb(path, prep["resize"]["short_side"]), prep)
        except (OSError, ValueError, SyntaxError) as exc:  # not an image, damaged, missing
            results.append((path, None, f"could not be read as an image ({exc})"))  # not translated: generated script
            continue
        results.append((path, None, ""))
        pending.append((len(results) - 1, array))
        if len(pending) >= batch_size:
            flush()
    flush()
    return results


def _cell(text: str) -> str:
    """A spreadsheet shows a cell starting with = + - @ as a formula: such names get a leading apostrophe."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def write_csv(results: list[tuple[Path, np.ndarray | None, str]], labels: list[str], handle: Any) -> None:
    """Columns as the app's prediction table: file, predicted class, its probability, every class, error."""
    writer = csv.writer(handle)
    writer.writerow(["file", "predicted_class", "probability"] + [f"p_{name}" for name in labels] + ["error"])
    for path, probs, error in results:
        if probs is None:
            writer.writerow([_cell(str(path)), "", ""] + [""] * len(labels) + [error])
            continue
        best = int(probs.argmax())
        writer.writerow([_cell(str(path)), _cell(labels[best]), f"{probs[best]:.6f}"]
                        + [f"{p:.6f}" for p in probs] + [""])


def main(argv: list[str] | None = None) -> int:
    # not translated: generated script (it runs without the app; its messages stay English)
    parser = argparse.ArgumentParser(description="Classify images with the exported model in this folder.")
    parser.add_argument("images", nargs="+", metavar="IMAGE_OR_FOLDER")
    # not translated: generated script
    parser.add_argument("--csv", metavar="FILE", help="write the table to FILE (default: the screen)")
    # not translated: generated script
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: onnxruntime's choice)")
    args = parser.parse_args(argv)
    prep = json.loads(PREPROCESSING_FILE.read_text(encoding="utf-8"))
    labels = [str(name) for name in prep["class_names"]]  # labels.txt holds the same, for other programs
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(args.threads, 0)
    session = ort.InferenceSession(str(MODEL_FILE), options, providers=["CPUExecutionProvider"])
    paths = image_files(args.images)
    if not paths:
        print("error: no image files were found in what you gave.", file=sys.stderr)  # not translated: generated script
        return 2
    results = classify(paths, session, prep)
    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as handle:
            write_csv(results, labels, handle)
        print(f"{len(results)} images classified; table written to {args.csv}")  # not translated: generated script
    else:
        write_csv(results, labels, sys.stdout)
    for path, _, error in results:
        if error:
            print(f"warning: {path} {error}", file=sys.stderr)
    return 0 if all(not error for _, _, error in results) else 1


if __name__ == "__main__":
    sys.exit(main())
