"""The Data, Model and Strategy tabs speak Korean when the app does (gui/panels/data, model, strategy)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from engine.core.i18n import tr
from engine.models.heads import HeadOptions
from engine.strategy.table import Advised
from gui.panels.data.jobs import scan_job
from gui.panels.data.panel import DataPanel
from gui.panels.data.split_settings import SplitSettings
from gui.panels.model.layer_summary import stage_sentence
from gui.panels.model.model_text import head_sentence, run_choice_text
from gui.panels.model.panel import ModelPanel
from gui.panels.strategy.panel import StrategyPanel
from gui.panels.strategy.quadrant_chart import _SHORT
from gui.panels.strategy.trials_view import TrialsView
from tests.korean_text import HANGUL as _HANGUL


def _no_config() -> object:
    raise RuntimeError("not asked in these tests")


def test_the_data_tab_reports_a_folder_in_korean(qtbot: QtBot, korean: None, image_folder: Path) -> None:
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.browse.text() == "폴더 선택…" and panel.tabs.tabText(0) == "이미지"
    with qtbot.waitSignal(panel.report_changed, check_params_cb=lambda r: r is not None, timeout=30_000):
        panel.open_folder(image_folder)
    summary = panel.summary.text()
    assert "클래스 3개" in summary and "이미지 36장" in summary and "건너뜀 0개" in summary
    assert panel.message.text() == "이 폴더는 학습할 준비가 되었습니다."
    assert panel.thumbnails.status.text() == "이미지 12장"
    header = [panel.outcomes.model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert header == ["결과", "파일", "이유", "자세히"]
    assert panel.outcomes.filter.itemText(1) == "건너뜀"
    assert "학습" in panel.split.preview.text() and "검증" in panel.split.preview.text()
    panel.shutdown()


def test_a_missing_folder_is_refused_in_korean(korean: None, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="폴더가 없거나") as refused:
        scan_job(str(tmp_path / "nowhere"), {}, None)  # type: ignore[arg-type]
    assert str(tmp_path / "nowhere") in str(refused.value)


def test_the_split_preview_counts_images_in_korean(qtbot: QtBot, korean: None) -> None:
    split = SplitSettings()
    qtbot.addWidget(split)
    split.show_preview({"train": {"a": 1000, "b": 200}, "val": {"a": 30}, "test": {"a": 7}}, [])
    assert split.preview.text() == "학습 1,200장 · 검증 30장 · 테스트 7장"
    assert split.title() == "학습, 검증, 테스트" and split.grouping.itemText(0) == "그룹 없음: 이미지마다 따로"


def test_the_model_tab_describes_models_and_layers_in_korean(qtbot: QtBot, korean: None) -> None:
    panel = ModelPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 720)
    panel.show()
    qtbot.waitUntil(lambda: bool(panel.catalog), timeout=30_000)
    header = panel.table.horizontalHeaderItem(0)
    assert header is not None and header.text() == "모델"
    assert "파라미터" in panel.details.text() and "이미지로 학습되었습니다" in panel.details.text()
    assert panel.weights.title() == "시작 가중치" and panel.weights.imagenet.text() == "ImageNet (추천)"
    assert panel.head_note.text() == "새 출력 레이어: 사전 학습된 특징 → 내 클래스"
    qtbot.waitUntil(lambda: panel.layers.state is not None, timeout=30_000)
    tree = panel.layers.model
    assert [tree.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == ["레이어", "종류", "출력 형태"]
    assert tree.data(tree.index(0, 0)).endswith("(모델 전체)")
    assert panel.layers.slider_label.text().startswith("고정: ")
    assert "학습되는 파라미터" in panel.layers.params_line.text()
    panel.shutdown()


def test_the_model_sentences_keep_their_numbers_in_korean(korean: None) -> None:
    assert head_sentence(HeadOptions(dropout=0.2, hidden=128)) == (
        "새 출력 레이어: 드롭아웃 20% → 사전 학습된 특징 → 128 (ReLU) → 드롭아웃 20% → 내 클래스")
    stages = [SimpleNamespace(label=name) for name in ("Stem", "Stage 1", "Stage 2")]
    assert stage_sentence(stages, 1) == "고정: Stem (3개 단계 중 1개). 학습: Stage 1, Stage 2, 그리고 새 출력 레이어."
    assert stage_sentence(stages, 0) == "고정: 없음. 사전 학습된 모델의 3개 단계가 모두 학습합니다."
    run = SimpleNamespace(name="run-7", arch="resnet18", class_names=["a", "b", "c"], val_accuracy=None)
    assert run_choice_text(run, None) == "run-7 (resnet18, 클래스 3개)"


def test_the_strategy_tab_asks_and_compares_in_korean(qtbot: QtBot, korean: None) -> None:
    panel = StrategyPanel(_no_config)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    assert panel.advise_button.text() == "전략 추천" and panel.apply_button.text() == "이 계획 적용"
    assert panel.explanation.text() == "“전략 추천”을 누르세요."
    assert all(_HANGUL.search(tr(text)) for text in _SHORT.values())
    view = TrialsView()
    qtbot.addWidget(view)
    view.show_table([{"strategy": Advised.HEAD.value, "title": "x", "best_val_accuracy": 0.9, "best_epoch": 3,
                      "seconds": 12.4}])
    cells = [view.table.item(0, c) for c in (1, 3, 4)]
    assert [cell.text() if cell is not None else "" for cell in cells] == ["90.0%", "12초", "최고"]
    assert view.run_button.text() == "전략 비교" and view.epochs.suffix() == " 에포크씩"


def test_english_stays_the_default(qtbot: QtBot) -> None:
    panel = StrategyPanel(_no_config)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    assert panel.advise_button.text() == "Recommend a strategy"
    assert head_sentence(HeadOptions()) == "New output layer: pretrained features → your classes"
