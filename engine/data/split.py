"""Which file goes to training, validation and test, so that validation tells the truth.

* Stratified and seeded: every class keeps its share on each side; the same seed gives the same split.
* Grouped: all images of one patient or subject stay on one side. The group comes from a pattern the
  user gives (a regular expression searched in the path inside the class folder; its first bracketed part,
  or the whole match, is the group) or from the DICOM PatientID (through a one-way hash: the ID itself is
  never recorded). Look-alike images of the same class are always kept together too.
* The folder's own split: ``train/``, ``val|valid|validation/`` and ``test/`` folders are used as they are
  (validation is carved from ``train/`` when there is no ``val/``).

``split.json`` (``Split.to_dict()``) records every file's side, how it was decided and what to watch for.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.core.i18n import tr
from engine.data.grouping import GroupPlan, plan_groups

if TYPE_CHECKING:
    from engine.data.dataset import DatasetReport

Item = tuple[str, int]  # (path relative to root, class index)


@dataclass(frozen=True, slots=True)
class Split:
    """Which file goes where. Paths are relative to ``root``; labels index ``classes``."""

    root: str
    classes: tuple[str, ...]
    train: tuple[Item, ...]
    val: tuple[Item, ...]
    seed: int
    val_fraction: float
    method: str = "stratified"
    extra: dict[str, Any] = field(default_factory=dict)
    test: tuple[Item, ...] = ()
    test_fraction: float = 0.0

    def counts(self) -> dict[str, dict[str, int]]:
        """Images per class on each side: ``{"train": {class: n}, "val": {...}, "test": {...}}``."""
        out = {}
        for side, items in (("train", self.train), ("val", self.val), ("test", self.test)):
            per = Counter(label for _, label in items)
            out[side] = {name: per.get(i, 0) for i, name in enumerate(self.classes)}
        return out

    def to_dict(self) -> dict[str, Any]:
        """What ``split.json`` holds (no DICOM header value, ever)."""
        return {
            "root": self.root,
            "method": self.method,
            "seed": self.seed,
            "val_fraction": self.val_fraction,
            "test_fraction": self.test_fraction,
            "classes": list(self.classes),
            "counts": self.counts(),
            **self.extra,
            "train": [[p, self.classes[label]] for p, label in self.train],
            "val": [[p, self.classes[label]] for p, label in self.val],
            "test": [[p, self.classes[label]] for p, label in self.test],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Split:
        """The inverse of :meth:`to_dict` (what ``split.json`` holds); KeyError/TypeError/ValueError when damaged."""
        classes = tuple(str(c) for c in data["classes"])
        index = {name: i for i, name in enumerate(classes)}

        def items(key: str) -> tuple[Item, ...]:
            return tuple((str(p), index[str(c)]) for p, c in data.get(key) or [])

        known = {"root", "method", "seed", "val_fraction", "test_fraction", "classes", "counts", "train", "val",
                 "test"}
        return cls(root=str(data["root"]), classes=classes, train=items("train"), val=items("val"),
                   seed=int(data.get("seed", 0)), val_fraction=float(data.get("val_fraction", 0.2)),
                   method=str(data.get("method", "stratified")), test=items("test"),
                   test_fraction=float(data.get("test_fraction", 0.0)),
                   extra={k: v for k, v in data.items() if k not in known})


def split_stratified(report: DatasetReport, val_fraction: float, seed: int) -> Split:
    """Seeded, stratified train/validation split (the skeleton's API; see :func:`split_dataset`)."""
    return split_dataset(report, val_fraction=val_fraction, seed=seed)


def split_dataset(report: DatasetReport, *, val_fraction: float = 0.2, test_fraction: float = 0.0, seed: int = 0,
                  group_pattern: str = "", group_by_patient: bool = False) -> Split:
    """Split a trainable report into train / validation (/ test).

    Every class with at least 2 images keeps one on each of train and validation (and on test when a test
    share is asked and the class has 3 or more), unless grouping makes that impossible (then a warning).

    Example:
        >>> split = split_dataset(report, val_fraction=0.2, test_fraction=0.1, seed=0,
        ...                       group_pattern=r"^(P\\d+)_")  # doctest: +SKIP
        >>> split.counts()["val"]  # doctest: +SKIP
        {'benign': 12, 'malignant': 9}
    """
    report.require_trainable()
    classes = tuple(report.classes)
    label = {name: i for i, name in enumerate(classes)}
    items = [(p, label[name]) for name, files in report.classes.items() for p in files]
    plan = plan_groups(report, items, group_pattern=group_pattern, group_by_patient=group_by_patient)
    if report.layout == "folders":
        sides, method = _folder_sides(report, items, plan, val_fraction, seed), "folders"
        test_fraction = 0.0
    else:
        sides, method = assign_groups(plan, len(classes), val_fraction, test_fraction, seed), "stratified"
    by_side: dict[str, list[Item]] = {"train": [], "val": [], "test": []}
    for item in items:
        by_side[sides[item[0]]].append(item)
    extra = _extra(report, plan, sides, method, by_side, classes)
    return Split(root=report.root, classes=classes, train=tuple(sorted(by_side["train"])),
                 val=tuple(sorted(by_side["val"])), test=tuple(sorted(by_side["test"])), seed=seed,
                 val_fraction=val_fraction, test_fraction=test_fraction, method=method, extra=extra)


def assign_groups(plan: GroupPlan, n_classes: int, val_fraction: float, test_fraction: float,
                  seed: int) -> dict[str, str]:
    """Side (``train``/``val``/``test``) of every file, moving whole groups, stratified by class.

    Groups are shuffled with ``seed``; each goes to the side whose per-class shortfall it fills best, when it
    fills at least half of its own size (else to train). Then every class is given back a training image if
    it lost all of them, and a validation image if it has none while a group could spare one.
    """
    totals = Counter(label for members in plan.groups for _, label in members)
    need = {side: _targets(totals, n_classes, val_fraction, test_fraction, side) for side in ("val", "test")}
    order = list(range(len(plan.groups)))
    random.Random(seed).shuffle(order)
    side_of_group = ["train"] * len(plan.groups)
    for g in order:
        per_class = Counter(label for _, label in plan.groups[g])
        gains = {s: sum(min(n, need[s][c]) for c, n in per_class.items()) for s in ("test", "val")}
        best = max(("val", "test"), key=lambda s: gains[s])
        if gains[best] > 0 and 2 * gains[best] >= len(plan.groups[g]):
            side_of_group[g] = best
            for c, n in per_class.items():
                need[best][c] = max(0, need[best][c] - n)
    _repair(plan, side_of_group, n_classes, order)
    return {path: side_of_group[g] for g, members in enumerate(plan.groups) for path, _ in members}


def _targets(totals: Counter[int], n_classes: int, val_fraction: float, test_fraction: float,
             side: str) -> dict[int, int]:
    out = {}
    for c in range(n_classes):
        n = totals.get(c, 0)
        val = min(max(1 if n >= 2 else 0, round(n * val_fraction)), max(n - 1, 0))
        test = 0
        if test_fraction > 0:
            test = min(max(1 if n >= 3 else 0, round(n * test_fraction)), max(n - 1 - val, 0))
        out[c] = val if side == "val" else test
    return out


def _repair(plan: GroupPlan, side_of_group: list[str], n_classes: int, order: list[int]) -> None:
    """Every class keeps a training image; then a validation image where a group can be spared."""
    def count(side: str, c: int) -> int:
        return sum(1 for g, members in enumerate(plan.groups) if side_of_group[g] == side
                   for _, label in members if label == c)

    for c in range(n_classes):
        if count("train", c) == 0:
            holders = [g for g in order if any(lab == c for _, lab in plan.groups[g])]
            if holders:
                side_of_group[min(holders, key=lambda g: len(plan.groups[g]))] = "train"
    for c in range(n_classes):
        if count("val", c) == 0 and count("train", c) >= 2:
            spare = [g for g in order if side_of_group[g] == "train" and any(lab == c for _, lab in plan.groups[g])]
            for g in sorted(spare, key=lambda g: len(plan.groups[g])):
                moved = sum(1 for _, lab in plan.groups[g] if lab == c)
                if count("train", c) - moved >= 1:
                    side_of_group[g] = "val"
                    break


def _folder_sides(report: DatasetReport, items: list[Item], plan: GroupPlan, val_fraction: float,
                  seed: int) -> dict[str, str]:
    """The folder's own sides; without a ``val/`` folder, validation is carved from ``train/``."""
    sides = {path: report.subsets.get(path, "train") for path, _ in items}
    if "val" in sides.values():
        return sides
    train_groups = [members for members in plan.groups if all(sides[p] == "train" for p, _ in members)]
    carved = assign_groups(GroupPlan(train_groups, plan.info), len(report.classes), val_fraction, 0.0, seed)
    sides.update(carved)
    return sides


def _extra(report: DatasetReport, plan: GroupPlan, sides: dict[str, str], method: str,
           by_side: dict[str, list[Item]], classes: tuple[str, ...]) -> dict[str, Any]:
    warnings = list(plan.warnings)
    leaks = [n for n in report.near_duplicates
             if n.first in sides and n.second in sides and sides[n.first] != sides[n.second]]
    if leaks:
        shown = "; ".join(f"{n.first} ~ {n.second}" for n in leaks[:2])
        if len(leaks) > 2:
            shown = tr("{shown} and {n} more", shown=shown, n=len(leaks) - 2)
        warnings.append({"code": "near_duplicates_across_split",
                         "message": tr('{n} pair(s) of look-alike images are on different sides ({shown}; all are '
                                       'listed in split.json under "leakage").', n=len(leaks), shown=shown)})
    for c, name in enumerate(classes):
        if any(lab == c for _, lab in by_side["train"]) and not any(lab == c for _, lab in by_side["val"]):
            warnings.append({"code": "class_not_split", "message": tr(
                'All images of "{name}" are in one group, so none could go to validation: its results cannot be '
                "measured.", name=name)})
    return {
        "grouping": plan.info,
        "near_duplicates_kept_together": plan.near_duplicates_merged,
        "leakage": [[n.first, n.second] for n in leaks],
        "excluded": list(report.excluded),
        "duplicates_used_once": sum(1 for f in report.files if f.reason == "duplicate"),
        # Reason code -> files left out (engine/data/reasons.py), so the run's report can say what and why.
        "skipped": dict(sorted(Counter(f.reason for f in report.files if f.outcome.value == "skipped").items())),
        "warnings": warnings,
        # not translated: a fixed note inside the JSON file, for whoever opens it
        "privacy": "No DICOM header value (patient name, ID, date) is recorded in this file.",
    }
