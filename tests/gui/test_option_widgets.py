"""The window's settings are the option table's: each widget's range, step, precision, choices, default and plain
line are the table's, and every value the widgets can hold is one the config accepts."""

from __future__ import annotations

import enum

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from engine.config import (
    Augmentation,
    AugmentConfig,
    DataConfig,
    TrainConfig,
    option,
    option_default,
    option_type,
    options_in,
)
from gui.panels.data.split_settings import SplitSettings
from gui.panels.model.panel import ModelPanel
from gui.panels.training.augment_dialog import AugmentDialog
from gui.panels.training.options import TrainingOptions


@pytest.fixture
def options(qtbot):  # type: ignore[no-untyped-def]
    widget = TrainingOptions()
    qtbot.addWidget(widget)
    return widget


def _check_widget(path: str, widget: object) -> None:
    spec, kind = option(path), option_type(path)
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        assert (widget.minimum(), widget.maximum()) == spec.widget_range(), path
        assert widget.singleStep() == pytest.approx(spec.step), path
        assert widget.specialValueText() == spec.special, path
        if isinstance(widget, QDoubleSpinBox):
            assert widget.decimals() == spec.decimals, path
    elif isinstance(widget, QComboBox):
        items = [(widget.itemText(i), kind(widget.itemData(i))) for i in range(widget.count())]
        assert items == [(c.label, c.value) for c in spec.choices], path
    elif isinstance(widget, QCheckBox):
        assert widget.text() == spec.label, path
    else:
        raise AssertionError(f"{path}: unexpected widget {widget!r}")
    assert spec.help in widget.toolTip(), path  # type: ignore[attr-defined]


def test_each_training_setting_has_the_tables_range_choices_and_line(options: TrainingOptions) -> None:
    assert len(options.fields) == 29
    lines = options.explanation_lines()
    for path, widget in options.fields.items():
        _check_widget(path, widget)
        # A row of two settings says a shared lead-in ("Step schedule: ") once.
        text = option(path).help
        shown = (text, text.partition(": ")[2][1:] or text)
        assert any(part in line for line in lines.values() for part in shown), f"{path}'s plain line is shown"


def test_the_training_settings_start_at_the_configs_defaults(options: TrainingOptions) -> None:
    config = options.apply_to(TrainConfig(DataConfig("/d")))
    assert config == TrainConfig(DataConfig("/d"))


@pytest.mark.parametrize("end", ["minimum", "maximum"])
def test_every_value_the_training_widgets_can_hold_is_accepted_by_the_config(options: TrainingOptions,
                                                                             end: str) -> None:
    for widget in options.fields.values():
        if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            widget.setValue(getattr(widget, end)())
    config = options.apply_to(TrainConfig(DataConfig("/d")))  # would raise ConfigError for a value out of range
    assert config.optim.epochs == (1 if end == "minimum" else 10_000)
    assert config.seed == (0 if end == "minimum" else 2**31 - 1)


def test_the_output_layer_settings_of_the_model_panel_are_the_tables(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ModelPanel()
    qtbot.addWidget(panel)
    _check_widget("model.head_dropout", panel.dropout)
    _check_widget("model.head_hidden", panel.hidden)
    panel.dropout.setValue(panel.dropout.maximum())
    panel.hidden.setValue(panel.hidden.maximum())
    assert panel.model_config().head_dropout == pytest.approx(0.99)
    panel.shutdown()


def test_the_augmentation_transforms_of_the_dialog_are_the_tables(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AugmentDialog(AugmentConfig(), Augmentation.LIGHT, None, [], 32, 36)
    qtbot.addWidget(dialog)
    widgets = {**dialog.flags, **dialog.numbers}
    assert set(widgets) == {spec.name for spec in options_in("augment")}
    for name, widget in widgets.items():
        _check_widget(f"augment.{name}", widget)
    for spin in dialog.numbers.values():
        spin.setValue(spin.maximum())
    assert dialog.result_augment().rotation == 180


def test_the_split_shares_are_the_tables_in_percent(qtbot) -> None:  # type: ignore[no-untyped-def]
    split = SplitSettings()
    qtbot.addWidget(split)
    for path, box in (("data.val_fraction", split.val), ("data.test_fraction", split.test)):
        low, high = option(path).widget_range()
        assert (box.minimum(), box.maximum()) == (round(low * 100), round(high * 100))
        assert box.value() == round(option_default(path) * 100)
        assert box.specialValueText() == option(path).special and box.toolTip() == option(path).help
    split.val.setValue(20)
    split.test.setValue(split.test.maximum())
    assert DataConfig("/d", **split.values()).test_fraction == 0.4


def test_a_closed_set_is_shown_as_a_drop_down_of_its_labels(options: TrainingOptions) -> None:
    for path, widget in options.fields.items():
        kind = option_type(path)
        assert isinstance(widget, QComboBox) == (isinstance(kind, type) and issubclass(kind, enum.Enum)), path
