"""BackgroundTask can be deleted at any time: from its own ``done`` handler, while it runs, or with its parent.

Destroying a running QThread aborts the interpreter ("QThread: Destroyed while thread is still running"), so
the dangerous cases run in a child Python whose exit status tells whether it survived.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from PySide6.QtCore import QObject

from gui.jobs.controller import BackgroundTask, TaskState, live_threads
from gui.jobs.task_slot import TaskSlot

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import threading
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject
    from gui.jobs.controller import BackgroundTask, live_threads

    app = QCoreApplication([])

    def process_events():
        app.processEvents()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # deleteLater() outside a running event loop

    def deleted_from_its_own_done_handler(rounds):
        answers = []
        for _ in range(rounds):
            task, loop = BackgroundTask(lambda state: 42), QEventLoop()
            task.done.connect(lambda value, t=task: (answers.append(value), t.deleteLater(), loop.quit()))
            task.start()
            loop.exec()
        return answers.count(42)

    def deleted_while_running(delete):
        noticed = threading.Event()
        started = threading.Event()

        def work(state):
            started.set()
            while not state.is_set():
                noticed.wait(0.01)
            noticed.set()

        parent = QObject()
        task = BackgroundTask(work, parent)
        task.start()
        started.wait(10)
        delete(parent, task)
        while not noticed.is_set():  # the work learns that nobody wants its answer any more
            process_events()
        return "cancelled"

    def deleted_when_a_lambda_holds_the_last_reference_to_its_parent(rounds):
        answers = []
        for _ in range(rounds):
            owner = QObject()  # owned by Python: only the lambda below keeps it alive after `del`
            task = BackgroundTask(lambda state: 7, owner)
            task.done.connect(lambda value, o=owner: answers.append(value))
            task.start()
            while not task.wait(10):
                pass
            while len(answers) < _ + 1:
                process_events()
            task.deleteLater()
            del task, owner
            process_events()
        return answers.count(7)

    print("done handler", deleted_from_its_own_done_handler(200))
    print("last reference", deleted_when_a_lambda_holds_the_last_reference_to_its_parent(30))
    print("task deleted:", deleted_while_running(lambda parent, task: task.deleteLater()))
    print("parent deleted:", deleted_while_running(lambda parent, task: parent.deleteLater()))
    while live_threads():
        process_events()
    print("threads left", len(live_threads()))
""")


def test_deleting_tasks_at_any_moment_never_aborts_the_app(tmp_path: Path) -> None:
    script = tmp_path / "tasks.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=120, check=False)
    assert "Destroyed while thread" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n") == ["done handler 200", "last reference 30", "task deleted: cancelled",
                                         "parent deleted: cancelled", "threads left 0", ""]


def test_a_task_ends_with_one_answer_and_may_be_deleted_in_its_handler(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QObject()
    progress: list[tuple[int, int]] = []

    def work(state: TaskState) -> str:
        state.set_progress(1, 2)
        state.set_progress(2, 2)
        return "answer"

    task = BackgroundTask(work, parent)
    task.progress.connect(lambda done, total: progress.append((done, total)))
    task.done.connect(task.deleteLater)
    with qtbot.waitSignal(task.done, timeout=10_000) as answer:
        task.start()
    assert answer.args == ["answer"] and progress == [(1, 2), (2, 2)]  # progress first, in order
    qtbot.waitUntil(lambda: not parent.children() and not live_threads(), timeout=10_000)


def test_the_slot_deletes_every_task_once_it_has_ended(qtbot) -> None:  # type: ignore[no-untyped-def]
    slot = TaskSlot()
    release = threading.Event()
    answers: list[str] = []
    slot.start(lambda state: release.wait(10) and "old", answers.append)
    slot.start(lambda state: "new", answers.append)
    qtbot.waitUntil(lambda: answers == ["new"], timeout=10_000)
    assert len(slot.children()) == 1  # the replaced task still runs; the one that answered is gone
    release.set()
    qtbot.waitUntil(lambda: not slot.children() and not live_threads(), timeout=10_000)
    assert answers == ["new"] and not slot.running


def test_an_owner_deleted_while_its_task_runs_never_hears_the_answer(qtbot) -> None:  # type: ignore[no-untyped-def]
    # The "Internal C++ object already deleted" seen once in ModelPanel._on_catalog: an answer must never reach
    # an owner that is gone, whatever order Qt destroys things in.
    heard: list[str] = []
    release = threading.Event()
    owner = QObject()
    task = BackgroundTask(lambda state: release.wait(10) and "late answer", owner)
    task.done.connect(heard.append)
    task.failed.connect(heard.append)
    task.start()
    import shiboken6

    shiboken6.delete(owner)  # what closing a panel does to its children
    release.set()
    qtbot.waitUntil(lambda: not live_threads(), timeout=10_000)
    qtbot.waitUntil(lambda: not heard and not live_threads(), timeout=1_000)
    assert heard == []
