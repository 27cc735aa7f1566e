"""Tabs whose pages scroll when the window is smaller than a page needs, instead of crushing it or making the
window larger than the screen.

At 1280x800, and at 150% scaling (a 1920x1080 screen is 1280x720 for Qt then), the window's least size used
to be set by its tallest page (the Strategy tab: 779 px with the title bar), so it could not fit the screen and
Qt squeezed the plots and tables instead. Each page now sits in a scroll area: it gets the window's whole
room when there is enough, and scrolls when there is not. The panels are still the tabs' widgets for
everyone else: :meth:`widget`, :meth:`currentWidget`, :meth:`setCurrentWidget` and :meth:`indexOf` speak of
the panel, not of its scroll area.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


class _Page(QScrollArea):
    """The page fills the visible area, and is never made smaller than its least size (then it scrolls).

    Not ``widgetResizable``: that sizes a page holding word-wrapped text at its *preferred* height for the
    width, which pushed the Strategy tab's "Try all three" below the window even where it fitted.
    """

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setWidget(page)

    def _fit(self) -> None:
        page = self.widget()
        if page is None:
            return
        least = page.minimumSizeHint().expandedTo(page.minimumSize())
        room = self.maximumViewportSize()
        width = max(room.width(), least.width())
        height = max(room.height(), least.height())
        if width > room.width():  # a horizontal scroll bar takes some height
            height = max(room.height() - self.horizontalScrollBar().sizeHint().height(), least.height())
        if height > room.height():
            width = max(room.width() - self.verticalScrollBar().sizeHint().width(), least.width())
        page.resize(width, height)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # the page's least size may have changed
            self._fit()
        return super().event(event)


class ScrollingTabs(QTabWidget):
    """A QTabWidget that wraps each page in a scroll area."""

    def addTab(self, page: QWidget, label: str) -> int:  # type: ignore[override]  # noqa: N802 - Qt's name
        return super().addTab(_Page(page), label)

    def widget(self, index: int) -> QWidget | None:
        area = super().widget(index)
        return area.widget() if isinstance(area, QScrollArea) else area

    def currentWidget(self) -> QWidget:  # noqa: N802 - Qt's name
        return self.widget(self.currentIndex())  # type: ignore[return-value]

    def indexOf(self, page: QWidget) -> int:  # noqa: N802 - Qt's name
        for index in range(self.count()):
            if self.widget(index) is page:
                return index
        return super().indexOf(page)

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 - Qt's name
        index = self.indexOf(page)
        if index >= 0:
            self.setCurrentIndex(index)
