"""The plain records a folder scan produces (kept apart so the cache, the scanner and the report share them).

Example:
    >>> FileRecord("cats/1.jpg", "accepted", "ok").usable
    True
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from engine.core.i18n import trp


class Outcome(str, enum.Enum):
    """What happened to a file: the four words of the data report."""

    ACCEPTED = "accepted"  # used as it is
    CONVERTED = "converted"  # used after a recorded conversion
    SKIPPED = "skipped"  # not used, with a reason the user can act on
    IGNORED = "ignored"  # system or hidden files and folders: not the user's images

    @property
    def label(self) -> str:
        """The word for people, in the user's language (the value stays English: files and scripts use it)."""
        labels = {"accepted": trp("outcome", "accepted"), "converted": trp("outcome", "converted"),
                  "skipped": trp("outcome", "skipped"), "ignored": trp("outcome", "ignored")}
        return labels[self.value]


@dataclass(frozen=True, slots=True)
class Problem:
    """A dataset-level warning or blocking problem: a stable code and a sentence saying what to do."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What one scan learnt about one file (or skipped/ignored folder). Paths are relative, with ``/``."""

    path: str
    outcome: str
    reason: str
    message: str = ""
    size: int = 0
    mtime_ns: int = 0
    content_hash: str = ""
    dhash: int = 0
    fine_hash: str = ""
    mean_rgb: tuple[int, int, int] = (0, 0, 0)
    patient_key: str = ""
    codes: tuple[str, ...] = ()  # every conversion code; ``reason`` is the first
    source_format: str = ""
    width: int = 0
    height: int = 0

    @property
    def usable(self) -> bool:
        return self.outcome in (Outcome.ACCEPTED.value, Outcome.CONVERTED.value)

    def to_json(self) -> dict[str, Any]:
        """Compact JSON form (defaults left out) for the scan cache."""
        out: dict[str, Any] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            if name == "path" or value in ("", 0, (), (0, 0, 0)):
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_json(cls, path: str, data: dict[str, Any]) -> FileRecord:
        fields = dict(data)
        if "mean_rgb" in fields:
            r, g, b = fields["mean_rgb"]
            fields["mean_rgb"] = (int(r), int(g), int(b))
        if "codes" in fields:
            fields["codes"] = tuple(str(c) for c in fields["codes"])
        return cls(path=path, **fields)
