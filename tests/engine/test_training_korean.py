"""The training, strategy and evaluation sentences in Korean (issue 17): real output of the engine's functions,
with the right values in it, while English stays the default."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from engine.config import EarlyStoppingConfig, Monitor, StopReason
from engine.evaluation.assessment import Baselines, TrainingFacts, assess
from engine.models.layers.stages import architecture_stages
from engine.strategy.advisor import advise
from engine.strategy.similarity_words import explain_similarity, verdict_sentence
from engine.strategy.table import Advised, SimilarityClass
from engine.training.callbacks.early_stopping import EarlyStopping
from engine.training.device import format_duration
from engine.training.outcomes import cancelled_sentence, finished_sentence, nonfinite_sentence
from engine.training.overfit import overfit_message
from engine.training.time_estimate import EpochWork, Forecast, forecast_message
from tests.korean_text import HANGUL


def _korean(text: str) -> bool:
    """Mostly Korean: Hangul, and no English sentence left in it."""
    return bool(HANGUL.search(text)) and not re.search(r"\b(the|and|is|was|of|your)\b", text)


class _Trainer:
    """What EarlyStopping asks of a trainer: where to put its stop request."""

    def __init__(self) -> None:
        self.stopped: tuple[StopReason, str] | None = None

    def request_stop(self, reason: StopReason, detail: str) -> None:
        self.stopped = (reason, detail)


def _early_stop(monitor: Monitor) -> str:
    stopping = EarlyStopping(EarlyStoppingConfig(enabled=True, patience=3, monitor=monitor))
    for epoch, loss in enumerate([1.0, 0.8, 0.9, 0.95, 0.99], start=1):
        stopping.update(epoch, loss, 1 - loss)
    trainer = _Trainer()
    stopping.on_epoch_end(trainer, SimpleNamespace(epoch=5))  # type: ignore[arg-type]
    assert trainer.stopped is not None
    return trainer.stopped[1]


def test_stop_reasons_and_the_overfitting_warning_are_korean(korean: None) -> None:
    reason = _early_stop(Monitor.VAL_LOSS)
    assert _korean(reason) and "조기 종료" in reason and "검증 손실" in reason and "에포크 3회" in reason
    assert "에포크 2" in reason and "에포크 5" in reason
    assert "검증 정확도" in _early_stop(Monitor.VAL_ACCURACY)
    warning = overfit_message(3, 2, 5, 10)
    assert _korean(warning) and "과적합" in warning and "에포크 3" in warning and "에포크 5" in warning
    assert "조기 종료가 꺼져" in overfit_message(3, 2, None, 10)
    finished = finished_sentence(10, 7, 0.9)
    assert "에포크 10회" in finished and HANGUL.search(finished)
    assert _korean(cancelled_sentence(4, 3)) and "에포크 4" in cancelled_sentence(4, 3)
    assert "0.001" in nonfinite_sentence(0.01, 2) and "학습률" in nonfinite_sentence(0.01, 0)


def test_durations_and_time_estimates_read_naturally_in_korean(korean: None) -> None:
    assert format_duration(180) == "3분 0초"
    assert format_duration(3725) == "1시간 2분"
    assert format_duration(42) == "42초"
    head, base = EpochWork("새 분류기만", 10, 2, 1.0), EpochWork("모든 레이어", 10, 2, 3.0)
    one = forecast_message(Forecast(1, (60.0, 60.0), (True, True), (head, head)), "cpu", early_stopping=True)
    assert one == "cpu에서 에포크 1회에 약 1분 0초, 전체 2회에 약 2분 0초 걸립니다(조기 종료로 일찍 끝나면 더 짧아집니다)."
    mixed = forecast_message(Forecast(2, (6.0, 16.0, 16.0), (True, False, False), (head, base, base)), "cpu",
                             early_stopping=False)
    assert "에포크 2(새 분류기만): 약 6초." in mixed
    assert "에포크 3–4(모든 레이어): 각각 대략 16초." in mixed
    assert "남은 에포크 3회: 대략 38초." in mixed and "보정됩니다" in mixed


def test_the_advisors_explanation_and_risk_are_korean(korean: None) -> None:
    stages = architecture_stages("resnet18")
    advice = advise({"a": 80, "b": 90}, stages, pretrained=True, similarity_override=SimilarityClass.DIFFERENT,
                    epochs=15)
    assert advice.strategy is Advised.PARTIAL
    text = advice.explanation
    assert "데이터셋 규모: 작음" in text and "클래스당 이미지가 약 85장" in text
    assert "이미지가 모델이 학습한 사진과 다르다고" in text
    assert "고정:" in text and "학습:" in text and "모멘텀 SGD" in text and "이유:" in text
    assert "\n\n이유: " in text  # the paragraphs stay where they were
    assert f"에포크 {advice.plan.head_warmup_epochs}회" in text
    assert not re.search(r"\b(the|and|your|with)\b", text)
    assert advice.risk.startswith("주요 위험:")
    assert Advised.HEAD.label == "새 분류기만 학습"
    scratch = advise({"a": 80, "b": 90}, stages, pretrained=False)
    assert "AdamW" in scratch.explanation and "사전 학습된 가중치가 없어서" in scratch.explanation


def _measured(**overrides: Any) -> SimpleNamespace:
    values = dict(mean_max_probability=0.96, recognition=0.9, probe_accuracy=0.5, probe_chance=0.5,
                  separability=0.0, familiarity=0.09, score=0.27, images_used=40)
    return SimpleNamespace(**(values | overrides))


def test_similarity_words_are_korean(korean: None) -> None:
    assert verdict_sentence(0.81).startswith("이미지가 이 모델이 학습한 일상 사진과 비슷해 보입니다. 유사도 0.81(최대 1")
    text = explain_similarity(_measured())
    assert "이미지 40장으로 측정:" in text and "인식 90%" in text and "친숙도 9%" in text and "분리도 0%" in text
    assert "인식 값은 반대쪽(높음)을 가리키지만, 친숙도 및 분리도 값의 비중이 더 커서 '유사하지 않음'" in text
    assert all(HANGUL.search(line) for line in text.splitlines())


def test_the_assessment_compares_with_chance_and_the_majority_in_korean(korean: None) -> None:
    base = Baselines.from_counts({"ants": 30, "bees": 50, "wasps": 20})
    assert base.sentence() == ("클래스 3개 중에서 무작위로 고르면 33.3%이고, 항상 가장 큰 클래스인 'bees'(이미지 100장 중 "
                               "50장)로 답하면 50.0%입니다.")
    weak = assess(0.375, {"a": 10, "b": 10, "c": 10, "d": 10}, TrainingFacts(train_loss=4.2, pretrained=False,
                                                                          epochs_trained=3))
    assert weak.verdict == "failing"
    assert "성능이 낮습니다" in weak.judgement and "4.20" in weak.judgement and "1.39" in weak.judgement
    assert weak.text().count("시도해 볼 것:") == 1 and "이번 실행은 에포크 3회" in weak.text()
    assert all(_korean(sentence) for sentence in weak.sentences)
    assert "두 기준보다 훨씬 높습니다" in assess(0.95, {"cats": 50, "dogs": 50}).judgement


def test_english_stays_the_default() -> None:
    assert format_duration(180) == "3 min 00 s"
    assert _early_stop(Monitor.VAL_LOSS).startswith("Stopped early at epoch 5 because the validation loss")
    assert Advised.HEAD.label == "Train only the new classifier"
