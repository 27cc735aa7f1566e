"""`python -m engine scan` as scripts use it (real subprocesses): the JSON format, the CSV, exit codes."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.imagegen import make_image_folder
from tests.messygen import html_as_jpeg, truncated_jpeg

ROOT = Path(__file__).resolve().parents[2]


def scan(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", "scan", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_json_report_has_the_documented_shape_and_relative_paths(tmp_path: Path) -> None:
    data_dir = make_image_folder(tmp_path / "data", {"cats": 3, "dogs": 3}, size=16)
    truncated_jpeg(data_dir / "cats" / "broken.jpg")
    html_as_jpeg(data_dir / "dogs" / "page.jpg")
    (data_dir / ".DS_Store").write_bytes(b"\x00")
    result = scan(data_dir, "--json", tmp_path / "report.json", "--csv", tmp_path / "report.csv")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert set(report) == {"classes", "files", "warnings", "blocking"}
    assert report["classes"] == {"cats": 3, "dogs": 3}
    files = {f["path"]: f for f in report["files"]}
    assert files["cats/broken.jpg"] == {"path": "cats/broken.jpg", "outcome": "skipped", "reason": "truncated",
                                        "message": files["cats/broken.jpg"]["message"]}
    assert files["dogs/page.jpg"]["reason"] == "html_not_image" and files[".DS_Store"]["outcome"] == "ignored"
    assert [w["code"] for w in report["warnings"]] == ["files_skipped", "few_images"]
    with open(tmp_path / "report.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["path"]: r["reason"] for r in rows if r["path"]}["cats/broken.jpg"] == "truncated"
    assert "warning: 2 file(s) will not be used" in result.stderr


def test_blocking_problems_exit_2_and_the_offers_unblock(tmp_path: Path) -> None:
    data_dir = make_image_folder(tmp_path / "split" / "train", {"cats": 4, "dogs": 4}, size=8).parent
    make_image_folder(data_dir / "val", {"cats": 2, "dogs": 2}, size=8, seed=3)
    shutil.copy(data_dir / "train/cats/img_000.png", data_dir / "train/dogs/odd.png")
    blocked = scan(data_dir, "--json", "-")
    assert blocked.returncode == 2
    assert [p["code"] for p in json.loads(blocked.stdout)["blocking"]] == ["presplit_folder"]
    still = scan(data_dir, "--use-folder-split")
    assert still.returncode == 2 and "same image is filed under two classes" in still.stderr
    fixed = scan(data_dir, "--use-folder-split", "--exclude", "train/cats/img_000.png", "--exclude",
                 "train/dogs/odd.png")
    assert fixed.returncode == 0, fixed.stderr
    assert "cats\t5" in fixed.stdout and "dogs\t6" in fixed.stdout


def test_stdout_json_is_pure_json_with_unicode_kept(tmp_path: Path) -> None:
    data_dir = make_image_folder(tmp_path / "d", {"café": 2, "日本": 2}, size=8)
    result = scan(data_dir, "--json", "-")
    assert result.returncode == 0
    assert json.loads(result.stdout)["classes"] == {"café": 2, "日本": 2}
