"""The report's pictures as ``data:`` URIs, so that the one HTML file carries them (no side folder to lose).

The evaluation's PNG plots are embedded as the run folder has them; the training curves, the thumbnails of the
most confident mistakes and the Grad-CAM overlays are drawn here, in memory (matplotlib's Agg renderer only,
as engine/evaluation/figures.py; Pillow for the thumbnails).
"""

from __future__ import annotations

import base64
import io
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.data.loaders import Preprocessing
from engine.run.events import EpochEnded

log = logging.getLogger(__name__)

THUMBNAIL_SIDE = 150
DPI = 100
#: Fonts with Hangul the curves may use after DejaVu Sans (matplotlib falls back glyph by glyph), if installed.
# not translated: font names
HANGUL_FONTS = ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic", "Apple SD Gothic Neo",
                "AppleGothic", "Noto Serif CJK KR", "Noto Sans CJK JP")


def data_uri(payload: bytes, mime: str = "image/png") -> str:
    """``payload`` as a ``data:`` URI.

    Example:
        >>> data_uri(b"abc")
        'data:image/png;base64,YWJj'
    """
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"  # not translated: markup


def file_uri(path: Path) -> str | None:
    """A PNG file of the run folder as a ``data:`` URI, or ``None`` when it is missing or unreadable."""
    try:
        return data_uri(path.read_bytes())
    except OSError:
        return None


def png_of(array: NDArray[np.uint8], side: int = THUMBNAIL_SIDE) -> bytes:
    """An RGB array as a PNG at most ``side`` pixels wide and high (small images are enlarged, pixel-sharp)."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(array))
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resample = Image.Resampling.NEAREST if scale > 1 else Image.Resampling.LANCZOS
    buffer = io.BytesIO()
    image.resize(size, resample).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def curves_png(epochs: Sequence[EpochEnded], best_epoch: int | None) -> bytes:
    """Loss and accuracy per epoch, training and validation, with the best epoch marked."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context({"font.family": font_families()}):
        fig = Figure(figsize=(9.0, 3.4), dpi=DPI, layout="constrained")
        numbers = [e.epoch for e in epochs]
        loss_ax, acc_ax = fig.subplots(1, 2)
        for ax, title, train, val in (
                (loss_ax, tr("Loss (lower is better)"), [e.train_loss for e in epochs], [e.val_loss for e in epochs]),
                (acc_ax, tr("Accuracy"), [100 * e.train_accuracy for e in epochs],
                 [100 * e.val_accuracy for e in epochs])):
            ax.plot(numbers, train, marker="o", markersize=3, color="#1f77b4", label=tr("training"))
            ax.plot(numbers, val, marker="o", markersize=3, color="#d62728", label=tr("validation"))
            if best_epoch is not None:
                ax.axvline(best_epoch, color="#2ca02c", linestyle="--", linewidth=1.2,
                           label=tr("best epoch ({epoch})", epoch=best_epoch))
            ax.set_title(title)
            ax.set_xlabel(tr("epoch"))
            ax.grid(alpha=0.3)
            if len(numbers) < 15:
                ax.set_xticks(numbers)
        acc_ax.set_ylabel("%")
        loss_ax.legend(loc="best", fontsize=8)
        return _png(fig)


def font_families() -> list[str]:
    """DejaVu Sans (matplotlib's own), then the installed fonts that have Hangul (a Korean report's curves)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    # not translated: font names
    return ["DejaVu Sans", *(name for name in HANGUL_FONTS if name in installed)]


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing")  # not translated: a pattern
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Picture:
    """One image of the report's galleries: its ``data:`` URI and the lines under it."""

    uri: str
    caption: tuple[str, ...]


def thumbnail(path: str, prep: Preprocessing) -> NDArray[np.uint8]:
    """What the model saw of ``path`` (resized and centre-cropped), as RGB; :class:`StudioError` when unreadable."""
    from engine.data.images.decode import load_image
    from engine.evaluation.explain import model_view

    return model_view(load_image(path, min_side=prep.resize_size), prep)


def safe_thumbnail(path: str, prep: Preprocessing) -> str | None:
    """:func:`thumbnail` as a ``data:`` URI, ``None`` when the file can no longer be read (moved, deleted)."""
    try:
        return data_uri(png_of(thumbnail(path, prep)))
    except (StudioError, OSError, ValueError) as exc:
        log.info("no thumbnail for %s: %s", path, exc)
        return None
