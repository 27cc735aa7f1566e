"""Package exports that import nothing until used.

Each package's ``__init__`` names its public objects (``from engine.data import scan_image_folder``) without
importing its modules up front: ``python -m engine scan`` must not pay for torch because ``engine.data`` also
holds the loaders. Type checkers see the names through the ``TYPE_CHECKING`` imports beside each call.

Example:
    >>> getattr_, dir_ = lazy_exports("engine.core", {"StudioError": "engine.core.errors"})
    >>> getattr_("StudioError").__name__
    'StudioError'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps each public name to the module defining it."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")  # not translated: Python's own error
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
