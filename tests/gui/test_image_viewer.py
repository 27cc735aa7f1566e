"""Issue 13 item 14: a double-click on a thumbnail opens the image large, with its file name and verdict;
counted words read "1 epoch", "2 epochs" (engine/core/words.py)."""

from __future__ import annotations

from pathlib import Path

from engine.core.words import plural
from engine.data.report import scan_image_folder
from gui.panels.data.thumbnails import ThumbnailGrid
from gui.widgets.gallery import GalleryItem, ImageGallery
from gui.widgets.image_viewer import ImageViewer
from tests.imagegen import make_image_folder


def double_click(view, index) -> None:  # type: ignore[no-untyped-def]
    """What the view reports for a double-click on ``index`` (offscreen, synthetic clicks are unreliable)."""
    view.doubleClicked.emit(index)


def test_a_gallery_thumbnail_opens_large_with_name_and_verdict(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make_image_folder(tmp_path / "imgs", {"bee": 2})
    paths = sorted(str(p) for p in (folder / "bee").glob("*.png"))
    gallery = ImageGallery()
    qtbot.addWidget(gallery)
    gallery.resize(600, 300)
    gallery.show()
    gallery.set_items("Mistakes", [GalleryItem(p, Path(p).name, p, "Wrong: this is bee; the model said ant (71% sure).")
                                   for p in paths])
    qtbot.waitExposed(gallery)
    double_click(gallery.list, gallery.list.model().index(1, 0))
    viewer = gallery.viewer
    assert isinstance(viewer, ImageViewer) and viewer.isVisible()
    assert Path(paths[1]).name in viewer.windowTitle() and Path(paths[1]).name in viewer.name.text()
    assert viewer.verdict.text() == "Wrong: this is bee; the model said ant (71% sure)."
    qtbot.waitUntil(lambda: not viewer.loading, timeout=20_000)
    picture = viewer.picture.pixmap()
    assert not picture.isNull() and picture.width() > 96  # larger than the thumbnail
    viewer.close()
    gallery.shutdown()


def test_a_data_thumbnail_opens_large_with_what_the_report_says(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = make_image_folder(tmp_path / "imgs", {"ant": 2, "bee": 2})
    grid = ThumbnailGrid()
    qtbot.addWidget(grid)
    grid.resize(500, 300)
    grid.show()
    grid.set_report(scan_image_folder(folder))
    qtbot.waitExposed(grid)
    double_click(grid.view, grid.model.index(0, 0))
    viewer = grid.viewer
    assert isinstance(viewer, ImageViewer)
    assert Path(grid.model.paths[0]).name in viewer.name.text()
    assert viewer.verdict.text() == "Class ant: used for training, as it is."
    qtbot.waitUntil(lambda: not viewer.loading, timeout=20_000)
    viewer.close()
    grid.shutdown()


def test_an_unreadable_image_says_so_in_the_viewer(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    viewer = ImageViewer(str(broken), "")
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: not viewer.loading, timeout=20_000)
    assert viewer.picture.pixmap().isNull() and viewer.picture.text() != "Opening the image…"
    assert not viewer.verdict.isVisible()


def test_counted_words_read_correctly() -> None:
    assert [plural(n, "epoch") for n in (0, 1, 2)] == ["0 epochs", "1 epoch", "2 epochs"]
    assert plural(1, "class") == "1 class" and plural(4, "class") == "4 classes"
    assert plural(12_500, "image") == "12,500 images"
