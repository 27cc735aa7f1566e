"""What can stop an export, each as one sentence the window and the command line show as they are."""

from __future__ import annotations

from engine.core.errors import StudioError


class ExportError(StudioError):
    """An export could not be made (the sentence says what, where, and what to do)."""


class ExportUnsupported(ExportError):
    """The model cannot be written in this format (an operation the format lacks); other ways still work."""


class ExportCheckFailed(ExportError):
    """The exported model answers differently from the trained one: it was not written."""


class ExportExists(ExportError):
    """A file the export would write exists already and overwriting was not allowed.

    ``paths`` are the files in the way, so a window can ask before it tries again with ``overwrite=True``.
    """

    def __init__(self, message: str, paths: tuple[str, ...]) -> None:
        super().__init__(message)
        self.paths = paths
