"""No mouse wheel changes a value unless its field has focus: one application-wide event filter.

Scrolling the Train tab's settings with the wheel used to change the drop-down under the pointer (Schedule
went from Cosine to One-cycle unseen). Qt gives combo boxes, spin boxes and sliders the value-changing wheel
by default, and also *focus* by wheel (``Qt.WheelFocus``). The guard, installed once on the QApplication
(:func:`install_wheel_guard`), does two things for every such field in the app, whoever created it:

- its focus policy becomes ``Qt.StrongFocus`` (click or Tab), so the wheel cannot give it focus;
- a wheel event over it while it has no focus is not delivered to it: the enclosing scroll area (the
  settings column, a table) scrolls instead, as if the field were not there.

A field the user clicked (it has focus) still takes the wheel, as people expect. Scroll bars are sliders
too, but scrolling is all they do: they are left alone.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

_GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def is_guarded(widget: QObject) -> bool:
    """A field whose value the wheel would change (combo box, spin box, slider; not a scroll bar)."""
    return isinstance(widget, _GUARDED) and not isinstance(widget, QScrollBar)


class WheelGuard(QObject):
    """The event filter; :func:`install_wheel_guard` installs one per application."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.Polish and is_guarded(watched):
            _no_wheel_focus(watched)  # type: ignore[arg-type]
        elif kind == QEvent.Type.Wheel and is_guarded(watched) and not watched.hasFocus():  # type: ignore[attr-defined]
            assert isinstance(event, QWheelEvent)
            return _scroll_around(watched, event)  # type: ignore[arg-type]
        return False


def _no_wheel_focus(widget: QWidget) -> None:
    if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def _scroll_around(widget: QWidget, event: QWheelEvent) -> bool:
    """Hand the wheel to the nearest enclosing scroll area; never to ``widget``. Always true (filtered)."""
    area = _enclosing_scroll_area(widget)
    if area is None:
        event.ignore()  # a real wheel event then goes on to the parents, as for a widget that ignores it
        return True
    viewport = area.viewport()
    position = viewport.mapFromGlobal(event.globalPosition().toPoint())
    forwarded = QWheelEvent(position.toPointF(), event.globalPosition(), event.pixelDelta(), event.angleDelta(),
                            event.buttons(), event.modifiers(), event.phase(), event.inverted(), event.source())
    QApplication.sendEvent(viewport, forwarded)
    event.accept()  # handled: a real event must not also climb the parents and scroll twice
    return True


def _enclosing_scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not is_guarded(parent):
            return parent
        parent = parent.parentWidget()
    return None


def install_wheel_guard(app: QCoreApplication | None) -> WheelGuard | None:
    """Install the guard on ``app`` (once: a second call returns the first guard) and apply the focus policy
    to the fields that already exist. ``None`` (no application yet) installs nothing."""
    if app is None:
        return None
    existing = app.findChild(WheelGuard)
    if isinstance(existing, WheelGuard):
        return existing
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    for widget in QApplication.allWidgets():
        if is_guarded(widget):
            _no_wheel_focus(widget)
    return guard
