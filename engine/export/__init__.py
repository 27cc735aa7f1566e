"""Exports of a finished run's saved model: ONNX, TorchScript and a deployment folder, each checked against
PyTorch on the run's validation images before it is written.

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.export.check import ExportCheck as ExportCheck
    from engine.export.destination import (
        ExportFormat as ExportFormat,
    )
    from engine.export.destination import (
        ExportPlan as ExportPlan,
    )
    from engine.export.destination import (
        plan_export as plan_export,
    )
    from engine.export.errors import (
        ExportCheckFailed as ExportCheckFailed,
    )
    from engine.export.errors import (
        ExportError as ExportError,
    )
    from engine.export.errors import (
        ExportExists as ExportExists,
    )
    from engine.export.errors import (
        ExportUnsupported as ExportUnsupported,
    )
    from engine.export.exporter import ExportResult as ExportResult
    from engine.export.exporter import export_run as export_run

_EXPORTS = {
    "ExportCheck": "engine.export.check",
    "ExportFormat": "engine.export.destination",
    "ExportPlan": "engine.export.destination",
    "plan_export": "engine.export.destination",
    "ExportCheckFailed": "engine.export.errors",
    "ExportError": "engine.export.errors",
    "ExportExists": "engine.export.errors",
    "ExportUnsupported": "engine.export.errors",
    "ExportResult": "engine.export.exporter",
    "export_run": "engine.export.exporter",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
