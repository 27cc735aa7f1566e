"""Python's garbage collection runs on the GUI thread only (gui/gui_thread_gc.py): the deadlock of issue 11."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QObject

from gui.gui_thread_gc import GuiThreadCollector

ROOT = Path(__file__).resolve().parents[2]
STRESS = Path(__file__).with_name("scripts") / "gc_stress.py"


def test_widgets_in_cycles_die_on_the_gui_thread_while_a_worker_allocates() -> None:
    # Its own process: before the fix this crashed (segfault) or deadlocked within a second or two.
    done = subprocess.run([sys.executable, str(STRESS), "3"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the stress run ended with code {done.returncode}: {done.stderr[-2000:]}"
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["created"] >= 20
    assert figures["destroyed_off_gui_thread"] == 0
    # Garbage does not pile up until the end: the GUI-thread timer collected while the worker ran.
    assert figures["collected_while_running"] > 0


def test_the_collector_switches_automatic_collection_off_and_collects_when_due(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QObject()
    collector = GuiThreadCollector(owner, interval_ms=10)
    try:
        assert not gc.isenabled()
        found: list[object] = []

        class Cycle:
            def __init__(self) -> None:
                self.me = self

            def __del__(self) -> None:
                found.append(self)

        for _ in range(3 * gc.get_threshold()[0]):
            Cycle()
        qtbot.waitUntil(lambda: bool(found), timeout=5_000)
        collector.stop()
        assert gc.isenabled() and not collector.active  # stopping gave collection back to Python
    finally:
        collector.stop()
        found.clear()
        gc.disable()  # the session's own collector (tests/qtsupport.py) stays in charge


def test_automatic_collection_switched_on_again_is_switched_off(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QObject()
    collector = GuiThreadCollector(owner, interval_ms=10)
    try:
        gc.enable()  # what a library might do
        qtbot.waitUntil(lambda: not gc.isenabled(), timeout=5_000)
    finally:
        collector.stop()
        gc.disable()


def _window_opened_then_closed(qtbot, runs: Path, folder: Path):  # type: ignore[no-untyped-def]
    from gui.main_window import MainWindow

    window = MainWindow(runner_kind="thread", runs_dir=runs)
    window.show()
    qtbot.waitUntil(lambda: bool(window.model_panel.catalog), timeout=30_000)
    with qtbot.waitSignal(window.data_panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        window.open_folder(folder)
    window.shutdown()
    window.close()
    return window


def test_a_closed_main_window_leaves_none_of_its_objects_in_reference_cycles(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                            image_folder: Path) -> None:
    # Objects in cycles wait for the collector instead of dying when released; the app's own must not need it.
    import shiboken6

    window = _window_opened_then_closed(qtbot, tmp_path / "runs", image_folder)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        shiboken6.delete(window)
        del window
        gc.collect()
        ours = sorted({type(o).__qualname__ for o in gc.garbage if type(o).__module__.startswith("gui")})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == []


def test_objects_alive_at_start_up_are_left_out_of_later_collections_and_new_cycles_still_die(qtbot) -> None:  # type: ignore[no-untyped-def]
    # After the second stage, torch's objects made each full collection take 0.3-1 s on the GUI thread.
    from gui.gui_thread_gc import freeze_long_lived_objects

    owner = QObject()
    collector = GuiThreadCollector(owner, interval_ms=10)
    long_lived = [[i] for i in range(1000)]
    found: list[object] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            found.append(self)

    try:
        freeze_long_lived_objects()
        tracked = {id(o) for o in gc.get_objects()}
        assert gc.get_freeze_count() > 0 and not any(id(o) in tracked for o in long_lived)
        for _ in range(3 * gc.get_threshold()[0]):
            Cycle()
        qtbot.waitUntil(lambda: bool(found), timeout=5_000)  # what the session makes later is still collected
    finally:
        gc.unfreeze()
        collector.stop()
        found.clear()
        gc.disable()  # the session's own collector (tests/qtsupport.py) stays in charge
