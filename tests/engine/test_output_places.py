"""Outputs that cannot be written (a folder given for a file, a missing folder, --out under a file, a read-only
or full disk, a run folder that becomes unwritable mid-training): exit 2 and one sentence naming the place
and what to do; never a traceback, never an empty or half-written file.

Tests run as root here, where chmod does not stop writes: places are made unwritable in ways that also hold
for root (a file where a folder is needed), or the operating system's refusal is injected where files are
written.
"""

from __future__ import annotations

import errno
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import engine.core.atomic
from engine.cli.main import main as cli_main
from engine.config import StopReason
from engine.jobs.training_job import run_training_job
from engine.run.events import EpochEnded
from tests.trained_run import copy_run, shared_run
from tests.trainkit import Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory)


def one_sentence_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "Errno" not in err and "PosixPath" not in err, err
    return lines[0]


@pytest.fixture
def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Make new files in the given folders fail as the operating system would (``state["errno"]``)."""
    state: dict[str, Any] = {"errno": errno.EROFS, "under": None, "when": lambda: True}
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        folder = Path(kwargs.get("dir") or ".")
        if state["under"] is not None and folder.is_relative_to(state["under"]) and state["when"]():
            raise OSError(state["errno"], "refused", str(folder))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine.core.atomic.tempfile, "mkstemp", mkstemp)
    yield state


# -- scan, evaluate, predict: --json / --csv ----------------------------------------------------------------


@pytest.mark.parametrize("option", ["--json", "--csv"])
def test_scan_output_given_as_a_folder_says_to_name_a_file(image_folder: Path, tmp_path: Path, option: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    assert cli_main(["scan", str(image_folder), option, str(folder)]) == 2
    line = one_sentence_error(capsys.readouterr().err)
    assert str(folder) in line and "is a folder" in line and "file name" in line
    assert list(folder.iterdir()) == []


def test_scan_output_in_a_missing_folder_says_to_create_it(image_folder: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no-such-folder" / "report.json"
    assert cli_main(["scan", str(image_folder), "--json", str(target)]) == 2
    line = one_sentence_error(capsys.readouterr().err)
    assert str(target.parent) in line and "does not exist" in line
    assert not target.parent.exists()


def test_scan_output_under_a_file_says_so(image_folder: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    assert cli_main(["scan", str(image_folder), "--csv", str(blocker / "report.csv")]) == 2
    line = one_sentence_error(capsys.readouterr().err)
    assert str(blocker) in line and "is a file, not a folder" in line


def test_scan_json_on_a_read_only_disk_leaves_the_old_file(image_folder: Path, tmp_path: Path,
                                                           refuse_writes: dict[str, Any],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    target.write_text('{"old": true}')
    refuse_writes["under"] = target.parent
    assert cli_main(["scan", str(image_folder), "--json", str(target)]) == 2
    line = one_sentence_error(capsys.readouterr().err)
    assert str(target.parent) in line and "read-only" in line
    assert target.read_text() == '{"old": true}', "a failed write never leaves an empty or half file"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_evaluate_json_given_as_a_folder_is_refused_before_evaluating(trained: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_run(trained, tmp_path / "run")
    assert cli_main(["evaluate", str(run), "--json", str(tmp_path), "--device", "cpu"]) == 2
    line = one_sentence_error(capsys.readouterr().err)
    assert str(tmp_path) in line and "is a folder" in line


def test_evaluate_into_a_read_only_run_folder_says_so(trained: Path, tmp_path: Path,
                                                      refuse_writes: dict[str, Any],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_run(trained, tmp_path / "run")
    refuse_writes["under"] = run
    assert cli_main(["evaluate", str(run), "--device", "cpu"]) == 2
    line = one_sentence_error(capsys.readouterr().err)
    assert str(run) in line and "read-only" in line


@pytest.mark.parametrize(("target", "words"), [("missing/table.csv", "does not exist"), ("", "is a folder")])
def test_predict_csv_that_cannot_be_written_is_refused_before_predicting(
        trained: Path, tmp_path: Path, target: str, words: str, capsys: pytest.CaptureFixture[str]) -> None:
    images = trained.parent / "images" / "red"
    assert cli_main(["predict", str(trained), str(images), "--csv", str(tmp_path / target)]) == 2
    captured = capsys.readouterr()
    assert words in one_sentence_error(captured.err)
    assert captured.out == "", "nothing was predicted"


def test_predict_csv_on_a_full_disk_says_so(trained: Path, tmp_path: Path, refuse_writes: dict[str, Any],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    refuse_writes.update(under=tmp_path, errno=errno.ENOSPC)
    out = tmp_path / "table.csv"
    images = trained.parent / "images" / "red"
    assert cli_main(["predict", str(trained), str(images), "--csv", str(out)]) == 2
    line = one_sentence_error(capsys.readouterr().err)
    assert str(tmp_path) in line and "disk is full" in line and not out.exists()


# -- train --out ------------------------------------------------------------------------------------------


TRAIN = ["--arch", "mobilenet_v3_small", "--weights", "none", "--strategy", "full", "--epochs", "1",
         "--image-size", "32", "--workers", "0", "--device", "cpu"]


def test_train_out_under_a_file_exits_2_with_a_sentence(image_folder: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert cli_main(["train", str(image_folder), "--out", str(blocker / "run"), *TRAIN]) == 2
    err = capsys.readouterr().err
    assert str(blocker) in err and "is a file, not a folder" in err
    assert "Traceback" not in err and "unexpected" not in err and "Errno" not in err


def test_train_out_on_a_read_only_disk_exits_2_with_a_sentence(image_folder: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "disk" / "run"
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.is_relative_to(tmp_path / "disk"):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    assert cli_main(["train", str(image_folder), "--out", str(target), *TRAIN]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "read-only" in err
    assert "Traceback" not in err and "unexpected" not in err and "Errno" not in err


def test_a_run_folder_made_unwritable_mid_training_stops_with_one_sentence(
        image_folder: Path, tmp_path: Path, refuse_writes: dict[str, Any],
        caplog: pytest.LogCaptureFixture) -> None:
    sink = Collector()
    run = tmp_path / "run"
    refuse_writes.update(under=run, errno=errno.EACCES, when=lambda: bool(sink.of(EpochEnded)))
    with caplog.at_level(logging.WARNING):
        finished = run_training_job(tiny_config(image_folder, epochs=3), run, sink)

    assert finished.reason is StopReason.FAILED
    assert finished.input_error, "exit code 2: the place given cannot be used"
    detail = finished.detail
    assert str(run) in detail and "permission" in detail and "continue" in detail, detail
    assert "Errno" not in detail and "PosixPath" not in detail, detail
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a failure the user can fix"
