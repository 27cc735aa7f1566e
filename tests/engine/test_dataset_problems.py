"""Blocking problems (each saying what to do), the offers that unblock them, and dataset warnings."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.core.errors import DataError
from engine.data.report import DatasetReport, build_report, scan_image_folder
from engine.data.scan.scanner import scan_folder
from tests.imagegen import make_image_folder
from tests.messygen import noise, save


def smooth_picture(seed: int, size: tuple[int, int] = (96, 72)) -> Image.Image:
    """Coarse random blobs scaled up smoothly: survives resizing and recompression like a photo does."""
    coarse = np.random.default_rng(seed).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)


def codes(report: DatasetReport) -> list[str]:
    return [p.code for p in report.blocking]


def warning(report: DatasetReport, code: str) -> str:
    found = [w.message for w in report.warnings if w.code == code]
    assert found, f"no {code} warning in {[w.code for w in report.warnings]}"
    return found[0]


def test_images_directly_in_the_chosen_folder_block_with_what_to_do(tmp_path: Path) -> None:
    for i in range(3):
        save(noise(seed=i), tmp_path / f"{i}.jpg")
    report = scan_image_folder(tmp_path)
    assert codes(report) == ["no_class_folders"]
    assert "subfolder named after the class" in report.blocking[0].message
    with pytest.raises(DataError, match="directly in this folder"):
        report.require_trainable()


def test_an_empty_folder_and_a_single_class_block(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert codes(scan_image_folder(tmp_path / "empty")) == ["no_classes"]
    make_image_folder(tmp_path / "one", {"cats": 3}, size=8)
    report = scan_image_folder(tmp_path / "one")
    assert codes(report) == ["single_class"] and "add a subfolder" in report.blocking[0].message


def test_a_class_without_usable_images_or_with_only_one_blocks(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"cats": 3, "dogs": 1}, size=8)
    (tmp_path / "birds").mkdir()
    (tmp_path / "birds" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    report = scan_image_folder(tmp_path)
    assert codes(report) == ["empty_class", "too_few_images"]
    assert report.counts == {"birds": 0, "cats": 3, "dogs": 1}
    assert '"birds"' in report.blocking[0].message and '"dogs" has 1 usable image' in report.blocking[1].message


def test_class_names_differing_only_in_case_block(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"Cats": 2, "cats": 2, "dogs": 2}, size=8, seed=1)
    if len(list(tmp_path.iterdir())) < 3:
        pytest.fail("this test needs a case-sensitive file system (the CI's is)")
    report = scan_image_folder(tmp_path)
    assert codes(report) == ["class_case_clash"] and '"Cats" and "cats"' in report.blocking[0].message


def test_the_same_image_in_two_classes_blocks_until_both_copies_are_excluded(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"cats": 4, "dogs": 4}, size=16)
    shutil.copy(tmp_path / "cats" / "img_000.png", tmp_path / "dogs" / "which_am_i.png")
    report = scan_image_folder(tmp_path)
    assert codes(report) == ["duplicate_across_classes"]
    assert "cats/img_000.png = dogs/which_am_i.png" in report.blocking[0].message
    assert report.suggested_exclusions == ("cats/img_000.png", "dogs/which_am_i.png")
    fixed = scan_image_folder(tmp_path, exclude=report.suggested_exclusions)
    assert fixed.trainable and fixed.counts == {"cats": 3, "dogs": 4}
    assert {f.path: f.reason for f in fixed.files}["dogs/which_am_i.png"] == "excluded_by_user"


def test_identical_files_inside_a_class_are_used_once_and_counted(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"cats": 4, "dogs": 4}, size=16)
    shutil.copy(tmp_path / "cats" / "img_000.png", tmp_path / "cats" / "the same again.png")
    report = scan_image_folder(tmp_path)
    assert report.trainable and report.counts["cats"] == 4
    outcome = {f.path: (f.outcome.value, f.reason, f.message) for f in report.files}
    assert outcome["cats/img_000.png"][:2] == ("accepted", "ok")  # the first by name is the one used
    assert outcome["cats/the same again.png"][:2] == ("skipped", "duplicate")
    assert "identical copy of cats/img_000.png" in outcome["cats/the same again.png"][2]
    assert "1 identical" in warning(report, "duplicates_in_class")


def test_look_alikes_across_classes_are_a_warning_listing_the_pairs(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"cats": 4, "dogs": 4}, size=48)
    photo = smooth_picture(seed=3)  # structure, like a photo (pure noise has no stable look)
    photo.save(tmp_path / "cats" / "img_001.png")
    photo.resize((60, 45)).save(tmp_path / "dogs" / "resaved.jpg", quality=85)  # same look, other bytes
    report = scan_image_folder(tmp_path)
    assert report.trainable
    assert "cats/img_001.png ~ dogs/resaved.jpg" in warning(report, "near_duplicates_across_classes")
    assert [(n.first, n.second) for n in report.near_duplicates] == [("cats/img_001.png", "dogs/resaved.jpg")]


def test_imbalance_is_called_out_with_the_ratio_and_what_the_app_does(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"common": 24, "rare": 4}, size=8)
    report = scan_image_folder(tmp_path)
    message = warning(report, "class_imbalance")
    assert report.imbalance_ratio == 6
    assert '"common", 24 images) is 6 times the smallest ("rare", 4)' in message and "class weights" in message
    assert "fewer than 10" in warning(report, "few_images")


def test_a_split_folder_chosen_one_level_too_high_is_offered_as_pre_split(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "train", {"cats": 6, "dogs": 6}, size=8)
    make_image_folder(tmp_path / "val", {"cats": 2, "dogs": 2}, size=8, seed=5)
    report = scan_image_folder(tmp_path)
    assert codes(report) == ["presplit_folder"] and report.presplit_available
    assert "Use the folder's own split" in report.blocking[0].message
    used = build_report(scan_folder(tmp_path), use_folder_split=True)
    assert used.trainable and used.layout == "folders" and used.counts == {"cats": 8, "dogs": 8}
    assert used.subsets["val/cats/img_000.png"] == "val" and used.subsets["train/cats/img_000.png"] == "train"


def test_asking_for_the_folders_split_where_there_is_none_blocks(image_folder: Path) -> None:
    report = scan_image_folder(image_folder, use_folder_split=True)
    assert codes(report) == ["no_folder_split"]


def test_identical_images_on_both_sides_of_a_folder_split_are_used_once(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "train", {"cats": 4, "dogs": 4}, size=16)
    make_image_folder(tmp_path / "valid", {"cats": 2, "dogs": 2}, size=16, seed=9)
    shutil.copy(tmp_path / "train/cats/img_000.png", tmp_path / "valid/cats/leaked.png")
    report = scan_image_folder(tmp_path, use_folder_split=True)
    assert {f.path: f.reason for f in report.files}["valid/cats/leaked.png"] == "duplicate"
    assert "valid/cats/leaked.png" not in report.classes["cats"]
