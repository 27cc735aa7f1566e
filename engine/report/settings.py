"""A run's settings as one flat list of (dotted name, plain label, value), the way the report and the side-by-side
comparison show them.

``config.json`` nests its settings (``optim.lr``); it also records what was resolved at start, the versions and
what the advisor said, which are not settings a user chose: :data:`NOT_SETTINGS` leaves them out.

Example:
    >>> rows = flat_settings({"optim": {"lr": 0.01}, "seed": 3, "versions": {"torch": "2"}})
    >>> [(r.key, r.label, r.text) for r in rows]
    [('optim.lr', 'Learning rate', '0.01'), ('seed', 'Seed', '3')]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.config.options import option
from engine.core.i18n import tr, tr_later, trn

#: Parts of ``config.json`` that are records, not choices (shown in their own report sections).
NOT_SETTINGS = frozenset({"versions", "resolved", "advice"})
#: A long list (thousands of files left out by hand) is shortened in tables; its values stay whole.
LIST_SHOWN = 8
#: Settings the option table does not list (the window sets them from other places).
EXTRA_LABELS = {
    "data.data_dir": tr_later("Image folder"),
    "data.exclude": tr_later("Files left out by hand"),
    "data.group_pattern": tr_later("Group pattern"),
    "data.group_by_patient": tr_later("Group by DICOM patient"),
    "data.use_folder_split": tr_later("Use the folder's own train/val split"),
    "model.arch": tr_later("Architecture"),
    "model.weights": tr_later("Starting weights"),
    "strategy": tr_later("Strategy"),
    "freeze.frozen": tr_later("Frozen layers (chosen by hand)"),
    # What config.json's "resolved" part records when a run starts (the report's "decided" table).
    "weights_source": tr_later("Weights source"),
    "head_module": tr_later("Head module"),
    "frozen_modules": tr_later("Frozen modules"),
    "cached_features": tr_later("Cached features"),
    "mixed_precision": tr_later("Mixed precision"),
    "channels_last": tr_later("Channels last"),
    "no_grad_prefix": tr_later("No grad prefix"),
    "world_size": tr_later("World size"),
    "resumed_from_epoch": tr_later("Resumed from epoch"),
    "prepared": tr_later("Prepared"),
}


@dataclass(frozen=True, slots=True)
class SettingRow:
    """One setting: ``key`` as in config.json (dotted), ``label`` in words, ``value`` as recorded."""

    key: str
    label: str
    value: Any

    @property
    def text(self) -> str:
        return setting_text(self.value)


def setting_text(value: Any) -> str:
    """How a setting's value reads in a table: ``—`` for none, ``yes``/``no``, lists as JSON.

    Example:
        >>> setting_text(None), setting_text(True), setting_text([1, 2]), setting_text(0.5)
        ('—', 'yes', '[1, 2]', '0.5')
        >>> setting_text(list(range(10)))
        '[0, 1, 2, 3, 4, 5, 6, 7, … and 2 more (10 in all)]'
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    if isinstance(value, list) and len(value) > LIST_SHOWN:
        shown = json.dumps(value[:LIST_SHOWN], ensure_ascii=False)[:-1]
        return trn("{shown}, … and {more} more ({n} in all)]", "{shown}, … and {more} more ({n} in all)]",
                   len(value), shown=shown, more=len(value) - LIST_SHOWN)
    if isinstance(value, (list, dict)):
        return "[]" if value == [] else json.dumps(value, ensure_ascii=False)
    return str(value)


def setting_label(key: str) -> str:
    """The plain name of a dotted setting (the option table's label, else a readable form of the key)."""
    try:
        return tr(option(key).label)
    except KeyError:
        label = EXTRA_LABELS.get(key)
        return tr(label) if label else key.split(".")[-1].replace("_", " ").capitalize()


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optim": {"lr": 1}}`` -> ``{"optim.lr": 1}``; a nested ``None`` section stays one entry."""
    flat: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


def flat_settings(config: Mapping[str, Any]) -> list[SettingRow]:
    """Every setting of a ``config.json`` (records such as versions left out), in the file's order."""
    chosen = {k: v for k, v in config.items() if k not in NOT_SETTINGS}
    return [SettingRow(key, setting_label(key), value) for key, value in flatten(chosen).items()]
