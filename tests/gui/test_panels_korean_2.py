"""The Train, Results, Predict and Past runs tabs speak Korean when Korean is chosen (and English stays as it was)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from engine.config import EarlyStoppingConfig, Monitor
from engine.evaluation.predict import Prediction
from engine.run.events import BatchEnded, EpochEnded, RunStarted
from gui.panels.predict.panel import PredictPanel
from gui.panels.results.confusion_matrix import ConfusionMatrixView
from gui.panels.results.metrics_view import MetricsView
from gui.panels.results.saved_model import shown_title
from gui.panels.runs.panel import RunsPanel
from gui.panels.training import sentences
from gui.panels.training.panel import TrainingPanel
from tests.korean_text import HANGUL


def _text(item: QTableWidgetItem | None, tooltip: bool = False) -> str:
    assert item is not None
    return item.toolTip() if tooltip else item.text()


def _started(train: int = 1200, val: int = 300) -> RunStarted:
    return RunStarted(run_dir="run", epochs=5, steps_per_epoch=10, train_images=train, val_images=val,
                      classes=("a", "b"), device="CPU", trainable_params=1026, total_params=11_177_538)


def _epoch(stale: int) -> EpochEnded:
    return EpochEnded(epoch=3, train_loss=0.5, train_accuracy=0.8, val_loss=0.6, val_accuracy=0.7, lr=0.01,
                      seconds=4.0, train_images_per_s=100.0, is_best=False, stale_epochs=stale)


def _metrics() -> dict[str, object]:
    per_class = {"benign": {"precision": 0.9, "recall": 0.8, "f1": 0.85, "support": 10},
                 "malignant": {"precision": 0.7, "recall": 0.8, "f1": 0.75, "support": 5}}
    average = {"precision": 0.8, "recall": 0.8, "f1": 0.8}
    return {"n_images": 1500, "accuracy": 0.8, "balanced_accuracy": 0.79, "macro_avg": average,
            "weighted_avg": average, "calibration": {"ece": 0.05}, "per_class": per_class,
            "class_names": ["benign", "malignant"]}


def test_the_train_tab_speaks_korean(qtbot, korean: None) -> None:  # type: ignore[no-untyped-def]
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    assert (panel.train_button.text(), panel.pause_button.text(), panel.stop_button.text()) == (
        "학습 시작", "일시 정지", "중지")
    assert [g.title() for g in panel.options.groups][:2] == ["기본", "학습 방식"]
    panel.begin()
    panel.on_events([_started()])
    assert panel.status.text().startswith("CPU에서 학습합니다. 학습 이미지 1,200장, 검증 이미지 300장")
    assert "파라미터 11,177,538개 중 1,026개" in panel.status.text()
    panel.on_events([BatchEnded(epoch=2, step=3, steps=10, loss=0.4, accuracy=0.9, lr=0.001,
                                images_per_s=1234.0, gpu_memory_mb=2048.0)])
    assert panel.eta.text() == "에포크 2/5"
    assert panel.live.text() == "초당 이미지 1,234장 · 학습률 0.001 · GPU 메모리 2.0 GB"
    panel._on_pause_clicked()
    assert panel.pause_button.text() == "계속"


def test_early_stopping_is_explained_in_korean(korean: None) -> None:
    cfg = EarlyStoppingConfig(enabled=True, monitor=Monitor.VAL_LOSS, patience=4, min_delta=0.01)
    text = sentences.stopping_sentence(cfg, _epoch(2), best_epoch=1)
    assert text.startswith("조기 종료는 검증 손실을 지켜봅니다. 0.01보다 크게 개선되지 않는 에포크가 4회")
    assert text.endswith("지금까지 가장 좋은 에포크: 1. 개선 없는 에포크: 4회 중 2회.")
    off = EarlyStoppingConfig(enabled=False, monitor=Monitor.VAL_ACCURACY)
    assert sentences.stopping_sentence(off, None, 0) == "조기 종료가 꺼져 있습니다. 검증 정확도가 가장 좋은 모델을 남깁니다."


def test_english_sentences_are_unchanged() -> None:
    assert sentences.started_sentence(_started(1, 2)) == (
        "Training on CPU: 1 training image, 2 validation images, 1,026 of 11,177,538 parameters trained.")
    cfg = EarlyStoppingConfig(enabled=True, monitor=Monitor.VAL_ACCURACY, patience=1, min_delta=0.0,
                              restore_best=False)
    assert sentences.stopping_sentence(cfg, _epoch(0), best_epoch=3) == (
        "Early stopping watches the validation accuracy: training stops after 1 epoch without improving; the last "
        "model is kept. Best so far: epoch 3. Epochs without improvement: 0 of 1.")


def test_the_results_figures_speak_korean(qtbot, korean: None) -> None:  # type: ignore[no-untyped-def]
    view = MetricsView()
    qtbot.addWidget(view)
    view.subject = "저장된 모델(에포크 7), 검증 세트"
    view.set_metrics(_metrics())
    headers = [_text(view.table.horizontalHeaderItem(c)) for c in range(view.table.columnCount())]
    assert headers == ["클래스", "정밀도", "재현율", "F1", "이미지"]
    summary = view.summary.text()
    assert summary.startswith("저장된 모델(에포크 7), 검증 세트: 이미지 1,500장")
    assert "정확도 80.0%" in summary and "균형 정확도 79.0%" in summary
    assert _text(view.table.item(2, 0)) == "매크로 평균"
    assert view.binary_box.title() == "결정 임계값 (클래스 2개)"
    assert shown_title("Validation set") == "검증 세트" and shown_title("Folder new") == "폴더 new"
    matrix = ConfusionMatrixView()
    qtbot.addWidget(matrix)
    matrix.set_matrix(np.array([[8, 2], [1, 4]]), ["benign", "malignant"])
    assert _text(matrix.table.item(0, 1), tooltip=True) == (
        "benign 이미지 10장 중 2장을 malignant(으)로 답했습니다(20%). 클릭하면 이미지를 볼 수 있습니다.")


def test_predict_and_past_runs_speak_korean(qtbot, korean: None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = PredictPanel()
    qtbot.addWidget(panel)
    assert panel.save_button.text() == "표를 CSV로 저장…"
    rows = panel.rows
    headers = [rows.headerData(c, Qt.Orientation.Horizontal)
               for c in range(rows.columnCount())]
    assert headers == ["파일", "예측 클래스", "확신도", "확실하지 않음"]
    panel.show_predictions([Prediction(path=str(tmp_path / "a.png"), top=(("benign", 0.55), ("malignant", 0.45))),
                            Prediction(path=str(tmp_path / "b.png"), top=(), error="broken")])
    assert "파일 1개를 읽을 수 없습니다." in panel.message.text()
    texts = {rows.data(rows.index(r, c)) for r in range(2) for c in range(4)}
    assert "확실하지 않음" in texts and "읽을 수 없음: broken" in texts
    runs = RunsPanel(root=tmp_path)
    qtbot.addWidget(runs)
    headers = [_text(runs.table.horizontalHeaderItem(c)) for c in range(runs.table.columnCount())]
    assert headers == ["실행", "모델", "에포크", "저장된 모델: 검증 정확도", "결과"]
    assert HANGUL.search(runs.detail.text())
    assert runs.resume_button.text() == "재개" and runs.results_button.text() == "결과 보기"
