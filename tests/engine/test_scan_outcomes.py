"""The scan of a messy folder: every file's outcome and reason, progress, cancel, and the report's shape."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from engine.data.reasons import REASONS
from engine.data.report import Outcome, ScanCancelled, scan_image_folder
from engine.data.report_files import CSV_COLUMNS, report_to_csv, report_to_json
from tests.messygen import make_messy_folder, noise, save


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str]]]:
    root = tmp_path_factory.mktemp("messy") / "photos"
    return root, make_messy_folder(root)


def test_every_file_gets_the_expected_outcome_and_reason(messy: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    root, expected = messy
    report = scan_image_folder(root, use_cache=False)
    got = {f.path: (f.outcome.value, f.reason) for f in report.files}
    assert got == expected
    assert all(f.message for f in report.files if f.outcome is not Outcome.ACCEPTED)


def test_system_files_and_hidden_folders_are_ignored_never_classes(messy: tuple[Path, dict[str, tuple[str, str]]]
                                                                   ) -> None:
    report = scan_image_folder(messy[0])
    assert report.class_names == ["cats", "dogs"]
    ignored = {f.path for f in report.outcomes(Outcome.IGNORED)}
    assert {"__MACOSX", ".ipynb_checkpoints", "cats/.DS_Store", "cats/._cat_0.png", "dogs/Thumbs.db"} <= ignored
    assert report.trainable


def test_nested_folders_belong_to_their_class_and_usable_files_are_listed(
        messy: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    root, expected = messy
    report = scan_image_folder(root)
    assert "cats/nested/deeper/kitten.png" in report.classes["cats"]
    usable = sorted(p for p, (outcome, _) in expected.items() if outcome in ("accepted", "converted"))
    assert sorted(p for files in report.classes.values() for p in files) == usable


def test_every_reason_code_has_a_label(messy: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    report = scan_image_folder(messy[0])
    used = {f.reason for f in report.files} | {p.code for p in report.warnings + report.blocking}
    assert used <= set(REASONS), used - set(REASONS)


def test_json_has_exactly_the_documented_shape(messy: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    data = json.loads(json.dumps(report_to_json(scan_image_folder(messy[0]))))
    assert set(data) == {"classes", "files", "warnings", "blocking"}
    assert data["classes"] == {"cats": 9, "dogs": 19}
    assert all(set(f) == {"path", "outcome", "reason", "message"} for f in data["files"])
    assert all(set(w) == {"code", "message"} for w in data["warnings"] + data["blocking"])
    assert {f["outcome"] for f in data["files"]} == {"accepted", "converted", "skipped", "ignored"}


def test_csv_lists_problems_then_one_row_per_file(messy: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    report = scan_image_folder(messy[0])
    lines = report_to_csv(report).splitlines()
    assert tuple(lines[0].split(",")) == CSV_COLUMNS
    assert len(lines) == 1 + len(report.warnings) + len(report.blocking) + len(report.files)
    assert any(line.startswith("cats/truncated.jpg,cats,,skipped,truncated,") for line in lines)


def test_csv_cells_cannot_run_as_spreadsheet_formulas(tmp_path: Path) -> None:
    for i, name in enumerate(("=HYPERLINK(1)", "ok")):
        for j in range(2):
            save(noise(seed=10 * i + j), tmp_path / name / f"{j}.png")
    text = report_to_csv(scan_image_folder(tmp_path))
    assert "\n'=HYPERLINK(1)/0.png,'=HYPERLINK(1),," in text and "\n=HYPERLINK" not in text


def test_progress_counts_up_to_the_number_of_files(image_folder: Path) -> None:
    seen: list[tuple[int, int]] = []
    scan_image_folder(image_folder, progress=lambda done, total: seen.append((done, total)), use_cache=False)
    assert seen[0] == (0, 36) and seen[-1] == (36, 36)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_cancelled_scan_stops_and_says_so(image_folder: Path) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        cancel.set()  # the first report comes before any file is read

    with pytest.raises(ScanCancelled) as caught:
        scan_image_folder(image_folder, progress=progress, cancel=cancel, use_cache=False)
    assert "cancelled" in str(caught.value)


def test_a_missing_folder_blocks_with_a_sentence(tmp_path: Path) -> None:
    report = scan_image_folder(tmp_path / "nowhere")
    assert [p.code for p in report.blocking] == ["not_a_folder"] and "does not exist" in report.blocking[0].message


def test_unicode_and_spaces_in_names_are_kept_exactly(tmp_path: Path) -> None:
    names = ["café au lait", "日本 猫", "naïve ñ"]
    for i, name in enumerate(names):
        for j in range(2):
            save(noise(seed=i * 10 + j), tmp_path / name / f"photo {j} é.png")
    report = scan_image_folder(tmp_path)
    assert report.class_names == sorted(names)
    assert report.classes["日本 猫"] == ("日本 猫/photo 0 é.png", "日本 猫/photo 1 é.png")
