"""The option table is the one place of each setting's range, names and plain line: the config refuses exactly
outside the table's range, and the command line's options, defaults and help are the table's and the dataclasses'."""

from __future__ import annotations

import dataclasses
import enum
import math

import pytest

from engine.cli.main import build_parser
from engine.cli.option_args import OFF_NOTE, cli_help, dest
from engine.cli.train import config_from_args
from engine.config import (
    OPTIONS,
    AugmentConfig,
    DataConfig,
    EarlyStoppingConfig,
    FineTuneSchedule,
    ModelConfig,
    OptimConfig,
    OptionSpec,
    ScheduleConfig,
    TrainConfig,
    option,
    option_default,
    option_type,
    with_options,
)
from engine.core.errors import ConfigError
from engine.models.heads import HeadOptions

NUMBERS = [spec for spec in OPTIONS if spec.limits is not None]
ON_THE_COMMAND_LINE = [spec for spec in OPTIONS if spec.cli]


def _config(spec: OptionSpec, value: float) -> TrainConfig:
    return with_options(TrainConfig(DataConfig("/d")), {spec.path: option_type(spec.path)(value)})


def _outside(spec: OptionSpec) -> tuple[float, float]:
    """The nearest values just outside each end: an open end itself, else one step of the shown precision."""
    lim = spec.bounds
    low = lim.low if lim.low_open else lim.low - spec.tick
    high = lim.high if lim.high_open else lim.high + spec.tick
    return low, high


@pytest.mark.parametrize("spec", NUMBERS, ids=lambda s: s.path)
def test_the_config_accepts_the_ends_of_each_range_and_nothing_beyond(spec: OptionSpec) -> None:
    low, high = spec.widget_range()
    for inside in (low, high):
        config = _config(spec, inside)
        section = getattr(config, spec.section) if spec.section else config
        assert getattr(section, spec.name) == inside
    for outside in _outside(spec):
        with pytest.raises(ConfigError) as refused:
            _config(spec, outside)
        assert str(refused.value) == spec.problem(outside)
        assert str(refused.value).startswith(f"{spec.subject} must be ") and "(it is " in str(refused.value)


@pytest.mark.parametrize("spec", [s for s in NUMBERS if option_type(s.path) is float], ids=lambda s: s.path)
def test_not_a_number_is_refused_by_every_decimal_setting(spec: OptionSpec) -> None:
    with pytest.raises(ConfigError, match=spec.subject):
        _config(spec, math.nan)


def test_the_refusals_read_as_plain_sentences() -> None:
    assert option("optim.epochs").problem(0) == "The number of epochs must be between 1 and 10000 (it is 0)."
    assert option("data.val_fraction").problem(0.9) == ("The validation share must be between 5% and 50% of the "
                                                        "images (it is 90%).")
    assert option("optim.lr").problem(0.0) == "The learning rate must be above 0 and at most 10 (it is 0)."
    assert option("model.head_hidden").problem(5000) == ("The hidden layer's size must be between 0 (none) and "
                                                         "4096 units (it is 5000).")


def test_the_seed_range_is_what_a_spin_box_can_hold() -> None:
    assert _config(option("seed"), 2**31 - 1).seed == 2**31 - 1
    with pytest.raises(ConfigError, match="seed must be between 0 and 2147483647"):
        _config(option("seed"), 2**31)


def test_the_output_layer_checks_its_options_with_the_same_sentences_as_the_config() -> None:
    for kwargs, field in (({"dropout": 1.0}, "head_dropout"), ({"hidden": 4097}, "head_hidden")):
        with pytest.raises(ConfigError) as head:
            HeadOptions(**kwargs)  # type: ignore[arg-type]
        with pytest.raises(ConfigError) as model:
            ModelConfig(**{field: next(iter(kwargs.values()))})
        assert str(head.value) == str(model.value)


#: Parts of the config that are not one setting of a form: the folder itself, files left out one by one, the
#: frozen layers (the layer tree, --freeze), what the advisor said (recorded, not chosen).
NOT_OPTIONS = {"data.data_dir", "data.exclude", "freeze", "advice"}
SECTIONS = {"data": DataConfig, "model": ModelConfig, "optim": OptimConfig, "early_stopping": EarlyStoppingConfig,
            "schedule": ScheduleConfig, "augment": AugmentConfig, "finetune": FineTuneSchedule}


def test_every_setting_a_user_chooses_is_in_the_table_and_nothing_else() -> None:
    settings = set()
    for top in dataclasses.fields(TrainConfig):
        if top.name in SECTIONS:
            settings |= {f"{top.name}.{f.name}" for f in dataclasses.fields(SECTIONS[top.name])}
        else:
            settings.add(top.name)
    assert {spec.path for spec in OPTIONS} == settings - NOT_OPTIONS
    assert len(OPTIONS) == len({spec.path for spec in OPTIONS}), "one entry per setting"


@pytest.mark.parametrize("spec", OPTIONS, ids=lambda s: s.path)
def test_each_entry_is_complete_and_plain(spec: OptionSpec) -> None:
    assert spec.label and spec.help
    assert 20 < len(spec.help) < 240 and spec.help.endswith((".", ")")), spec.help
    assert "--" not in spec.help, "the plain line is also the window's: it names no command-line option"
    kind = option_type(spec.path)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        assert [c.value for c in spec.choices] == list(kind), "every value of the closed set, each with a label"
        assert all(c.label for c in spec.choices)
    if spec.limits is not None:
        assert spec.subject and kind in (int, float)
        assert spec.limits.contains(option_default(spec.path)), "the default is inside its own range"


# -- the command line -------------------------------------------------------------------------------------


def _train_parser():  # type: ignore[no-untyped-def]
    parser = build_parser()
    return next(a for a in parser._actions if a.dest == "command").choices["train"]


def test_every_table_option_is_on_the_train_command_once() -> None:
    flags = [flag for action in _train_parser()._actions for flag in action.option_strings]
    for spec in ON_THE_COMMAND_LINE:
        assert flags.count(spec.cli) == 1, spec.cli


def test_the_command_line_defaults_are_the_dataclasses_defaults() -> None:
    args = build_parser().parse_args(["train", "photos", "--out", "run"])
    for spec in ON_THE_COMMAND_LINE:
        default = option_default(spec.path)
        given = getattr(args, dest(spec))
        if spec.cli_unset:
            assert given is None, f"{spec.cli}: not given keeps the preset's or the advisor's value"
        elif spec.cli_off:
            assert (given, default) == (False, True), spec.cli
        else:
            assert given == (default.value if isinstance(default, enum.Enum) else default), spec.cli
    assert config_from_args(args) == TrainConfig(DataConfig("photos")), "no option given: the defaults"


def test_the_command_line_help_of_each_option_is_the_table_line() -> None:
    actions = {flag: action for action in _train_parser()._actions for flag in action.option_strings}
    for spec in ON_THE_COMMAND_LINE:
        assert actions[spec.cli].help == cli_help(spec)
        assert cli_help(spec) == (f"{spec.help} {OFF_NOTE}" if spec.cli_off else spec.help)
        choices = actions[spec.cli].choices
        if spec.choices:
            assert list(choices) == [c.value.value for c in spec.choices]


def test_train_help_lists_every_option_in_its_groups(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    text = capsys.readouterr().out
    groups = ["optimisation:", "augmentation (start from --augmentation, change any of these):",
              "data balance, early stopping, reproducibility, speed:", "layers and output layer:", "data split:",
              "strategy advisor (--strategy auto):"]
    positions = [text.index(group) for group in groups]
    assert positions == sorted(positions)
    for spec in ON_THE_COMMAND_LINE:
        assert f"  {spec.cli}" in text, spec.cli
    assert text.index("  --epochs") < positions[0] < text.index("  --momentum") < positions[1]
    assert positions[1] < text.index("  --rotation") < positions[2] < text.index("  --min-delta") < positions[3]
    assert positions[3] < text.index("  --head-dropout") < positions[4] < text.index("  --test-fraction")
    assert positions[5] < text.index("  --head-warmup")
