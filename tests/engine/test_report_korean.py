"""The report, the run comparison and the exports speak Korean when the app does (issue 17): the real sentences
of engine/report and engine/export, with their figures in place, and the report page marked ``lang="ko"``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.core.errors import ConfigError
from engine.core.run_layout import DeploymentFiles
from engine.data.loaders import Preprocessing
from engine.export.check import ExportCheck
from engine.export.deployment import readme
from engine.export.destination import ExportFormat, ExportPlan, refuse_existing
from engine.export.errors import ExportExists
from engine.export.exporter import ALLOW_REPLACING
from engine.export.metadata import preprocessing_record
from engine.export.onnx_format import unsupported_sentence
from engine.report.compare import ComparedRow, Comparison, compare_runs, text_width
from engine.report.facts import RunFacts
from engine.report.gallery import Gallery
from engine.report.model_card import limitations
from engine.report.page import Galleries, report_html
from engine.report.settings import setting_text
from engine.run.folder import RunFolder
from tests.korean_text import HANGUL
from tests.trained_run import TWO_CLASSES, one_torch_thread, shared_run


def empty_facts(run_dir: Path) -> RunFacts:
    """A run that recorded nothing yet: every section says so in a sentence of its own."""
    return RunFacts(RunFolder(run_dir), {"seed": 7, "deterministic": True}, None, None, (), None, None, None, None)


def no_galleries() -> Galleries:
    return Galleries(Gallery((), ""), Gallery((), ""))


def test_the_report_page_follows_the_language(korean: None, tmp_path: Path) -> None:
    page = report_html(empty_facts(tmp_path), no_galleries())
    assert '<html lang="ko">' in page
    for title in ("데이터", "모델과 시작 가중치", "전략과 선택 이유", "모든 설정", "가장 확신한 오답",
                  "Grad-CAM: 모델이 본 곳", "버전과 시드", "모델 카드"):
        assert f"<h2>{title}</h2>" in page
    assert "학습 실행 보고서" in page
    assert "이 실행에는 끝까지 마친 에포크가 기록되어 있지 않습니다." in page
    assert "저장된 모델을 아직 측정하지 않았습니다" in page
    assert "<th>시드</th><td>7</td>" in page and "<th>결정론적 알고리즘</th><td>예</td>" in page
    # The markup and the CSS stay as they are.
    assert '<section id="model-card">' in page and "font-family" in page


def test_the_report_page_is_english_by_default(tmp_path: Path) -> None:
    page = report_html(empty_facts(tmp_path), no_galleries())
    assert '<html lang="en">' in page and "<h2>The data</h2>" in page
    assert not HANGUL.search(page)


def test_a_trained_runs_report_is_korean_with_its_figures(korean: None,
                                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    with one_torch_thread():
        run = shared_run(tmp_path_factory, TWO_CLASSES)
        from engine.report.facts import read_facts

        facts = read_facts(run)
        page = report_html(facts, no_galleries())
    assert facts.evaluation is not None
    n = len(facts.evaluation.primary.labels)
    assert re.search(rf"(검증|테스트) 세트: 이미지 {n}장에서 정확도 \d+\.\d%, 균형 정확도 \d+\.\d%\.", page)
    assert "<th>정밀도</th>" in page and "<th>재현율</th>" in page and "혼동 행렬" in page
    assert "결정 임계값" in page and "민감도(찾아낸 양성)" in page
    assert f"정답 {facts.class_names[0]}" in page and f"예측 {facts.class_names[1]}" in page
    assert "불확실성:" in page and "의료기기" not in page


def test_the_model_cards_limitations_are_korean_sentences(korean: None, tmp_path: Path) -> None:
    lines = limitations(empty_facts(tmp_path))
    assert lines and all(HANGUL.search(line) for line in lines)
    assert lines[-1].startswith("검증 세트가 보여 주지 못하는 것")


def test_the_export_check_and_refusals_are_korean(korean: None, tmp_path: Path) -> None:
    passed = ExportCheck("ONNX", 32, "validation", 2.4e-06, 32, (32, 1)).sentence()
    assert passed == ("확인 완료: 검증 이미지 32장에서 ONNX 모델이 32장 모두 PyTorch와 같은 최상위 클래스를 내며, "
                      "로짓 차이는 2.4e-06 이내입니다(허용: 1e-03).")
    failed = ExportCheck("TorchScript", 8, "random", 0.25, 7, (8, 1)).sentence()
    assert failed.startswith("확인 실패: 무작위 입력 8개 중 TorchScript 모델이") and "7개뿐" in failed
    refused = unsupported_sentence(RuntimeError("No ONNX function found for <OpOverload(op='aten.cummax')>"))
    assert '"cummax"' in refused and "opset 20" in refused and "python -m engine predict" in refused
    assert HANGUL.search(refused)

    existing = tmp_path / "model.onnx"
    existing.write_bytes(b"x")
    plan = ExportPlan(tmp_path, ExportFormat.ONNX, existing, (existing, tmp_path / "model.onnx.check.json"))
    with pytest.raises(ExportExists) as caught:
        refuse_existing(plan, how_to_allow=ALLOW_REPLACING)
    assert "파일이 이미 있어 바꾸지 않았습니다" in str(caught.value) and "바꾸기 허용" in str(caught.value)
    assert ExportFormat.FOLDER.label == "배포 폴더" and ExportFormat.ONNX.label == "ONNX"


def test_the_deployment_readme_is_korean_and_keeps_its_commands(korean: None) -> None:
    files = DeploymentFiles(Path("out"))
    check = ExportCheck("ONNX", 32, "validation", 2.4e-06, 32, (32, 1))
    record = preprocessing_record("resnet18", ("ants", "bees"), Preprocessing.for_size(224))
    text = readme(files, check, record)
    assert text.startswith("# resnet18 이미지 분류기(클래스 2개)\n")
    assert "## 이미지 분류하기" in text and "pip install onnxruntime pillow numpy" in text
    assert "python predict.py photos/ --csv answers.csv    # " in text
    assert "짧은 변이 256픽셀이 되도록" in text and "가운데 224 x 224 픽셀" in text


def test_the_comparison_table_and_its_refusals_are_korean(korean: None, tmp_path: Path) -> None:
    rows = (ComparedRow("outcome", "결과", ("early stopped", "finished"), figure=True),
            ComparedRow("accuracy", "정확도", (0.5, 0.75), figure=True))
    comparison = Comparison((tmp_path / "a", tmp_path / "b"), ("a", "b"), (), rows, ())
    table = comparison.table_text()
    assert table.splitlines()[0].startswith("실행")
    assert "(모든 설정이 같음)" in table and "조기 종료" in table and "75.0%" in table
    # Hangul takes two columns in a terminal: the right-aligned values still end in one column.
    valued = [line for line in table.splitlines() if line.endswith(("%", "완료", "b"))]
    assert len(valued) == 3 and len({text_width(line) for line in valued}) == 1
    with pytest.raises(ConfigError, match="실행 폴더가 두 개 이상"):
        compare_runs([tmp_path])
    assert setting_text(False) == "아니요"
    assert "외 2개 (모두 10개)]" in setting_text(list(range(10)))
