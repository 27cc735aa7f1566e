"""The data report as files: JSON (the ``scan --json`` format, which scripts rely on) and CSV (for people).

JSON format, exactly::

    {"classes": {name: count},
     "files": [{"path": path relative to DATA_DIR, "outcome": "accepted|converted|skipped|ignored",
                "reason": code, "message": text}],
     "warnings": [{"code": code, "message": text}],
     "blocking": [{"code": code, "message": text}]}

A path that is not valid UTF-8 keeps its exact bytes as JSON escapes (``"b\\udcff.png"``: ``json.loads`` gives
the name that opens the file; see :mod:`engine.core.names`); the CSV shows it readably (``b\\xff.png``).

Example:
    >>> from engine.data.report import DatasetReport
    >>> report_to_json(DatasetReport(root="x", classes={"a": ("a/1.png",)}))["classes"]
    {'a': 1}
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.core.csv_files import csv_text, write_csv
from engine.data.reasons import reason_label

if TYPE_CHECKING:
    from engine.data.report import DatasetReport

CSV_COLUMNS = ("path", "class", "subset", "outcome", "reason", "reason_in_words", "message", "looks_like")


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
    return csv_text(_csv_rows(report))


def _csv_rows(report: DatasetReport) -> list[list[str]]:
    partners: dict[str, list[str]] = {}
    for near in report.near_duplicates:
        partners.setdefault(near.first, []).append(near.second)
        partners.setdefault(near.second, []).append(near.first)
    rows: list[list[str]] = [list(CSV_COLUMNS)]
    for kind, problems in (("blocking", report.blocking), ("warning", report.warnings)):
        rows.extend(["", "", "", kind, p.code, reason_label(p.code), p.message, ""] for p in problems)
    rows.extend([f.path, f.class_name, f.subset, f.outcome.value, f.reason, reason_label(f.reason), f.message,
                 "; ".join(partners.get(f.path, []))] for f in report.files)
    return rows


def write_report_csv(report: DatasetReport, path: str | Path) -> Path:
    """Write :func:`report_to_csv` as UTF-8 with a byte-order mark (so spreadsheet programs show accents).

    Raises:
        OutputError: the file cannot be written there (one sentence naming the place).
    """
    return write_csv(Path(path).expanduser(), _csv_rows(report), byte_order_mark=True)
