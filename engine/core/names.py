"""How file and folder names are shown to people and kept in files, including names that are not valid UTF-8.

Linux lets a name hold any bytes. Python hands an undecodable byte (``b"\\xff"``) over as a "surrogate
escape" character (``"\\udcff"``, see :func:`os.fsdecode`); the str still opens the file, but printing it,
writing it as UTF-8 or showing it in Qt fails or silently drops the character. One rule for the whole app:

- **opening files**: keep the name exactly as the file system gave it (paths in memory, ``split.json``);
- **files the app reads back** (JSON in the run folder, ``--json``): :func:`json_text` writes the odd
  character as the JSON escape ``\\udcff``; the file is valid UTF-8 and ``json.loads`` returns the exact name;
- **what people read** (the terminal, CSV tables, class names, messages): :func:`readable` writes the odd
  byte as the four characters ``\\xff``, as Python and git do.

Example:
    >>> readable(os.fsdecode(b"b\\xff.png"))
    'b\\\\xff.png'
    >>> json.loads(json_text(os.fsdecode(b"b\\xff.png"))) == os.fsdecode(b"b\\xff.png")
    True
"""

from __future__ import annotations

import codecs
import json
import os
import re
from typing import Any, TextIO

#: Error handler name for :meth:`str.encode` and text streams: undecodable bytes come out as ``\xNN``.
READABLE_ERRORS = "finetune_studio.readable"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte the file system name held (os.fsdecode's surrogate escape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"  # a lone surrogate from elsewhere (e.g. a JSON escape)


def _readable_errors(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(_escape(c) if _SURROGATE.match(c) else c.encode("ascii", "backslashreplace").decode()
                   for c in bad), error.end


codecs.register_error(READABLE_ERRORS, _readable_errors)


def readable(text: str) -> str:
    """``text`` as people should see it: valid Unicode, undecodable bytes written as ``\\xNN``."""
    return _SURROGATE.sub(lambda m: _escape(m.group()), text)


def display_path(path: str | os.PathLike[str]) -> str:
    """A path for messages and tables (see :func:`readable`); never use the result to open the file."""
    return readable(os.fspath(path))


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """JSON that is valid UTF-8 whatever names ``data`` holds, and gives them back exactly to ``json.loads``.

    Accents stay readable (``ensure_ascii=False``); only undecodable characters become ``\\uXXXX`` escapes.
    """
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def readable_streams(*streams: TextIO) -> None:
    """Make text streams (the CLI's stdout and stderr) print undecodable names as ``\\xNN`` instead of
    failing with UnicodeEncodeError (or writing bytes that are not UTF-8)."""
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=READABLE_ERRORS)
