"""The worst stall of the window's event loop in each phase of a session (issue 13 item 16; goal: none > 50 ms).

A 5 ms QTimer ticks on the GUI thread of the real window (offscreen, the real training child); a stall is
the time between two ticks minus the 5 ms. Phases, in order, each with its worst stall and how many ticks
came more than 50 ms late:

* loading: the second stage importing in the background (torch, the model list), while the first is usable;
* scanning: the Data tab reads the folder;
* training: a run of ``--epochs`` epochs in the child process (live plots, progress);
* end of run: from the run's end until its results are on the Results tab (the model, its evaluation files,
  the figures) and the Predict tab has the model;
* predicting: the Predict tab classifies ``--predict`` images of the folder in the background;
* big table: 10,000 answers put in the Predict table, re-flagged ("not sure" threshold) and sorted.

    .venv/bin/python bench/bench_gui_stalls.py                       # ../shared hymenoptera/train, or generated
    .venv/bin/python bench/bench_gui_stalls.py --data DIR --epochs 2 --image-size 128

The machine's load (other programs) shows up as stalls too: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchlib import DEFAULT_DATA, ROOT, private_home

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

TICK_MS = 5
LATE_MS = 50


class StallProbe:
    """Records the gaps between the ticks of a 5 ms timer, per phase. With ``where``, a watchdog thread notes
    what the GUI thread was doing during each late tick (its Python stack), to find the cause."""

    def __init__(self, where: bool = False) -> None:
        from PySide6.QtCore import QTimer

        self.causes: dict[str, int] = {}
        if where:
            threading.Thread(target=self._watch, args=(threading.get_ident(),), daemon=True).start()
        self.phase = "start"
        self.worst: dict[str, float] = {}
        self.late: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()
        self._phase_start = self._last
        self._timer = QTimer()
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        stall = (now - self._last) * 1000 - TICK_MS
        self._last = now
        self.worst[self.phase] = max(self.worst.get(self.phase, 0.0), stall)
        self.late[self.phase] = self.late.get(self.phase, 0) + (stall > LATE_MS)

    def _watch(self, gui_thread: int) -> None:
        noted = 0.0
        while True:
            time.sleep(0.01)
            last = self._last
            if (time.perf_counter() - last) * 1000 > LATE_MS and last != noted:
                noted = last
                frame = sys._current_frames().get(gui_thread)
                stack = traceback.extract_stack(frame)[-6:] if frame is not None else []
                ours = [f for f in stack if str(ROOT) in f.filename] or stack
                where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(ours[-3:]))
                key = f"{self.phase}: {where}"
                self.causes[key] = self.causes.get(key, 0) + 1

    def begin(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[self.phase] = now - self._phase_start
        self.phase, self._phase_start = phase, now
        self.worst.setdefault(phase, 0.0)
        self.late.setdefault(phase, 0)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop, poll = QEventLoop(), QTimer()
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    poll.start(5)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    poll.stop()
    if not condition():
        raise SystemExit(f"gave up waiting for {what} after {timeout_s:.0f} s")


def generated_folder() -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.imagegen import make_image_folder

    return make_image_folder(Path(tempfile.mkdtemp(prefix="bench-stalls-")) / "photos",
                             {"red": 60, "green": 60, "blue": 60, "yellow": 60}, size=96, ext=".jpg")


def ten_thousand_answers() -> list[object]:
    from engine.evaluation.predict import Prediction

    return [Prediction(f"/photos/{'ants' if i % 2 else 'bees'}/{i:05d}.jpg",
                       (("ants", 0.5 + (i % 500) / 1000), ("bees", 0.5 - (i % 500) / 1000)), (0.5, 0.5))
            for i in range(10_000)]


def session(args: argparse.Namespace, probe: StallProbe) -> None:
    from PySide6.QtCore import Qt

    from engine.run.events import RunFinished
    from gui.app import show_window

    window = show_window(runs_dir=Path(tempfile.mkdtemp(prefix="bench-stalls-runs-")))
    window.resize(1280, 800)
    probe.begin("loading")
    wait_until(lambda: window.is_loaded and bool(window.model_panel.catalog), 600, "the second stage")
    probe.begin("scanning")
    window.open_folder(args.data)
    wait_until(lambda: window.state.report is not None, 600, "the report")
    window.model_panel.set_weights(args.weights)
    window.training_panel.set_basics(epochs=args.epochs, image_size=args.image_size, batch_size=16)
    ended: list[object] = []
    window.controller.finished.connect(ended.append)
    # The run's last event starts "end of run": the window's own handling of its end belongs to that phase.
    window.controller.events.connect(
        lambda events: probe.begin("end of run") if any(isinstance(e, RunFinished) for e in events) else None)
    assert window.controller.runner_kind == "process"
    window.controller.prewarm()
    wait_until(lambda: window.controller._warm is not None and window.controller._warm.warm, 600,
               "the warm training child")
    probe.begin("training")
    window.start_training()
    wait_until(lambda: bool(ended), 3600, "the end of training")
    results = window.results_panel
    wait_until(lambda: results.evaluation is not None and not results.busy and not results.mistakes.loading,
               600, "the results")
    probe.begin("predicting")
    images = sorted(p for p in Path(args.data).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    window.predict_panel.predict_paths(images[:args.predict])
    wait_until(lambda: not window.predict_panel.busy and not window.predict_panel.gradcam.busy, 600,
               "the predictions")
    answers = ten_thousand_answers()  # made before the phase: the bench's own work is not the window's
    probe.begin("big table")
    window.tabs.setCurrentWidget(window.predict_panel)
    window.predict_panel.show_predictions(answers)
    window.predict_panel.unsure.setValue(80)
    window.predict_panel.table.sortByColumn(0, Qt.DescendingOrder)
    wait_until(lambda: not window.predict_panel.gradcam.busy, 600, "the Grad-CAM of the selected row")
    probe.begin("done")
    window.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA if DEFAULT_DATA.is_dir() else None,
                        help="image folder (default: ../shared/datasets/hymenoptera/train, else generated)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--weights", default="none", help="starting weights: none, imagenet or a file")
    parser.add_argument("--predict", type=int, default=200, help="how many of the folder's images to predict")
    parser.add_argument("--where", action="store_true", help="also say what the GUI thread did when it stalled")
    args = parser.parse_args()
    private_home()
    if args.data is None:
        args.data = generated_folder()
    from gui.app import create_application

    app = create_application([])
    probe = StallProbe(args.where)
    started = time.perf_counter()
    session(args, probe)
    app.processEvents()
    print(f"{args.data}, {args.epochs} epochs at {args.image_size} px; {time.perf_counter() - started:.0f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'phase':<14}{'seconds':>9}{'worst stall (ms)':>18}{f'ticks > {LATE_MS} ms late':>22}")
    for phase in ("loading", "scanning", "training", "end of run", "predicting", "big table"):
        print(f"{phase:<14}{probe.seconds.get(phase, 0):>9.1f}{probe.worst.get(phase, 0):>18.0f}"
              f"{probe.late.get(phase, 0):>22}")
    for cause, count in sorted(probe.causes.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {count:>4} x  {cause}")


if __name__ == "__main__":
    main()
