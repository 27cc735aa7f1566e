"""A setting by its path (``"optim.epochs"``): its default and type, read from the dataclasses themselves (the
option table never repeats them), its value in a config, and a config with several settings changed at once.

Example:
    >>> option_default("optim.epochs"), option_type("optim.epochs").__name__
    (10, 'int')
    >>> from engine.config import DataConfig
    >>> config = with_options(TrainConfig(DataConfig("/d")), {"optim.epochs": 3, "seed": 7})
    >>> option_value(config, "optim.epochs"), config.seed
    (3, 7)
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any

from engine.config.settings import TrainConfig


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    # Field types are strings (``from __future__ import annotations``); resolved in settings.py's names.
    return typing.get_type_hints(cls)


def _section_class(section: str) -> type:
    """The dataclass of one part of ``TrainConfig`` (``"augment"`` -> AugmentConfig, ``""`` -> TrainConfig)."""
    if not section:
        return TrainConfig
    kind = _hints(TrainConfig)[section]
    if isinstance(kind, types.UnionType):  # ``AugmentConfig | None``
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    return kind  # type: ignore[no-any-return]


def _split(path: str) -> tuple[str, str]:
    section, _, name = path.rpartition(".")
    return section, name


def _field(path: str) -> dataclasses.Field[Any]:
    section, name = _split(path)
    for fld in dataclasses.fields(_section_class(section)):
        if fld.name == name:
            return fld
    raise KeyError(f"TrainConfig has no setting {path!r}")  # not translated: a programming error


def option_default(path: str) -> Any:
    """The dataclass's default of the setting at ``path`` (the field default of its section's class)."""
    fld = _field(path)
    if fld.default is not dataclasses.MISSING:
        return fld.default
    if fld.default_factory is not dataclasses.MISSING:
        return fld.default_factory()
    raise KeyError(f"The setting {path!r} has no default")  # not translated: a programming error


def option_type(path: str) -> type:
    """The setting's type: ``int``, ``float``, ``bool``, ``str`` or its enum class."""
    section, name = _split(path)
    return _hints(_section_class(section))[name]  # type: ignore[no-any-return]


def option_value(config: TrainConfig, path: str) -> Any:
    """The value at ``path`` in ``config``; the default when its section is unset (``augment`` is None)."""
    section, name = _split(path)
    holder = getattr(config, section) if section else config
    return option_default(path) if holder is None else getattr(holder, name)


def with_options(config: TrainConfig, values: Mapping[str, Any]) -> TrainConfig:
    """``config`` with every ``path: value`` of ``values`` changed, each section rebuilt (and checked) once.

    All changes land together, so rules that tie settings together see the final values, never a half-changed
    config (Nesterov with a new optimizer, a strategy with new weights).
    """
    sections: dict[str, dict[str, Any]] = {}
    for path, value in values.items():
        _field(path)  # an unknown path is a programming error: say so at once
        section, name = _split(path)
        sections.setdefault(section, {})[name] = value
    top = sections.pop("", {})
    for section, changes in sections.items():
        current = getattr(config, section)
        top[section] = (_section_class(section)(**changes) if current is None
                        else dataclasses.replace(current, **changes))
    return config.replace(**top) if top else config

