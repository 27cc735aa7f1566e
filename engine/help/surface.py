"""The window's form of an engine sentence: the command-line way of doing something is left out.

The engine's sentences serve the window and the command line alike, so some name both ways of fixing a problem:
"(one click in the Data tab, or --use-folder-split)". The window shows only its own way; a person who does not
program never meets an option name (issue 13, item 5).
"""

from __future__ import annotations

import re

#: ", or --flag" / ", or python -m engine …" (Korean: ", 또는 --flag") inside brackets, up to the closing bracket
#: (# not translated: these patterns find command-line text in a sentence of either language).
_COMMAND_LINE_ALTERNATIVE = re.compile(r",? (?:or|또는) (?:--[\w-]+|`?python -m engine[^)]*)(?=\))")
#: A bracket left holding only a command-line way (# not translated: a pattern).
_COMMAND_LINE_ONLY = re.compile(r" ?\((?:--[\w-]+|`?python -m engine[^)]*)\)")
#: A sentence that only points to a command, "`python -m engine layers` lists them." (# not translated: a pattern)
_COMMAND_SENTENCE = re.compile(r" ?`python -m engine[^`]*`[^.]*\.")


def window_text(text: str) -> str:
    """``text`` without the command-line alternatives it names.

    Example:
        >>> window_text("Use the folder's own split (one click in the Data tab, or --use-folder-split).")
        "Use the folder's own split (one click in the Data tab)."
        >>> window_text("Continue it (Resume in Past runs, or python -m engine train --resume runs/a): it saves.")
        'Continue it (Resume in Past runs): it saves.'
        >>> window_text("폴더의 분할을 사용하세요(데이터 탭에서 한 번 클릭, 또는 --use-folder-split).")
        '폴더의 분할을 사용하세요(데이터 탭에서 한 번 클릭).'
    """
    text = _COMMAND_LINE_ALTERNATIVE.sub("", text)
    return _COMMAND_SENTENCE.sub("", _COMMAND_LINE_ONLY.sub("", text))
