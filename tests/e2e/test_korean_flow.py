"""The main flows on the command line of a Korean system (LANG=ko_KR.UTF-8): scan, advise, train and evaluate
speak Korean, with the numbers right (issue 17). Real subprocesses, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.core.i18n import LANGUAGE_VARIABLE
from tests.korean_text import english_words, has_hangul

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def korean_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {LANGUAGE_VARIABLE, "LANGUAGE", "LC_ALL", "LC_MESSAGES"}}
    env["LANG"] = "ko_KR.UTF-8"
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def english_lines(output: str) -> list[str]:
    """Lines a Korean reader could not read (tables of class names and numbers are fine)."""
    return [line for line in output.splitlines() if len(english_words(line)) >= 3 and not has_hangul(line)]


def test_scan_advise_train_and_evaluate_speak_korean(image_folder: Path, tmp_path: Path) -> None:
    scan = korean_cli("scan", image_folder)
    assert scan.returncode == 0, scan.stderr
    assert has_hangul(scan.stdout) and "36" in scan.stdout and not english_lines(scan.stdout), scan.stdout

    advise = korean_cli("advise", image_folder, "--weights", "none")
    assert advise.returncode == 0, advise.stderr
    assert has_hangul(advise.stdout) and not english_lines(advise.stdout), advise.stdout

    run = tmp_path / "run"
    train = korean_cli("train", image_folder, "--out", run, "--weights", "none", "--strategy", "full",
                       "--epochs", "2", "--image-size", "32", "--batch-size", "8")
    assert train.returncode == 0, train.stderr
    assert has_hangul(train.stdout) and not english_lines(train.stdout), train.stdout

    evaluate = korean_cli("evaluate", run)
    assert evaluate.returncode == 0, evaluate.stderr
    assert has_hangul(evaluate.stdout) and not english_lines(evaluate.stdout), evaluate.stdout


def test_a_refused_folder_is_explained_in_korean(tmp_path: Path) -> None:
    from tests.imagegen import make_image_folder

    make_image_folder(tmp_path / "one", {"cats": 3}, size=8)
    scan = korean_cli("scan", tmp_path / "one")
    assert scan.returncode == 2
    assert has_hangul(scan.stderr) and "Traceback" not in scan.stderr and not english_lines(scan.stderr)
