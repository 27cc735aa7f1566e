"""GUI test fixtures (tests/qtsupport.py): garbage collection on the GUI thread, no worker left running."""

import pytest

from tests.qtsupport import gui_thread_gc, no_dangling_workers

__all__ = ["gui_thread_gc", "no_dangling_workers"]


@pytest.fixture
def model_panel(qtbot):  # type: ignore[no-untyped-def]
    """The model panel, shown at a usual size, once its catalog is listed."""
    from gui.panels.model.panel import ModelPanel

    widget = ModelPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 720)
    widget.show()
    qtbot.waitUntil(lambda: bool(widget.catalog), timeout=30_000)
    yield widget
    widget.shutdown()
