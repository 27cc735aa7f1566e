"""The image gallery and the background-task slot it stands on."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import gui.widgets.gallery
from gui.jobs.controller import TaskState
from gui.jobs.task_slot import TaskSlot
from gui.widgets.gallery import GalleryItem, ImageGallery
from tests.imagegen import make_image_folder


@pytest.fixture
def gallery(qtbot):  # type: ignore[no-untyped-def]
    widget = ImageGallery("Nothing here.")
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    yield widget
    widget.shutdown()


def items(folder: Path) -> list[GalleryItem]:
    return [GalleryItem(str(p), f"{p.name}\nred → red 90%", f"{p}\nmore") for p in sorted(folder.glob("*.png"))]


def test_captions_at_once_thumbnails_from_the_background(qtbot, gallery: ImageGallery, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make_image_folder(tmp_path / "imgs", {"red": 4})
    (folder / "red" / "zz_broken.png").write_bytes(b"nope")
    entries = items(folder / "red")
    gallery.set_items("Four red images", entries)
    assert gallery.title.text() == "Four red images"
    assert [gallery.list.item(i).text() for i in range(5)] == [e.caption for e in entries]
    assert gallery.list.item(0).toolTip() == entries[0].tooltip
    qtbot.waitUntil(lambda: not gallery.loading, timeout=20_000)
    sizes = [gallery.list.item(i).icon().availableSizes() for i in range(5)]
    assert all(sizes)  # decoded thumbnails, and the placeholder kept for the broken file
    gallery.set_items("", [])
    assert gallery.title.text() == "Nothing here." and gallery.list.count() == 0


def test_selection_and_show_in_folder(qtbot, gallery: ImageGallery, tmp_path: Path,  # type: ignore[no-untyped-def]
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_image_folder(tmp_path / "imgs", {"red": 3})
    entries = items(folder / "red")
    gallery.set_items("Three", entries)
    assert not gallery.reveal_button.isEnabled()
    revealed: list[str] = []
    monkeypatch.setattr(gui.widgets.gallery, "reveal_in_file_manager", revealed.append)
    with qtbot.waitSignal(gallery.current_changed) as changed:
        gallery.list.setCurrentRow(2)
    assert changed.args == [entries[2].path]
    gallery.reveal_button.click()
    assert revealed == [entries[2].path]
    qtbot.waitUntil(lambda: not gallery.loading, timeout=20_000)


def test_a_newer_task_replaces_the_older_and_its_late_answer_is_dropped(qtbot) -> None:  # type: ignore[no-untyped-def]
    slot = TaskSlot()
    release = threading.Event()
    answers: list[str] = []

    def slow(state: TaskState) -> str:
        release.wait(10)
        return "old"

    slot.start(slow, answers.append)
    slot.start(lambda state: "new", answers.append)
    qtbot.waitUntil(lambda: answers == ["new"], timeout=10_000)
    release.set()
    slot.shutdown()
    assert answers == ["new"] and not slot.running


def test_failures_and_progress_reach_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    from engine.core.errors import DataError

    slot = TaskSlot()
    failures: list[str] = []
    progress: list[tuple[int, int]] = []

    def work(state: TaskState) -> None:
        state.set_progress(1, 2)
        raise DataError("The folder is empty.")

    slot.start(work, lambda _r: None, failures.append, lambda d, t: progress.append((d, t)))
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert failures == ["The folder is empty."] and progress == [(1, 2)]
    slot.shutdown()
