"""Widgets for the settings of the option table (engine/config/options), so a form shows each setting with the
table's label, range, step, precision, choices and plain line, and its default from the config's dataclasses.

The widget follows the setting's type: a check box for yes/no, a spin box for whole numbers, a spin box with
decimals for other numbers, a drop-down list for a closed set, a text field for text.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from engine.config import OptionSpec, option, option_default, option_type
from engine.core.i18n import tr
from engine.help.glossary import option_tip

#: The look of the plain line under a setting.
EXPLAIN_STYLE = "color:#5f6b7a; font-size:11px;"  # not translated: a style sheet


def option_widget(path: str) -> QWidget:
    """A widget for the setting at ``path``, showing its default; its tooltip is the table's plain line with an
    example (engine/help/glossary.py)."""
    spec, kind = option(path), option_type(path)
    widget: QWidget
    if kind is bool:
        widget = QCheckBox(tr(spec.label))
    elif issubclass(kind, enum.Enum):
        widget = _combo(spec)
    elif kind is int:
        widget = QSpinBox()
        low, high = spec.widget_range()
        widget.setRange(int(low), int(high))
        widget.setSingleStep(int(spec.step))
        widget.setSpecialValueText(_special(spec))
    elif kind is float:
        widget = QDoubleSpinBox()
        widget.setDecimals(spec.decimals)  # before the range: Qt rounds the range to the shown decimals
        widget.setRange(*spec.widget_range())
        widget.setSingleStep(spec.step)
        widget.setSpecialValueText(_special(spec))
    else:
        widget = QLineEdit()
    widget.setToolTip(option_tip(path, tr(spec.help)))  # the plain line and an example
    set_option_value(widget, option_default(path))
    return widget


def _combo(spec: OptionSpec) -> QComboBox:
    box = QComboBox()
    # Long choices must not widen the settings column (the popup still shows them whole).
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(14)
    for choice in spec.choices:
        box.addItem(tr(choice.label), choice.value)
    return box


def _special(spec: OptionSpec) -> str:
    """The text a number field shows at its lowest value ("automatic"), translated; empty when it has none."""
    return tr(spec.special) if spec.special else ""


def set_option_value(widget: QWidget, value: Any) -> None:
    """Show ``value`` in a widget made by :func:`option_widget`."""
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index >= 0:
            widget.setCurrentIndex(index)
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        widget.setValue(value)
    elif isinstance(widget, QLineEdit):
        widget.setText(str(value))


def option_widget_value(widget: QWidget, path: str) -> Any:
    """The value a widget made by :func:`option_widget` shows, as the config holds it (enums as enums)."""
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        # Qt hands back a str-valued enum as its plain value: convert it back.
        return option_type(path)(widget.currentData())
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    if isinstance(widget, QLineEdit):
        return widget.text()
    raise TypeError(f"{type(widget).__name__} is no option widget")  # not translated: a programming error


def add_explained_row(form: QFormLayout, label: str | None, widget: QWidget, explanation: str) -> QLabel:
    """A form row (a check box carries its own text: ``label`` None) with its plain line right under it."""
    if label is None or isinstance(widget, QCheckBox):
        form.addRow(widget)
    else:
        form.addRow(label, widget)
    line = QLabel(explanation)
    line.setWordWrap(True)
    line.setStyleSheet(EXPLAIN_STYLE)
    form.addRow(line)
    return line
