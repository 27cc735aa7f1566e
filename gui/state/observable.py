"""A tiny, Qt-free observer mechanism: one :class:`Emitter` per fact of :class:`~gui.state.studio.StudioState`.

Why not Qt signals: the state must be importable and testable without Qt (it is the app's model; the panels
are its views, in the manner of napari's ``components`` and ``_qt``). Why weak references to bound methods:
a panel that observes the state while the window holds both would otherwise be kept alive by the state, and
the state by the window that owns the panel: a reference cycle through Qt objects, which only the garbage
collector could free (gui/gui_thread_gc.py). Other callables (functions, lambdas) are held strongly, so a
lambda that captures a panel brings the cycle back: connect bound methods.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

Observer = Callable[[T], object]


class _Strong(Generic[T]):
    """The same call interface as :class:`weakref.WeakMethod`, for callables held strongly."""

    __slots__ = ("fn",)

    def __init__(self, fn: Observer[T]) -> None:
        self.fn = fn

    def __call__(self) -> Observer[T]:
        return self.fn


class Emitter(Generic[T]):
    """Calls its observers with the new value of one fact, in the order they were connected.

    Example:
        >>> seen = []
        >>> size = Emitter[int]("image_size")
        >>> _ = size.connect(seen.append)
        >>> size.emit(96)
        >>> seen
        [96]
    """

    __slots__ = ("name", "_refs")

    def __init__(self, name: str) -> None:
        self.name = name
        self._refs: list[Callable[[], Observer[T] | None]] = []

    def connect(self, observer: Observer[T]) -> Observer[T]:
        """Call ``observer(value)`` on every change (once, however often it is connected); returns it."""
        if observer not in self.observers():
            bound = hasattr(observer, "__self__") and hasattr(observer, "__func__")
            self._refs.append(weakref.WeakMethod(observer) if bound else _Strong(observer))
        return observer

    def disconnect(self, observer: Observer[T]) -> None:
        """Stop calling ``observer``; nothing happens if it was not connected."""
        self._refs = [ref for ref in self._refs if ref() not in (None, observer)]

    def observers(self) -> list[Observer[T]]:
        """The observers still alive (a bound method goes with its object)."""
        alive = [ref() for ref in self._refs]
        return [fn for fn in alive if fn is not None]

    def emit(self, value: T) -> None:
        """Tell every observer; an observer's exception propagates (it is a bug, not a user's mistake)."""
        if any(ref() is None for ref in self._refs):
            self._refs = [ref for ref in self._refs if ref() is not None]
        for observer in self.observers():  # a copy: observers may connect or disconnect others meanwhile
            observer(value)

    def __repr__(self) -> str:
        return f"<Emitter {self.name}: {len(self.observers())} observers>"
