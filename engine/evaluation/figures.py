"""PNG figures for the run folder: confusion matrix, ROC curve, reliability diagram.

Drawn with matplotlib's object API and its Agg renderer only (never ``pyplot``, which could pick a Qt backend
and would keep global state between threads), so the CLI, the child process and the GUI's background threads
can all write them.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.core.atomic import write_bytes_atomic
from engine.core.i18n import tr

DPI = 110


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # imported late: ~0.3 s that only evaluation pays

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


#: Fonts tried after matplotlib's default for letters it lacks (Korean labels, CJK class names), best first.
# not translated: font names
CJK_FONTS = ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic", "Apple SD Gothic Neo",
             "Noto Sans CJK JP", "Noto Sans CJK SC")


@functools.cache
def _font_families() -> tuple[str, ...]:
    """The default sans-serif font, then the installed CJK fonts (matplotlib falls back along the list)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *(name for name in CJK_FONTS if name in installed))  # not translated: font names


def _save(fig: Any, path: Path) -> Path:
    from matplotlib.text import Text

    families = list(_font_families())
    if len(families) > 1:
        for text in fig.findobj(Text):
            text.set_fontfamily(families)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # Class names in a script the default font lacks (e.g. CJK) are drawn as boxes: not worth a warning.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing")  # not translated: matplotlib's warning
        fig.savefig(buffer, format="png")
    write_bytes_atomic(path, buffer.getvalue())  # readers never see half a PNG
    return path


def confusion_png(matrix: Sequence[Sequence[int]], class_names: Sequence[str], path: Path, *,
                  title: str | None = None) -> Path:
    """Rows = true class, columns = predicted class; each cell shows its count and its share of the row.

    Example:
        >>> confusion_png([[5, 1], [0, 4]], ["cat", "dog"], Path("cm.png"))  # doctest: +SKIP
    """
    counts = np.asarray(matrix, dtype=np.int64)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    n = len(class_names)
    side = min(3.2 + 0.75 * n, 14.0)
    fig = _figure(side + 1.0, side)
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, shrink=0.8, label=tr("share of the true class"))
    ax.set_xticks(range(n), labels=list(class_names), rotation=35, ha="right")
    ax.set_yticks(range(n), labels=list(class_names))
    ax.set_xlabel(tr("predicted class"))
    ax.set_ylabel(tr("true class"))
    ax.set_title(title if title is not None else tr("Confusion matrix"))
    if n <= 25:  # beyond that the numbers no longer fit in the cells
        for i in range(n):
            for j in range(n):
                colour = "white" if shares[i, j] > 0.55 else "#222222"
                ax.text(j, i, f"{counts[i, j]}\n{shares[i, j]:.0%}", ha="center", va="center", color=colour,
                        fontsize=8 if n > 8 else 9)
    return _save(fig, path)


def roc_png(fpr: Sequence[float], tpr: Sequence[float], auc: float | None, path: Path, *, positive_class: str,
            operating_point: tuple[float, float] | None = None) -> Path:
    """ROC curve of ``positive_class`` with its AUC, the chance diagonal and the operating point.

    Example:
        >>> roc_png([0, 0, 1], [0, 1, 1], 1.0, Path("roc.png"), positive_class="dog")  # doctest: +SKIP
    """
    fig = _figure(4.8, 4.4)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", linewidth=1, label=tr("chance"))
    label = f"AUC {auc:.3f}" if auc is not None else tr("AUC undefined")
    ax.plot(list(fpr), list(tpr), color="#1f77b4", linewidth=2, label=label)
    if operating_point is not None:
        ax.plot([operating_point[0]], [operating_point[1]], "o", color="#d62728", label=tr("threshold 0.5"))
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel(tr("false positive rate (1 - specificity)"))
    ax.set_ylabel(tr("true positive rate (sensitivity)"))
    ax.set_title(tr("ROC curve, positive class: {positive_class}", positive_class=positive_class))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")  # not translated: matplotlib's position name
    return _save(fig, path)


def reliability_png(bins: Sequence[dict[str, Any]], ece: float, path: Path) -> Path:
    """Reliability diagram: accuracy per confidence bin against the diagonal of perfect calibration.

    Example:
        >>> reliability_png(summary["calibration"]["bins"], 0.04, Path("rel.png"))  # doctest: +SKIP
    """
    fig = _figure(4.8, 4.4)
    ax = fig.add_subplot()
    lower = [float(b["lower"]) for b in bins]
    width = [float(b["upper"]) - float(b["lower"]) for b in bins]
    accuracy = [float(b["accuracy"]) if b["accuracy"] is not None else 0.0 for b in bins]
    ax.bar(lower, accuracy, width=width, align="edge", color="#1f77b4", edgecolor="white", label=tr("accuracy"))
    for left, w, acc, b in zip(lower, width, accuracy, bins):
        if b["count"]:  # how many images each bar stands for: a bar of 2 images means little
            ax.text(left + w / 2, min(acc + 0.02, 0.95), f"{b['count']}", ha="center", va="bottom",
                    fontsize=7)
    ax.plot([0, 1], [0, 1], linestyle="--", color="#d62728", linewidth=1, label=tr("perfectly calibrated"))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(tr("confidence (probability of the predicted class)"))
    ax.set_ylabel(tr("share predicted correctly"))
    ax.set_title(tr("Reliability, ECE {ece:.3f}", ece=ece))
    ax.legend(loc="upper left")  # not translated: matplotlib's position name
    return _save(fig, path)
