"""Splits that do not leak: stratified and seeded, grouped, the folder's own, recorded in split.json."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.config import DataConfig, ModelConfig, Strategy, TrainConfig
from engine.core.errors import ConfigError, DataError
from engine.data.report import Split, scan_image_folder, split_dataset, split_stratified
from engine.training.preparation import prepare_data
from tests.imagegen import make_image_folder
from tests.messygen import noise, save


def sides(split: Split) -> dict[str, str]:
    return {p: side for side in ("train", "val", "test") for p, _ in getattr(split, side)}


def per_class(items: tuple[tuple[str, int], ...]) -> Counter[int]:
    return Counter(label for _, label in items)


def test_stratified_split_keeps_each_classs_share_and_is_seeded(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"a": 20, "b": 10, "c": 5}, size=8)
    report = scan_image_folder(tmp_path)
    split = split_dataset(report, val_fraction=0.2, seed=1)
    assert per_class(split.val) == {0: 4, 1: 2, 2: 1} and per_class(split.train) == {0: 16, 1: 8, 2: 4}
    assert split_dataset(report, val_fraction=0.2, seed=1) == split
    assert sides(split_dataset(report, val_fraction=0.2, seed=2)) != sides(split)
    assert split_stratified(report, 0.2, 1) == split  # the skeleton's entry point


def test_an_optional_test_set_is_stratified_too(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"a": 20, "b": 10}, size=8)
    split = split_dataset(scan_image_folder(tmp_path), val_fraction=0.2, test_fraction=0.1, seed=0)
    assert per_class(split.test) == {0: 2, 1: 1} and per_class(split.val) == {0: 4, 1: 2}
    assert len(split.train) + len(split.val) + len(split.test) == 30
    assert not set(sides(split)) - {p for p, _ in split.train + split.val + split.test}


def test_tiny_classes_still_get_one_image_on_each_side(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"a": 2, "b": 3}, size=8)
    split = split_dataset(scan_image_folder(tmp_path), val_fraction=0.05, test_fraction=0.05, seed=0)
    assert per_class(split.train) == {0: 1, 1: 1} and per_class(split.val) == {0: 1, 1: 1}
    assert per_class(split.test) == {1: 1}


def test_a_group_pattern_keeps_each_patient_on_one_side(tmp_path: Path) -> None:
    for patient in range(10):
        for scan in range(3):
            for label in ("benign", "malignant"):
                seed = patient * 100 + scan * 10 + (label == "benign")
                save(noise(seed=seed), tmp_path / label / f"P{patient:03d}_scan{scan}.png")
    report = scan_image_folder(tmp_path)
    split = split_dataset(report, val_fraction=0.3, seed=4, group_pattern=r"^(P\d+)_")
    side_of = sides(split)
    for patient in range(10):
        patient_sides = {side for path, side in side_of.items() if f"/P{patient:03d}_" in path}
        assert len(patient_sides) == 1, patient
    assert per_class(split.val) == {0: 9, 1: 9}  # 3 patients x 3 scans in each class
    grouping = split.to_dict()["grouping"]
    assert grouping["by"] == "pattern" and grouping["groups"] == 10 and grouping["files_without_group"] == 0


def test_files_the_pattern_does_not_match_are_their_own_group_with_a_warning(image_folder: Path) -> None:
    split = split_dataset(scan_image_folder(image_folder), group_pattern=r"^(patient\d+)")
    data = split.to_dict()
    assert data["grouping"]["files_without_group"] == 36
    assert [w["code"] for w in data["warnings"]] == ["group_pattern_unmatched"]


def test_look_alikes_of_one_class_stay_on_one_side(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"a": 10, "b": 10}, size=16)
    coarse = np.random.default_rng(1).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    picture = Image.fromarray(coarse).resize((96, 72), Image.Resampling.BICUBIC)
    for i in range(4):  # a burst of near-identical shots
        picture.resize((96 - 4 * i, 72 - 3 * i)).save(tmp_path / "a" / f"burst_{i}.jpg", quality=90 - i)
    report = scan_image_folder(tmp_path)
    burst = [p for p in report.classes["a"] if "burst" in p]
    for seed in range(5):
        split = split_dataset(report, val_fraction=0.3, seed=seed)
        assert len({sides(split)[p] for p in burst}) == 1
        assert split.to_dict()["near_duplicates_kept_together"] >= 3 and split.to_dict()["leakage"] == []


def test_the_folders_own_split_is_used_as_it_is(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "train", {"cats": 6, "dogs": 6}, size=8)
    make_image_folder(tmp_path / "validation", {"cats": 2, "dogs": 3}, size=8, seed=5)
    make_image_folder(tmp_path / "test", {"cats": 2, "dogs": 2}, size=8, seed=6)
    split = split_dataset(scan_image_folder(tmp_path, use_folder_split=True), val_fraction=0.3, test_fraction=0.2)
    assert split.method == "folders" and split.classes == ("cats", "dogs")
    assert all(side == path.split("/")[0].replace("validation", "val") for path, side in sides(split).items())
    assert split.counts() == {"train": {"cats": 6, "dogs": 6}, "val": {"cats": 2, "dogs": 3},
                              "test": {"cats": 2, "dogs": 2}}


def test_without_a_val_folder_validation_is_carved_from_train(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "train", {"cats": 10, "dogs": 10}, size=8)
    make_image_folder(tmp_path / "test", {"cats": 2, "dogs": 2}, size=8, seed=5)
    split = split_dataset(scan_image_folder(tmp_path, use_folder_split=True), val_fraction=0.2, seed=0)
    assert split.counts()["val"] == {"cats": 2, "dogs": 2} and split.counts()["test"] == {"cats": 2, "dogs": 2}
    assert all(p.startswith("train/") for p, _ in split.val)


def test_split_json_records_every_file_and_how_it_was_decided(image_folder: Path) -> None:
    split = split_dataset(scan_image_folder(image_folder), val_fraction=0.25, test_fraction=0.1, seed=7)
    data = json.loads(json.dumps(split.to_dict()))
    assert data["method"] == "stratified" and data["seed"] == 7 and data["test_fraction"] == 0.1
    assert data["classes"] == ["blue", "green", "red"]
    listed = [p for side in ("train", "val", "test") for p, _ in data[side]]
    assert sorted(listed) == sorted(p for files in scan_image_folder(image_folder).classes.values() for p in files)
    assert data["counts"]["val"] == {"blue": 3, "green": 3, "red": 3}
    assert {"grouping", "leakage", "excluded", "warnings", "privacy"} <= set(data)


def test_an_untrainable_report_cannot_be_split(tmp_path: Path) -> None:
    make_image_folder(tmp_path, {"only": 4}, size=8)
    with pytest.raises(DataError, match="Only one class"):
        split_dataset(scan_image_folder(tmp_path))


@pytest.mark.parametrize(("changes", "words"), [
    ({"test_fraction": 0.01}, "test share"),
    ({"val_fraction": 0.4, "test_fraction": 0.3}, "at most 60%"),
    ({"group_pattern": "P(\\d+"}, "grouping pattern is not a valid pattern"),
])
def test_split_settings_are_validated_with_plain_messages(changes: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        DataConfig("x", **changes)  # type: ignore[arg-type]


def test_data_config_split_settings_round_trip_through_json() -> None:
    config = TrainConfig(DataConfig("x", test_fraction=0.1, group_pattern=r"^(P\d+)", group_by_patient=True,
                                    use_folder_split=True, exclude=("a/1.png", "b/2.png")),
                         ModelConfig("resnet18", "none"), strategy=Strategy.FULL)
    again = TrainConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.data.exclude == ("a/1.png", "b/2.png")


def test_prepare_data_applies_the_configs_split_settings(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "train", {"cats": 6, "dogs": 6}, size=8)
    make_image_folder(tmp_path / "val", {"cats": 2, "dogs": 2}, size=8, seed=3)
    config = TrainConfig(DataConfig(str(tmp_path), use_folder_split=True, exclude=("train/cats/img_000.png",)),
                         ModelConfig("resnet18", "none"), strategy=Strategy.FULL)
    split = prepare_data(config)
    assert split.method == "folders" and split.counts()["train"] == {"cats": 5, "dogs": 6}
    assert split.to_dict()["excluded"] == ["train/cats/img_000.png"]


def test_look_alikes_across_the_folders_own_split_are_listed_as_leakage(tmp_path: Path) -> None:
    make_image_folder(tmp_path / "train", {"cats": 6, "dogs": 6}, size=16)
    make_image_folder(tmp_path / "val", {"cats": 2, "dogs": 2}, size=16, seed=5)
    coarse = np.random.default_rng(2).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    picture = Image.fromarray(coarse).resize((96, 72), Image.Resampling.BICUBIC)
    picture.save(tmp_path / "train" / "cats" / "original.png")
    picture.resize((80, 60)).save(tmp_path / "val" / "cats" / "smaller copy.jpg", quality=85)
    report = scan_image_folder(tmp_path, use_folder_split=True)
    assert "near_duplicates_across_split" in [w.code for w in report.warnings]
    data = split_dataset(report).to_dict()
    assert data["leakage"] == [["train/cats/original.png", "val/cats/smaller copy.jpg"]]
    assert [w["code"] for w in data["warnings"]] == ["near_duplicates_across_split"]
