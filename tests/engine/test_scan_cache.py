"""Reopening an unchanged folder reads only what changed; the cache lives in the app's folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.data.report import scan_image_folder
from engine.data.scan import scanner as scanning
from engine.data.scan.cache import ScanCache, cache_dir
from tests.messygen import noise, save


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Relative paths the scan actually decodes (cache misses)."""
    seen: list[str] = []
    real = scanning.examine_file

    def counting(root: Path, rel: str, size: int, mtime_ns: int) -> object:
        seen.append(rel)
        return real(root, rel, size, mtime_ns)

    monkeypatch.setattr(scanning, "examine_file", counting)
    return seen


def test_a_second_scan_of_an_unchanged_folder_decodes_nothing(image_folder: Path, decoded: list[str]) -> None:
    first = scan_image_folder(image_folder)
    assert len(decoded) == 36 and first.cached_files == 0
    decoded.clear()
    second = scan_image_folder(image_folder)
    assert decoded == [] and second.cached_files == 36
    assert second.files == first.files and second.classes == first.classes


def test_changed_added_and_removed_files_are_noticed(image_folder: Path, decoded: list[str]) -> None:
    scan_image_folder(image_folder)
    decoded.clear()
    changed = image_folder / "red" / "img_000.png"
    changed.write_bytes(b"now broken")  # size and modification time change
    save(noise(seed=99), image_folder / "red" / "new.png")
    (image_folder / "blue" / "img_001.png").unlink()
    report = scan_image_folder(image_folder)
    assert sorted(decoded) == ["red/img_000.png", "red/new.png"]
    outcome = {f.path: f.reason for f in report.files}
    assert outcome["red/img_000.png"] == "text_not_image" and "blue/img_001.png" not in outcome


def test_same_size_but_new_modification_time_is_read_again(image_folder: Path, decoded: list[str]) -> None:
    scan_image_folder(image_folder)
    decoded.clear()
    path = image_folder / "green" / "img_002.png"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    scan_image_folder(image_folder)
    assert decoded == ["green/img_002.png"]


def test_the_cache_is_in_the_apps_folder_and_never_in_the_users(image_folder: Path, isolated_home: Path) -> None:
    before = sorted(p.relative_to(image_folder) for p in image_folder.rglob("*"))
    scan_image_folder(image_folder)
    assert sorted(p.relative_to(image_folder) for p in image_folder.rglob("*")) == before
    files = list(cache_dir().glob("*.json"))
    assert len(files) == 1 and isolated_home in files[0].parents


def test_the_cache_folder_follows_the_run_folders_home(isolated_home: Path) -> None:
    from engine.core.paths import studio_home

    assert cache_dir().parent.parent == studio_home() == isolated_home


def test_a_damaged_cache_is_ignored_not_fatal(image_folder: Path, decoded: list[str]) -> None:
    scan_image_folder(image_folder)
    ScanCache.open(image_folder).path.write_text("{not json", encoding="utf-8")
    decoded.clear()
    report = scan_image_folder(image_folder)
    assert len(decoded) == 36 and report.total_images == 36


def test_a_cancelled_scan_keeps_what_it_read(image_folder: Path, decoded: list[str]) -> None:
    from engine.data.report import ScanCancelled

    class CancelAfterTen:
        def is_set(self) -> bool:
            return len(decoded) >= 10

    with pytest.raises(ScanCancelled):
        scan_image_folder(image_folder, cancel=CancelAfterTen(), workers=1)
    read_before = len(decoded)
    decoded.clear()
    scan_image_folder(image_folder)
    assert 10 <= read_before < 36 and len(decoded) == 36 - read_before
