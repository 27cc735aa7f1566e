"""Runs side by side: the settings that differ, the saved models' figures and the validation curves.

One computation for the Past runs tab's comparison and ``python -m engine compare RUN... [--json FILE]``: both
show :func:`compare_runs`. Only the run folders are read (``config.json``, ``events.jsonl``, ``model/model.json``,
``metrics.json``); nothing is run again.

Example:
    >>> comparison = compare_runs(["runs/a", "runs/b"])  # doctest: +SKIP
    >>> [row.key for row in comparison.settings]  # doctest: +SKIP
    ['optim.lr']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.core.errors import ConfigError
from engine.core.i18n import tr, tr_later
from engine.core.names import display_path
from engine.report.settings import NOT_SETTINGS, flatten, setting_label, setting_text
from engine.run.events import EpochEnded, RunFinished
from engine.run.folder import RunFolder

#: The saved model's figures the comparison shows: (label, key in metrics.json; "" = from elsewhere).
FIGURE_ROWS = ((tr_later("Evaluated on"), "evaluated_on"), (tr_later("Accuracy"), "accuracy"),
               (tr_later("Balanced accuracy"), "balanced_accuracy"), (tr_later("Macro F1"), "macro_f1"),
               (tr_later("ROC AUC"), "roc_auc"), (tr_later("Calibration error (ECE)"), "ece"),
               (tr_later("Best epoch"), "best_epoch"), (tr_later("Validation loss (best epoch)"), "val_loss"),
               (tr_later("Epochs trained"), "epochs"), (tr_later("Outcome"), "outcome"))
PERCENT_FIGURES = frozenset({"accuracy", "balanced_accuracy"})
#: How a recorded value of the "evaluated on" and "outcome" rows reads (the JSON keeps the recorded value).
# not translated: the keys are recorded values
FIGURE_WORDS = {"validation": tr_later("validation"), "test": tr_later("test"),
                "finished": tr_later("finished"), "early stopped": tr_later("early stopped"),
                "cancelled": tr_later("cancelled"), "failed": tr_later("failed"),
                "interrupted": tr_later("interrupted")}


@dataclass(frozen=True, slots=True)
class Curve:
    """One run's validation curves, one point per epoch (a resumed epoch counts once, its last record)."""

    epochs: tuple[int, ...]
    val_loss: tuple[float, ...]
    val_accuracy: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ComparedRow:
    """A row of the comparison: a setting (``key`` as in config.json) or a figure, one value per run."""

    key: str
    label: str
    values: tuple[Any, ...]
    figure: bool = False  # a measured figure (rounded for reading), not a setting (shown as recorded)

    def texts(self) -> tuple[str, ...]:
        if not self.figure:
            return tuple(setting_text(v) for v in self.values)
        return tuple(_figure_text(self.key, v) for v in self.values)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two or more runs side by side (columns in the order given)."""

    paths: tuple[Path, ...]
    names: tuple[str, ...]
    settings: tuple[ComparedRow, ...]  # only those that differ
    figures: tuple[ComparedRow, ...]
    curves: tuple[Curve, ...]

    def to_dict(self) -> dict[str, Any]:
        """What ``compare --json`` writes (scripts rely on it)."""
        return {
            "runs": [{"name": n, "path": str(p)} for n, p in zip(self.names, self.paths)],
            "settings_that_differ": [{"setting": r.key, "label": r.label, "values": list(r.values)}
                                     for r in self.settings],
            "figures": [{"figure": r.key, "label": r.label, "values": list(r.values)} for r in self.figures],
            "validation_curves": [{"epoch": list(c.epochs), "val_loss": list(c.val_loss),
                                   "val_accuracy": list(c.val_accuracy)} for c in self.curves],
        }

    def table_text(self) -> str:
        """The comparison as aligned plain text (what ``python -m engine compare`` prints)."""
        settings = [(r.label, r.texts()) for r in self.settings] or [(tr("(every setting is the same)"), ())]
        blocks = [(tr("Settings that differ"), settings),
                  (tr("Saved model"), [(r.label, r.texts()) for r in self.figures])]
        rows = [label for _, part in blocks for label, _ in part]
        run = tr("Run")
        width = max(text_width(text) for text in (*rows, run))
        cells = [max([text_width(n)] + [text_width(t[i]) for _, part in blocks for _, t in part if t])
                 for i, n in enumerate(self.names)]
        lines = ["  ".join([_left(run, width), *(_right(n, w) for n, w in zip(self.names, cells))])]
        for title, part in blocks:
            lines.append(title)
            lines.extend("  ".join([_left(label, width), *(_right(t, w) for t, w in zip(texts, cells))]).rstrip()
                         for label, texts in part)
        return "\n".join(lines)


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Hangul and other wide characters take two.

    Example:
        >>> text_width("Run"), text_width("실행")
        (3, 4)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text: str, width: int) -> str:
    return text + " " * (width - text_width(text))


def _right(text: str, width: int) -> str:
    return " " * (width - text_width(text)) + text


def compare_runs(run_dirs: Sequence[str | Path]) -> Comparison:
    """Compare two or more run folders.

    Raises:
        ConfigError: fewer than two runs, the same run twice, or a folder that is not a run folder.
    """
    runs = [RunFolder.at(p) for p in run_dirs]
    if len(runs) < 2:
        raise ConfigError(tr("Comparing needs at least two run folders."))
    resolved = [r.path.resolve() for r in runs]
    if len(set(resolved)) < len(resolved):
        raise ConfigError(tr("The same run folder was given twice; choose two or more different runs."))
    configs = [r.read_config_data() for r in runs]
    return Comparison(tuple(r.path for r in runs), _names(runs), differing_settings(configs),
                      tuple(_figures(runs)), tuple(read_curve(r) for r in runs))


def differing_settings(configs: Sequence[dict[str, Any]]) -> tuple[ComparedRow, ...]:
    """The settings whose recorded values are not all equal (a setting one run lacks counts as differing).

    Example:
        >>> [r.key for r in differing_settings([{"seed": 1, "optim": {"lr": 1}}, {"seed": 1, "optim": {"lr": 2}}])]
        ['optim.lr']
    """
    flats = [flatten({k: v for k, v in c.items() if k not in NOT_SETTINGS}) for c in configs]
    keys = list(dict.fromkeys(k for flat in flats for k in flat))
    missing = object()
    rows = []
    for key in keys:
        values = [flat.get(key, missing) for flat in flats]
        if any(v != values[0] for v in values[1:]):
            rows.append(ComparedRow(key, setting_label(key), tuple(None if v is missing else v for v in values)))
    return tuple(rows)


def read_curve(run: RunFolder) -> Curve:
    """The run's validation loss and accuracy per epoch, from ``events.jsonl``."""
    by_epoch: dict[int, EpochEnded] = {}
    for event in run.iter_events():
        if isinstance(event, EpochEnded):
            by_epoch[event.epoch] = event  # a resumed run repeats an epoch: its last record counts
    epochs = sorted(by_epoch)
    return Curve(tuple(epochs), tuple(by_epoch[e].val_loss for e in epochs),
                 tuple(by_epoch[e].val_accuracy for e in epochs))


def saved_figures(run: RunFolder) -> dict[str, Any]:
    """The saved model's figures for one run (``None`` where it was not measured)."""
    summary = run.read_summary() or {}
    card = run.read_model_card()
    finished: RunFinished | None = None
    epochs = 0
    for event in run.iter_events():
        if isinstance(event, EpochEnded):
            epochs = max(epochs, event.epoch)
        elif isinstance(event, RunFinished):
            finished = event
    return {
        "evaluated_on": summary.get("evaluated_on"),
        "accuracy": summary.get("accuracy"),
        "balanced_accuracy": summary.get("balanced_accuracy"),
        "macro_f1": (summary.get("macro_avg") or {}).get("f1"),
        "roc_auc": summary.get("roc_auc"),
        "ece": (summary.get("calibration") or {}).get("ece"),
        "best_epoch": card.best_epoch if card else None,
        "val_loss": card.metrics.get("val_loss") if card else None,
        "epochs": epochs,
        "outcome": (finished.reason.value.replace("_", " ") if finished else "interrupted"),
    }


def _figures(runs: Sequence[RunFolder]) -> list[ComparedRow]:
    per_run = [saved_figures(r) for r in runs]
    return [ComparedRow(key, tr(label), tuple(f[key] for f in per_run), figure=True) for label, key in FIGURE_ROWS]


def _figure_text(key: str, value: Any) -> str:
    if isinstance(value, float) and not isinstance(value, bool):
        return f"{value:.1%}" if key in PERCENT_FIGURES else f"{value:.3f}"
    if key in ("evaluated_on", "outcome") and isinstance(value, str) and value in FIGURE_WORDS:
        return tr(FIGURE_WORDS[value])
    return setting_text(value)


def _names(runs: Sequence[RunFolder]) -> tuple[str, ...]:
    """Folder names; where two runs share one (runs/a/run, runs/b/run), their shown paths."""
    names = [r.path.name for r in runs]
    return tuple(n if names.count(n) == 1 else display_path(r.path) for n, r in zip(names, runs))
