"""End-to-end test fixtures (tests/qtsupport.py): garbage collection on the GUI thread, no worker left running."""

from tests.qtsupport import gui_thread_gc, no_dangling_workers

__all__ = ["gui_thread_gc", "no_dangling_workers"]
