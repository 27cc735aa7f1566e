"""Typed errors that carry a message a non-programmer can read.

The GUI shows ``str(error)`` as it is; the traceback goes to the log file. Each error class says which part
of the product refused, so callers can catch narrowly (the CLI maps :class:`DataError` to exit code 2).
"""

from __future__ import annotations


class StudioError(Exception):
    """Base class: ``str(error)`` is a plain-language sentence saying what happened and what to do."""


class ConfigError(StudioError, ValueError):
    """A setting is out of range or inconsistent with another setting."""


class DataError(StudioError):
    """The image folder cannot be trained on (no classes, one class, too few images...)."""


class WeightsError(StudioError):
    """Starting weights could not be obtained or do not fit the chosen model."""


class ModelFileError(StudioError):
    """A saved model folder (``model/``) is missing, incomplete or from an incompatible version."""


class OutputError(StudioError):
    """A file or folder the app was asked to write cannot be written there (a folder given for a file, a
    missing folder, a read-only or full disk, no permission)."""
