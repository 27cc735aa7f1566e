"""Issue 16: a run prepared without training (``train --prepare-only``) and trained later with ``--config``, on one
process and under torchrun (2 processes, gloo), keeping the split chosen when it was prepared."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli.main import main as cli_main
from engine.config import StopReason
from engine.core.run_layout import RunLayout
from engine.run.events import EpochEnded, RunFinished, RunStarted, read_events
from engine.run.start import is_unstarted
from tests.engine.test_distributed import LAUNCH_TIMEOUT_S, ROOT, _env, _free_port

ARGS = ["--arch", "resnet18", "--weights", "none", "--strategy", "full", "--image-size", "32", "--epochs", "1",
        "--batch-size", "8", "--device", "cpu", "--workers", "0", "--augmentation", "none", "--no-feature-cache"]


@pytest.fixture()
def prepared(image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    run = tmp_path / "run"
    assert cli_main(["train", str(image_folder), "--out", str(run), *ARGS, "--prepare-only"]) == 0
    assert "--config" in capsys.readouterr().out  # says how to start it
    return run


def test_prepare_only_writes_the_settings_and_the_split_and_trains_nothing(prepared: Path,
                                                                           image_folder: Path) -> None:
    layout = RunLayout(prepared)
    assert sorted(p.name for p in prepared.iterdir()) == sorted([layout.config.name, layout.split.name])
    saved = json.loads(layout.config.read_text(encoding="utf-8"))
    assert saved["data"]["data_dir"] == str(image_folder.resolve())  # startable from any working directory
    assert is_unstarted(prepared)


def test_config_trains_the_prepared_run_on_its_split(prepared: Path) -> None:
    layout = RunLayout(prepared)
    split = json.loads(layout.split.read_text(encoding="utf-8"))
    split["val"].append(split["train"].pop())  # not the split a new scan would make: the saved one must be used
    layout.split.write_text(json.dumps(split), encoding="utf-8")
    assert cli_main(["train", "--config", str(layout.config)]) == 0
    events = list(read_events(layout.events))
    started = next(e for e in events if isinstance(e, RunStarted))
    assert (started.train_images, started.val_images) == (len(split["train"]), len(split["val"]))
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [1]
    assert isinstance(events[-1], RunFinished) and events[-1].reason is StopReason.FINISHED
    assert json.loads(layout.split.read_text(encoding="utf-8"))["val"] == split["val"]
    assert layout.model.weights.exists()
    # Trained now: a second --config is refused (with what to do), and so are other options beside it.
    assert cli_main(["train", "--config", str(layout.config)]) == 2
    assert cli_main(["train", "--config", str(prepared), "--epochs", "3"]) == 2


def test_config_of_a_folder_that_is_no_run_is_one_sentence(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["train", "--config", str(tmp_path / "nothing" / "config.json")]) == 2
    err = capsys.readouterr().err
    assert "is not a run folder" in err and "Traceback" not in err


def test_prepare_only_refuses_a_folder_that_holds_a_run(prepared: Path, image_folder: Path) -> None:
    assert cli_main(["train", "--config", str(prepared)]) == 0
    before = RunLayout(prepared).events.read_bytes()
    assert cli_main(["train", str(image_folder), "--out", str(prepared), *ARGS, "--prepare-only"]) == 2
    assert RunLayout(prepared).events.read_bytes() == before


def test_torchrun_trains_a_prepared_run_with_two_processes(prepared: Path) -> None:
    layout = RunLayout(prepared)
    split = json.loads(layout.split.read_text(encoding="utf-8"))
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={_free_port()}",
         "-m", "engine", "train", "--config", str(layout.config)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    finished = [e for e in read_events(layout.events) if isinstance(e, RunFinished)]
    assert len(finished) == 1 and finished[0].reason is StopReason.FINISHED
    assert "process 2 of 2: finished after 1 epochs" in done.stderr
    assert json.loads(layout.config.read_text(encoding="utf-8"))["resolved"]["world_size"] == 2
    assert json.loads(layout.split.read_text(encoding="utf-8")) == split
