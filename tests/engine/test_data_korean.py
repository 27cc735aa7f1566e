"""The data scan's reasons, the health report's checks, the split's warnings and the run folder's errors speak
Korean when the app does (issue 17), and English stays the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.errors import ConfigError
from engine.core.i18n import set_language
from engine.data.augment import describe
from engine.data.checks import imbalance_sentence
from engine.data.reasons import reason_label
from engine.data.report import scan_image_folder
from engine.data.scan.records import Outcome
from engine.run.folder import RunFolder
from engine.run.listing import saved_model_label
from engine.run.location import RunLocationError, check_run_location
from tests.imagegen import make_image_folder
from tests.korean_text import HANGUL as _HANGUL


def _messy_folder(root: Path) -> Path:
    make_image_folder(root, {"cats": 4, "dogs": 4})
    (root / "cats" / "empty.jpg").write_bytes(b"")
    (root / "dogs" / "page.png").write_text("<!doctype html><html><body>404</body></html>", encoding="utf-8")
    (root / "only").mkdir()
    return root


def test_the_scan_says_why_each_file_was_skipped_in_korean(tmp_path: Path, korean: None) -> None:
    report = scan_image_folder(_messy_folder(tmp_path / "pets"), use_cache=False)
    by_name = {Path(f.path).name: f for f in report.files}
    empty, page = by_name["empty.jpg"], by_name["page.png"]
    assert (empty.reason, page.reason) == ("empty_file", "html_not_image")  # the codes stay English
    assert "0바이트" in empty.message and "다시 복사하세요" in empty.message
    assert "웹 페이지(HTML)" in page.message and ".png" in page.message
    assert reason_label(empty.reason) == "빈 파일(0바이트)"
    assert Outcome(empty.outcome).label == "건너뜀"
    # The health report: an empty class blocks, in Korean, naming the class.
    empty_class = [p.message for p in report.blocking if p.code == "empty_class"]
    assert empty_class and '"only"' in empty_class[0] and _HANGUL.search(empty_class[0])
    skipped = [w.message for w in report.warnings if w.code == "files_skipped"]
    assert skipped and skipped[0].startswith("파일 2개를 사용하지 않습니다")


def test_the_scan_cache_keeps_each_language_apart(tmp_path: Path) -> None:
    folder = _messy_folder(tmp_path / "pets")
    english = {Path(f.path).name: f.message for f in scan_image_folder(folder).files}
    assert english["empty.jpg"].startswith("The file is empty (0 bytes)")
    set_language("ko")
    try:
        korean = {Path(f.path).name: f.message for f in scan_image_folder(folder).files}
    finally:
        set_language("en")
    assert korean["empty.jpg"].startswith("파일이 비어 있습니다")
    again = {Path(f.path).name: f.message for f in scan_image_folder(folder).files}
    assert again == english


def test_checks_and_augmentation_read_naturally_in_korean(korean: None) -> None:
    sentence = imbalance_sentence("tumour", 300, "normal", 30)
    assert '가장 큰 클래스("tumour", 이미지 300장)' in sentence and "10배" in sentence
    assert describe_lines_are_korean()


def describe_lines_are_korean() -> bool:
    from engine.config import AugmentConfig

    lines = describe(AugmentConfig(hflip=True, rotation=15))
    return len(lines) == 2 and all(_HANGUL.search(line) for line in lines) and "15도" in lines[1]


def test_the_run_folder_errors_are_korean(tmp_path: Path, korean: None) -> None:
    with pytest.raises(ConfigError) as caught:
        RunFolder(tmp_path / "not-a-run").read_config_data()
    assert "실행 폴더가 아닙니다" in str(caught.value) and "config.json" in str(caught.value)
    data = make_image_folder(tmp_path / "images", {"a": 2, "b": 2})
    with pytest.raises(RunLocationError) as inside:
        check_run_location(data, data / "run")
    assert "이미지 폴더" in str(inside.value) and str(data) in str(inside.value)
    assert saved_model_label(7, 0.375) == "저장된 모델(에포크 7): 검증 정확도 37.5%"


def test_english_stays_the_default() -> None:
    assert saved_model_label(7, 0.375) == "saved model (epoch 7): val. accuracy 37.5%"
    assert saved_model_label(None, 0.9, "accuracy on the test images", capital=True) == \
        "Saved model: accuracy on the test images 90.0%"
    assert reason_label("truncated") == "Damaged or incomplete file"
    assert Outcome.SKIPPED.label == "skipped"
