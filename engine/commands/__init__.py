"""The command-line commands. Each module has ``register(subparsers)`` that sets ``func`` on its parser."""

from __future__ import annotations

from types import ModuleType

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _commands() -> list[ModuleType]:
    from engine.commands import advise, evaluate, layers, predict, scan, train

    return [scan, advise, train, evaluate, predict, layers]


COMMANDS = _commands()
