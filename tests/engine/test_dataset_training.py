"""The data report's promises that need a real (tiny) training run.

* Never a write inside the user's folder: scan and train on a read-only copy, hash the tree before/after.
* Unicode and spaces in class names round-trip exactly into model.json.
* A file that breaks after the scan is reported and left out; training does not crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from engine.config import (
    Augmentation,
    DataConfig,
    ModelConfig,
    OptimConfig,
    StopReason,
    Strategy,
    TrainConfig,
)
from engine.data.report import scan_image_folder
from engine.jobs.training_job import run_training_job
from engine.run.events import Event, Notice, RunStarted
from engine.training.preparation import prepare_data
from tests.imagegen import make_image_folder
from tests.messygen import make_messy_folder

CLASSES = {"café au lait": 8, "日本 猫": 8, "naïve ñ (x)": 8}


def tree_fingerprint(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry under ``root``: mode, modification time and content hash (links by target)."""
    out: dict[str, tuple[int, int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            if path.is_symlink():
                digest = "link:" + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digest = "dir"
            out[str(path.relative_to(root))] = (info.st_mode, info.st_mtime_ns, digest)
    return out


def make_read_only(root: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                path.chmod(0o444)
        Path(dirpath).chmod(0o555)


def tiny_config(data_dir: Path) -> TrainConfig:
    config = TrainConfig(data=DataConfig(str(data_dir), image_size=32, augmentation=Augmentation.NONE),
                         model=ModelConfig("resnet18", "none"), optim=OptimConfig(epochs=1, batch_size=8),
                         strategy=Strategy.FULL, num_workers=0)
    if len(prepare_data(config).train) % 8 == 1:  # a last batch of one image is a training-loop matter, not ours
        config = config.replace(optim=OptimConfig(epochs=1, batch_size=7))
    return config


def test_scan_and_training_never_write_inside_the_users_folder(tmp_path: Path) -> None:
    root = make_image_folder(tmp_path / "photos", CLASSES, size=24)
    make_messy_folder(tmp_path / "messy")
    os.rename(tmp_path / "messy" / "dogs", root / "dogs")  # every awkward file kind in there too
    make_read_only(root)
    before = tree_fingerprint(root)
    report = scan_image_folder(root)
    assert report.trainable, report.blocking
    events: list[Event] = []
    finished = run_training_job(tiny_config(root), tmp_path / "run", events.append)
    scan_image_folder(root)  # and a second (cached) scan
    assert finished.reason is StopReason.FINISHED, finished.detail
    assert tree_fingerprint(root) == before
    for dirpath, _, _ in os.walk(root):
        Path(dirpath).chmod(0o755)  # let pytest clean up


def test_unicode_class_names_round_trip_into_model_json(tmp_path: Path) -> None:
    root = make_image_folder(tmp_path / "photos", CLASSES, size=24)
    finished = run_training_job(tiny_config(root), tmp_path / "run", lambda event: None)
    assert finished.reason is StopReason.FINISHED, finished.detail
    model = json.loads((tmp_path / "run" / "model" / "model.json").read_text(encoding="utf-8"))
    assert model["class_names"] == sorted(CLASSES)
    split = json.loads((tmp_path / "run" / "split.json").read_text(encoding="utf-8"))
    assert split["classes"] == sorted(CLASSES)
    assert all(path.split("/")[0] == cls for path, cls in split["train"] + split["val"])


def test_a_file_that_breaks_after_the_scan_is_reported_and_left_out(tmp_path: Path) -> None:
    root = make_image_folder(tmp_path / "photos", {"red": 10, "blue": 10}, size=24)
    victim = root / "red" / "img_003.png"
    events: list[Event] = []

    def sink(event: Event) -> None:
        events.append(event)
        if isinstance(event, RunStarted):  # the scan and the split are done: now the file changes on disk
            victim.write_bytes(b"overwritten while training")

    config = tiny_config(root).replace(image_cache=False, feature_cache=False)
    finished = run_training_job(config, tmp_path / "run", sink)
    assert finished.reason is StopReason.FINISHED, finished.detail
    notices = [e.message for e in events if isinstance(e, Notice)]
    assert any("red/img_003.png" in message for message in notices), notices
