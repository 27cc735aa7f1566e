"""`python -m engine` in Korean: ``--lang ko`` (anywhere on the line) or a Korean ``LANG``; English otherwise."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli.arg_types import number, whole
from engine.cli.main import language_in_argv, main
from engine.cli.train import print_event
from engine.core.i18n import LANGUAGE_VARIABLE, set_language
from engine.run.events import EpochEnded
from tests.korean_text import HANGUL

ROOT = Path(__file__).resolve().parents[2]
EPOCH = EpochEnded(epoch=3, train_loss=0.5, train_accuracy=0.8, val_loss=0.6, val_accuracy=0.75, lr=0.01, seconds=2.0,
                   train_images_per_s=100.0, is_best=True)


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=240, env=env)


def korean_locale_env() -> dict[str, str]:
    """The environment of a Korean desktop: LANG only (the tests' FINETUNE_STUDIO_LANG=en taken away)."""
    env = {k: v for k, v in os.environ.items() if k not in (LANGUAGE_VARIABLE, "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "ko_KR.UTF-8"
    return env


def test_lang_ko_prints_the_scan_summary_in_korean(image_folder: Path) -> None:
    result = cli("--lang", "ko", "scan", image_folder)
    assert result.returncode == 0, result.stderr
    assert "blue\t12" in result.stdout
    assert "클래스 3개, 이미지 36장" in result.stdout


def test_lang_after_the_command_works_too(image_folder: Path) -> None:
    result = cli("scan", image_folder, "--lang=ko")
    assert result.returncode == 0, result.stderr
    assert "클래스 3개, 이미지 36장" in result.stdout


def test_help_texts_and_argparse_headings_are_korean_with_lang_ko() -> None:
    result = cli("--lang", "ko", "scan", "--help")
    assert result.returncode == 0
    assert "사용법:" in result.stdout and "옵션:" in result.stdout
    assert "모든 파일을 다시 읽음 (점검 캐시 무시)" in result.stdout
    assert "--no-cache" in result.stdout  # the option names stay as they are


def test_a_korean_lang_makes_the_cli_korean_without_lang() -> None:
    result = cli("glossary", "no-such-term", env=korean_locale_env())
    assert result.returncode == 2
    assert "오류:" in result.stderr and "no-such-term" in result.stderr
    assert "'python -m engine glossary'" in result.stderr
    bad = cli("layers", "--arch", "resnet18", "--image-size", "3", env=korean_locale_env())
    assert bad.returncode == 2
    assert "정수여야 합니다 (입력값: 3)" in bad.stderr


def test_lang_en_wins_over_a_korean_lang() -> None:
    result = cli("--lang", "en", "glossary", "no-such-term", env=korean_locale_env())
    assert result.returncode == 2
    assert "error: no term contains 'no-such-term'" in result.stderr
    assert not HANGUL.search(result.stderr)


def test_an_unknown_language_is_refused_by_the_parser() -> None:
    result = cli("--lang", "fr", "glossary")
    assert result.returncode == 2
    assert "invalid choice: 'fr'" in result.stderr


def test_language_in_argv_reads_both_spellings_and_stops_at_double_dash() -> None:
    assert language_in_argv(["--lang", "ko", "scan", "d"]) == "ko"
    assert language_in_argv(["scan", "d", "--lang=ko"]) == "ko"
    assert language_in_argv(["scan", "--", "--lang", "ko"]) is None
    assert language_in_argv(["scan", "d"]) is None


def test_in_process_main_speaks_korean_and_passes_it_to_child_processes(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        assert main(["--lang", "ko", "glossary", "no-such-term"]) == 2
        assert os.environ[LANGUAGE_VARIABLE] == "ko"  # a training child speaks its parent's language
    finally:
        set_language("en")
    assert "용어가 없습니다" in capsys.readouterr().err


def test_range_errors_are_korean_sentences_with_the_values(korean: None) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="1 이상 64 이하의 정수여야 합니다 \\(입력값: 0\\)"):
        whole(1, 64)("0")
    with pytest.raises(argparse.ArgumentTypeError, match="0보다 큰 수여야 합니다 \\(입력값: -1\\)"):
        number(above=0)("-1")


def test_the_epoch_line_is_korean(korean: None, capsys: pytest.CaptureFixture[str]) -> None:
    print_event(EPOCH)
    out = capsys.readouterr().out
    assert "에포크   3" in out and "학습 손실 0.5000" in out and "검증 손실 0.6000 정확도 0.750" in out
    assert out.rstrip().endswith("*최고")


def test_english_stays_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    print_event(EPOCH)
    assert capsys.readouterr().out == ("epoch   3  train loss 0.5000 acc 0.800  val loss 0.6000 acc 0.750  "
                                       "2.0s  *best\n")
