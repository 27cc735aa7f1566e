"""The Train tab on a computer with several GPUs: "Use all N GPUs" and which ones, and Train then runs one
torchrun launch followed live (issue 16, item 2). This machine has no GPU: the launch itself runs on the CPU
with gloo, as torchrun does there, and the list of GPUs is given to the widget as a two-GPU computer lists it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from engine.config import StopReason
from engine.core.run_layout import RunLayout
from engine.training.device import GpuInfo, several_gpu_devices
from gui.panels.training.gpu_choice import GpuChoice

TWO_GPUS = [GpuInfo(0, "NVIDIA RTX A6000", 47.5), GpuInfo(1, "NVIDIA RTX A6000", 47.5)]


def test_without_several_gpus_nothing_is_offered(qtbot) -> None:  # type: ignore[no-untyped-def]
    tab = QWidget()
    qtbot.addWidget(tab)
    choice = GpuChoice(several_gpu_devices(), tab)  # this computer: no CUDA device
    tab.show()
    assert not choice.isVisible() and choice.chosen() == ()


def test_use_all_gpus_and_which_ones(qtbot) -> None:  # type: ignore[no-untyped-def]
    tab = QWidget()
    qtbot.addWidget(tab)
    choice = GpuChoice(TWO_GPUS, tab)
    tab.show()
    assert choice.isVisible() and choice.use_several.text() == "Use all 2 GPUs"
    assert [box.text() for box in choice.boxes] == ["GPU 0: NVIDIA RTX A6000 (48 GB)", "GPU 1: NVIDIA RTX A6000 (48 GB)"]
    assert choice.chosen() == ()  # one GPU unless asked
    choice.use_several.setChecked(True)
    assert choice.chosen() == (0, 1) and "2 GPUs together" in choice.note.text()
    choice.boxes[0].setChecked(False)
    assert choice.chosen() == () and "at least two" in choice.note.text()


@pytest.mark.slow
def test_train_on_two_gpus_is_one_torchrun_launch_with_live_plots(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from gui.main_window import MainWindow
    from tests.gui.test_main_window import open_and_wait, small_settings
    from tests.imagegen import make_image_folder

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # two processes share this machine's cores
    monkeypatch.setenv("FINETUNE_STUDIO_DIST_TIMEOUT_S", "60")
    window = MainWindow(runner_kind="process", runs_dir=tmp_path / "runs")
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: bool(window.model_panel.catalog), timeout=60_000)
        open_and_wait(qtbot, window, make_image_folder(tmp_path / "images"))
        small_settings(window, epochs=2)
        panel = window.training_panel
        panel.gpu_choice.set_devices(TWO_GPUS)
        panel.gpu_choice.use_several.setChecked(True)
        with qtbot.waitSignal(window.controller.finished, timeout=240_000) as ended:
            panel.train_button.click()
            assert not panel.gpu_choice.isEnabled()  # the choice is fixed while the run trains
        run = window.controller.run_dir
        assert run is not None
        finished = ended.args[0] if ended.args else None
        assert finished is not None and finished.reason is StopReason.FINISHED, finished and finished.detail
        assert [e.epoch for e in panel.history.epochs] == [1, 2]  # the live plots got every epoch
        config = json.loads(RunLayout(run).config.read_text(encoding="utf-8"))
        assert config["resolved"]["world_size"] == 2
    finally:
        window.shutdown()
