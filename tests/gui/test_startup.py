"""Start-up in two stages (issue 13 item 15): the window and its Data tab come up without torch, the other tabs
say "loading…" and work once the background import has finished.

Checked in a subprocess: pytest-qt and the other tests load torch into this process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.imagegen import make_image_folder

ROOT = Path(__file__).resolve().parents[2]

FIRST_STAGE = """
import os, sys, traceback
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer
from gui.app import create_application
from gui.main_window import MainWindow

def wait_for(condition, what):
    loop, poll = QEventLoop(), QTimer()
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    poll.start(10)
    QTimer.singleShot(90_000, loop.quit)
    loop.exec()
    poll.stop()
    assert condition(), 'gave up waiting for ' + what

def fail_now(kind, value, tb):  # an error in a slot must end the script, not wait for a timeout
    traceback.print_exception(kind, value, tb)
    os._exit(3)

sys.excepthook = fail_now
app = create_application([])
window = MainWindow(runner_kind='thread', runs_dir=Path(sys.argv[2]), staged=True)
window.show()
app.processEvents()
heavy = sorted(m for m in ('torch', 'torchvision', 'sklearn', 'pyqtgraph', 'matplotlib') if m in sys.modules)
assert not heavy, ('the first stage imported', heavy)
later = [window.tabs.tabText(i) for i in range(1, window.tabs.count()) if not window.tabs.isTabEnabled(i)]
assert len(later) == 6 and all('loading' in t for t in later), later

window.open_folder(sys.argv[1])  # the Data tab works: choose a folder, scan, report
wait_for(lambda: window.state.report is not None, 'the report')
assert window.data_panel.chart.bars() == [('blue', 5), ('red', 5)], window.data_panel.chart.bars()
assert 'torch' not in sys.modules, 'scanning a folder imported torch'

window.load_rest_in_background()
wait_for(lambda: window.is_loaded, 'the second stage')
assert 'torch' in sys.modules
texts = [window.tabs.tabText(i) for i in range(window.tabs.count())]
assert all(window.tabs.isTabEnabled(i) for i in range(window.tabs.count())) and not any('loading' in t for t in texts)
assert window.training_panel.dataset is window.state.report  # what the Data tab found reached the rest
assert window.tabs.currentWidget() is window.data_panel
window.shutdown()
print('ok')
"""


def test_the_first_window_scans_a_folder_without_torch_and_the_rest_loads_in_the_background(tmp_path: Path) -> None:
    folder = make_image_folder(tmp_path / "photos", {"red": 5, "blue": 5}, size=24)
    env_code = "import os; os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
    result = subprocess.run([sys.executable, "-c", env_code + FIRST_STAGE, str(folder), str(tmp_path / "runs")],
                            cwd=ROOT, capture_output=True, text=True, timeout=200,
                            env={**__import__("os").environ, "FINETUNE_STUDIO_HOME": str(tmp_path / "home")})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_the_screenshot_tour_imports_no_torch_while_the_second_stage_loads_it() -> None:
    # `main.py --screenshots` imports the tour as the second stage imports torch in the background: torch
    # imported on two threads at once fails half-way ("partially initialized module"), and the tour hung
    # behind the error dialog.
    code = "import sys, gui.tour; assert 'torch' not in sys.modules, 'importing the tour imported torch'"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
