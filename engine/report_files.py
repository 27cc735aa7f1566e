"""The data report as files: JSON (the ``scan --json`` format, which scripts rely on) and CSV (for people).

JSON format, exactly::

    {"classes": {name: count},
     "files": [{"path": path relative to DATA_DIR, "outcome": "accepted|converted|skipped|ignored",
                "reason": code, "message": text}],
     "warnings": [{"code": code, "message": text}],
     "blocking": [{"code": code, "message": text}]}

Example:
    >>> from engine.dataset import DatasetReport
    >>> report_to_json(DatasetReport(root="x", classes={"a": ("a/1.png",)}))["classes"]
    {'a': 1}
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.reasons import reason_label

if TYPE_CHECKING:
    from engine.dataset import DatasetReport

CSV_COLUMNS = ("path", "class", "subset", "outcome", "reason", "reason_in_words", "message", "looks_like")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def report_to_json(report: DatasetReport) -> dict[str, Any]:
    """The report in the documented JSON shape (no other keys: scripts rely on it)."""
    return {
        "classes": report.counts,
        "files": [{"path": f.path, "outcome": f.outcome.value, "reason": f.reason, "message": f.message}
                  for f in report.files],
        "warnings": [{"code": p.code, "message": p.message} for p in report.warnings],
        "blocking": [{"code": p.code, "message": p.message} for p in report.blocking],
    }


def report_to_csv(report: DatasetReport) -> str:
    """One row per blocking problem and warning (outcome ``blocking``/``warning``), then one per file."""
    partners: dict[str, list[str]] = {}
    for near in report.near_duplicates:
        partners.setdefault(near.first, []).append(near.second)
        partners.setdefault(near.second, []).append(near.first)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for kind, problems in (("blocking", report.blocking), ("warning", report.warnings)):
        for p in problems:
            writer.writerow(_safe(["", "", "", kind, p.code, reason_label(p.code), p.message, ""]))
    for f in report.files:
        writer.writerow(_safe([f.path, f.class_name, f.subset, f.outcome.value, f.reason, reason_label(f.reason),
                               f.message, "; ".join(partners.get(f.path, []))]))
    return out.getvalue()


def write_report_csv(report: DatasetReport, path: str | Path) -> Path:
    """Write :func:`report_to_csv` as UTF-8 with a byte-order mark (so spreadsheet programs show accents)."""
    target = Path(path).expanduser()
    target.write_text(report_to_csv(report), encoding="utf-8-sig", newline="")
    return target


def _safe(cells: list[str]) -> list[str]:
    # A cell starting with "=" (a file named "=SUM(A1).jpg") would run as a formula in a spreadsheet.
    return ["'" + c if c.startswith(_FORMULA_STARTS) else c for c in cells]
