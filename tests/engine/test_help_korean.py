"""The glossary, the guide, the write failures and the training job speak Korean when the app does (issue 17),
and the training child speaks its parent's language."""

from __future__ import annotations

import errno
import multiprocessing as mp
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from engine.core.i18n import LANGUAGE_VARIABLE, current_language, set_language, tr
from engine.core.output_files import describe_write_failure, output_file_problem
from engine.help.glossary import TERMS, entries, layer_tip, option_tip, term, tip
from engine.help.guide import TAB_KEYS, guide
from engine.jobs import runner
from engine.run.events import Notice
from tests.korean_text import HANGUL as _HANGUL


def test_the_glossary_speaks_korean(korean: None) -> None:
    assert term("precision").name == "정밀도" and "(precision)" in term("precision").tip
    assert tip("recall").startswith("재현율: 실제로 이 클래스인 이미지 가운데")
    assert term("overfitting").name == "과적합(overfitting)"
    assert all(_HANGUL.search(term(key).name + term(key).tip) for key in TERMS)
    assert layer_tip("BatchNorm2d").startswith("배치 정규화")
    assert layer_tip("SwinTransformerBlockV2").startswith("안에 있는 레이어들로")
    assert layer_tip("Unheard") == "모델의 한 부분입니다. 담고 있는 것은 그 아래에 나열됩니다."
    assert option_tip("optim.epochs", "모든 학습 이미지를 보는 횟수입니다.") == (
        "모든 학습 이미지를 보는 횟수입니다. 예를 들어 이미지 500장으로 에포크 10회를 학습하면 모델은 각 이미지를 "
        "10번 봅니다.")
    assert all(_HANGUL.search(text) for _, text in entries())


def test_the_guide_speaks_korean_and_keeps_its_keys(korean: None) -> None:
    sections = guide()
    assert [s.key for s in sections][:3] == ["fine-tuning", "strategies", "situations"]
    assert set(TAB_KEYS) <= {s.key for s in sections}
    assert sections[0].title == "파인튜닝이란" and "사전 학습된 모델" in sections[0].paragraphs[0]
    assert all(_HANGUL.search(s.title) and all(_HANGUL.search(p) for p in s.paragraphs) for s in sections)
    words = sections[-1]
    assert words.title == "앱에서 쓰는 용어" and any(p.startswith("정밀도: ") for p in words.paragraphs)


def test_the_guide_is_english_again_after_switching_back(korean: None) -> None:
    set_language("en")
    assert guide()[0].title == "What fine-tuning is" and term("precision").name == "Precision"


def test_a_write_failure_is_told_in_korean(korean: None, tmp_path: Path) -> None:
    place = tmp_path / "report.json"
    text = describe_write_failure(place, OSError(errno.EROFS, "Read-only file system"))
    assert text == f"파일 {place}을(를) 저장하지 못했습니다: 디스크가 읽기 전용입니다. 다른 디스크의 위치를 고르세요."
    then = describe_write_failure(tmp_path, OSError(errno.ENOSPC, "No space left"), tr("The folder {path}",
                                  path=str(tmp_path)), then="실행을 이어서 진행하세요")
    assert then.endswith("디스크가 가득 찼습니다. 디스크 공간을 확보한 다음 실행을 이어서 진행하세요.")
    missing = output_file_problem(tmp_path / "nowhere" / "out.json")
    assert missing is not None and "nowhere 폴더가 없습니다" in missing and "쓸 수 없습니다" in missing


def test_english_write_failures_are_unchanged(tmp_path: Path) -> None:
    place = tmp_path / "report.json"
    assert describe_write_failure(place, OSError(errno.EACCES, "Permission denied"), then="continue the run") == (
        f"The file {place} could not be written: you have no permission to write there. Allow writing in that "
        "folder and continue the run.")


def test_the_training_job_speaks_korean(korean: None, tmp_path: Path) -> None:
    from engine.jobs.training_job import write_report_after_training  # torch: not in the spawned child below

    assert "코드 -9" not in runner._death_sentence(-9, True)
    died = runner._death_sentence(3, resumable=True)
    assert "(코드 3)" in died and died.endswith("training.log에 있습니다. 재개를 누르면 마지막 체크포인트부터 이어서 학습합니다.")
    (tmp_path / "report.html").write_text("earlier", encoding="utf-8")
    said: list[Any] = []
    trainer: Any = SimpleNamespace(run_dir=tmp_path, emit=said.append)
    finished: Any = SimpleNamespace(succeeded=True, model_saved=True)
    assert write_report_after_training(trainer, finished) is finished
    assert isinstance(said[0], Notice) and said[0].message.startswith("이 실행의 이전 report.html은 그대로")


def test_a_training_job_carries_the_parents_language(korean: None, tmp_path: Path) -> None:
    from tests.trainkit import tiny_config

    assert runner._job(tiny_config(tmp_path), tmp_path, False, runner.TRAIN)["language"] == "ko"


def test_the_training_child_is_started_in_the_parents_language(korean: None) -> None:
    started: list[tuple[Any, ...]] = []

    class Process:
        def __init__(self, *, target: Any, args: tuple[Any, ...], name: str, daemon: bool) -> None:
            started.append(args)

        def start(self) -> None:
            pass

    process_runner = runner.ProcessRunner()
    context = process_runner._ctx
    fake: Any = SimpleNamespace(Queue=context.Queue, Event=context.Event, Pipe=context.Pipe, Process=Process)
    process_runner._ctx = fake
    process_runner.prewarm()
    assert started[0][-1] == "ko"


def _child_language(language: str, answers: Any) -> None:
    runner.speak(language)
    answers.put((os.environ.get(LANGUAGE_VARIABLE), current_language(), tr("Writing the run's report")))


def test_a_child_that_speaks_korean_has_it_in_its_environment() -> None:
    # conftest gives every child FINETUNE_STUDIO_LANG=en: the child itself must switch, as _child_main does.
    context = mp.get_context("spawn")
    answers = context.Queue()
    child = context.Process(target=_child_language, args=("ko", answers))
    child.start()
    try:
        assert answers.get(timeout=60) == ("ko", "ko", "실행 보고서 작성 중")
    finally:
        child.join(10)
