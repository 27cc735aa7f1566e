"""The real app, started as a user would, ended with SIGTERM: it closes cleanly and takes its warm child along."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imagegen import make_image_folder
from tests.processes import child_pids, command_line, kill_quietly, wait_for_exit, wait_until

ROOT = Path(__file__).resolve().parents[2]


def _training_child(app: int) -> int | None:
    return next((pid for pid in child_pids(app) if "multiprocessing.spawn" in command_line(pid)), None)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the app's child process through /proc")
def test_sigterm_closes_the_app_cleanly_and_ends_its_warm_training_child(tmp_path: Path) -> None:
    data = make_image_folder(tmp_path / "images")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OMP_NUM_THREADS": "1"}
    log = tmp_path / "app-output.txt"
    with open(log, "w") as output:  # a file, not a pipe: a child left running would hold a pipe open
        app = subprocess.Popen([sys.executable, "main.py", str(data)], cwd=ROOT, env=env, stdout=output,
                               stderr=subprocess.STDOUT)
    child = None
    try:
        assert wait_until(lambda: _training_child(app.pid) is not None or app.poll() is not None, 120)
        child = _training_child(app.pid)
        assert child is not None, log.read_text()
        app.send_signal(signal.SIGTERM)
        code = app.wait(60)
        assert code == 0, f"the app did not close itself (exit code {code}): {log.read_text()}"
        assert wait_for_exit(child, 10), "the warm training child outlived the app"
    finally:
        app.kill()
        app.wait(30)
        if child is not None:
            kill_quietly(child)
