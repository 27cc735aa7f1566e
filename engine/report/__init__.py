"""The run's report (``report.html``: the data, model, strategy, settings, curves, evaluation, galleries,
versions and a model card, in one self-contained file) and runs compared side by side.

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.report.compare import Comparison as Comparison
    from engine.report.compare import compare_runs as compare_runs
    from engine.report.page import SECTIONS as SECTIONS
    from engine.report.page import build_report_html as build_report_html
    from engine.report.write import ReportExistsError as ReportExistsError
    from engine.report.write import write_report as write_report

__getattr__, __dir__ = lazy_exports("engine.report", {
    "Comparison": "engine.report.compare",
    "compare_runs": "engine.report.compare",
    "SECTIONS": "engine.report.page",
    "build_report_html": "engine.report.page",
    "ReportExistsError": "engine.report.write",
    "write_report": "engine.report.write",
})
