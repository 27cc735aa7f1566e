"""Which files must stay together on one side of a split (same patient or subject, or look-alikes).

Example:
    >>> group_key("cats/P001_a.png", r"^(P\\d+)_", depth=1)
    'P001'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.core.i18n import tr

if TYPE_CHECKING:
    from engine.data.dataset import DatasetReport

Item = tuple[str, int]


@dataclass
class GroupPlan:
    """Files in groups that move together; ``info`` is what ``split.json`` records about the grouping."""

    groups: list[list[Item]]
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    near_duplicates_merged: int = 0


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def group_key(path: str, pattern: str, depth: int) -> str:
    """The group of ``path`` by ``pattern``, searched in the path inside the class folder (``""``: none).

    ``depth`` is how many leading folders to drop (1 for ``class/…``, 2 for ``train/class/…``).
    """
    inside = "/".join(path.split("/")[depth:])
    match = re.search(pattern, inside)
    if match is None:
        return ""
    return match.group(1) if match.groups() and match.group(1) is not None else match.group(0)


def plan_groups(report: DatasetReport, items: list[Item], *, group_pattern: str = "",
                group_by_patient: bool = False) -> GroupPlan:
    """Group ``items``: by DICOM patient and/or the pattern, and look-alikes of one class always together."""
    index = {path: i for i, (path, _) in enumerate(items)}
    uf = _UnionFind(len(items))
    depth = 2 if report.layout == "folders" else 1
    first_with_key: dict[str, int] = {}
    unmatched = 0
    for i, (path, _) in enumerate(items):
        key = ""
        if group_by_patient and report.patient_keys.get(path):
            key = "patient:" + report.patient_keys[path]
        elif group_pattern:
            found = group_key(path, group_pattern, depth)
            key = "pattern:" + found if found else ""
        if not key:
            unmatched += bool(group_pattern or group_by_patient)
            continue
        uf.union(first_with_key.setdefault(key, i), i)
    merged = 0
    for near in report.near_duplicates:
        a, b = index.get(near.first), index.get(near.second)
        if a is not None and b is not None and items[a][1] == items[b][1]:
            merged += uf.union(a, b)
    members: dict[int, list[Item]] = {}
    for i, item in enumerate(items):
        members.setdefault(uf.find(i), []).append(item)
    groups = sorted((sorted(g) for g in members.values()), key=lambda g: g[0])
    plan = GroupPlan(groups=groups, near_duplicates_merged=merged)
    plan.info = _info(group_pattern, group_by_patient, groups, len(first_with_key), unmatched)
    largest = max((len(g) for g in groups), default=0)
    if (group_pattern or group_by_patient) and len(items) >= 4 and largest > len(items) / 2:
        plan.warnings.append({"code": "group_too_large",
                              "message": tr("The grouping puts {largest} of {total} images in one group, so "
                                            "they all go to the same side. Check the pattern: it may match a part "
                                            "every file name shares (such as IMG_).", largest=largest,
                                            total=len(items))})
    if unmatched:
        if group_pattern:
            message = tr("{n} file(s) have no group (the grouping pattern did not apply): each was treated as its "
                         "own group.", n=unmatched)
        else:
            message = tr("{n} file(s) have no group (a DICOM PatientID did not apply): each was treated as its own "
                         "group.", n=unmatched)
        plan.warnings.append({"code": "group_pattern_unmatched", "message": message})
    return plan


def _info(pattern: str, by_patient: bool, groups: list[list[Item]], keys: int, unmatched: int) -> dict[str, Any]:
    by = [name for name, on in (("dicom_patient_id", by_patient), ("pattern", bool(pattern))) if on]
    info: dict[str, Any] = {"by": "+".join(by) or "none", "pattern": pattern, "groups": keys,
                            "files_without_group": unmatched}
    if by:
        # Group numbers only: a PatientID (even hashed) never goes into the run folder.
        info["file_groups"] = {path: g for g, members in enumerate(groups) for path, _ in members if len(members) > 1}
    return info
