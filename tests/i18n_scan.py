"""Reads the source for what the user sees: the messages given to ``tr``/``trn``/``trp``/``tr_later`` (the
catalog's keys) and the prose that is not translated yet (tests/test_translations.py fails on it).

Run it while translating::

    python -m tests.i18n_scan todo engine/data          # prose literals not wrapped in tr() yet
    python -m tests.i18n_scan missing engine/data       # messages the Korean catalog lacks
    python -m tests.i18n_scan stub engine/data engine/core/locale/ko/data.po
                                                        # adds them to a .po file with an empty msgstr

A literal is prose when, with its ``{fields}`` and HTML tags taken out, it still holds a word and a space, or
when it is the text of a Qt widget (``QLabel("Data")``, ``setToolTip(...)``). Not prose to translate:
docstrings, log and ``warnings.warn`` messages, ``assert`` messages, and any statement with the comment
``# not translated: <why>`` (markup, file formats, identifiers that look like words).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_ROOTS = ("engine", "gui")
LOCALE_DIR = ROOT / "engine" / "core" / "locale"
TR_FUNCTIONS = {"tr": 0, "tr_later": 0, "trp": 1, "trn": 0, "tr_in": 1}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
LOG_RECEIVERS = {"log", "logger", "logging", "_log", "LOG", "_logger"}
#: Qt calls whose string arguments are shown as they are: even one word must be translated.
QT_TEXT_CALLS = {
    "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QToolButton", "QMenu",
    "setText", "setToolTip", "setWindowTitle", "setPlaceholderText", "setTitle", "addTab", "insertTab",
    "setTabText", "setTabToolTip", "setHeaderLabels", "setHorizontalHeaderLabels", "setVerticalHeaderLabels",
    "addItem", "addItems", "insertItem", "setStatusTip", "showMessage", "setSuffix", "setPrefix",
    "setSpecialValueText", "setLabelText", "addMenu", "addAction", "setWhatsThis", "setInformativeText",
    "setDetailedText", "setFormat", "addRow", "setAccessibleName", "information", "warning", "critical",
    "question", "getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory",
}
MARKER = "# not translated"
_FIELD = re.compile(r"\{[^{}]*\}")
_TAG = re.compile(r"<[^<>]*>")
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Message:
    context: str
    msgid: str
    plural: str | None
    file: str
    line: int


@dataclass(frozen=True)
class Untranslated:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text[:100]!r}"


def python_files(paths: Iterable[str | Path] = SOURCE_ROOTS) -> Iterator[Path]:
    for path in paths:
        path = (ROOT / path) if not Path(path).is_absolute() else Path(path)
        if path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*.py") if "locale" not in p.parts)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _receiver(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return ""


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values
                       if isinstance(v, ast.Constant | ast.FormattedValue))
    return None


def is_prose(text: str, *, shown_as_is: bool = False) -> bool:
    """Does ``text`` hold words a person reads?

    Example:
        >>> is_prose("Choose a folder"), is_prose("saved_model"), is_prose("<td>{}</td>"), is_prose("Data")
        (True, False, False, False)
        >>> is_prose("Data", shown_as_is=True), is_prose("{name} ({size})", shown_as_is=True)
        (True, False)
    """
    bare = _TAG.sub(" ", _FIELD.sub(" ", text))
    if not _WORD.search(bare):
        return False
    if shown_as_is:
        return True
    words = [w for w in re.split(r"\s+", bare.strip()) if _WORD.search(w)]
    return len(words) >= 2


class _Scanner(ast.NodeVisitor):
    def __init__(self, file: str, source: str) -> None:
        self.file = file
        self.lines = source.splitlines()
        self.messages: list[Message] = []
        self.untranslated: list[Untranslated] = []
        self.import_time_calls: list[Untranslated] = []
        self._stack: list[ast.AST] = []
        self._docstrings: set[int] = set()

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _literal_text(body[0].value) is not None:
                self._docstrings.add(id(body[0].value))
        self._stack.append(node)
        try:
            if isinstance(node, ast.Call):
                self._call(node)
            elif (text := _literal_text(node)) is not None:
                self._literal(node, text)
                if isinstance(node, ast.JoinedStr):  # its literal parts are not literals of their own, but
                    for part in node.values:          # a tr() inside a {field} is a message
                        if isinstance(part, ast.FormattedValue):
                            self.visit(part.value)
                return
            self.generic_visit(node)
        finally:
            self._stack.pop()

    def _call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name in TR_FUNCTIONS and name != "tr_later" and not self._inside_function():
            self.import_time_calls.append(Untranslated(self.file, node.lineno, ast.unparse(node)[:100]))
        if name not in TR_FUNCTIONS:
            return
        first = TR_FUNCTIONS[name]
        args = node.args
        context = ""
        if name == "trp" and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            context = args[0].value
        if len(args) <= first:
            return
        msgid = args[first]
        if not (isinstance(msgid, ast.Constant) and isinstance(msgid.value, str)):
            return  # tr(CONSTANT): the constant was marked with tr_later where it is defined
        plural = None
        if name == "trn" and len(args) > 1 and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
            plural = args[1].value
        self.messages.append(Message(context, msgid.value, plural, self.file, node.lineno))

    def _inside_function(self) -> bool:
        return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) for n in self._stack)

    def _literal(self, node: ast.AST, text: str) -> None:
        if id(node) in self._docstrings or self._exempt():
            return
        shown_as_is = self._qt_text_argument(node)
        if is_prose(text, shown_as_is=shown_as_is) and not self._marked(node):
            line = getattr(node, "lineno", 0)
            self.untranslated.append(Untranslated(self.file, line, text))

    def _exempt(self) -> bool:
        for ancestor in reversed(self._stack[:-1]):
            if isinstance(ancestor, ast.Assert):
                return True
            if isinstance(ancestor, ast.Call):
                name = _call_name(ancestor)
                if name in TR_FUNCTIONS:
                    return True
                if name in LOG_METHODS and _receiver(ancestor) in LOG_RECEIVERS:
                    return True
                if name == "warn" and _receiver(ancestor) == "warnings":
                    return True
        return False

    def _qt_text_argument(self, node: ast.AST) -> bool:
        parent = self._stack[-2] if len(self._stack) > 1 else None
        if isinstance(parent, ast.keyword):
            parent = self._stack[-3] if len(self._stack) > 2 else None
        return isinstance(parent, ast.Call) and _call_name(parent) in QT_TEXT_CALLS

    def _marked(self, node: ast.AST) -> bool:
        statement = next((n for n in reversed(self._stack) if isinstance(n, ast.stmt)), None)
        first = getattr(statement or node, "lineno", 1)
        last = getattr(statement or node, "end_lineno", first) or first
        # A marker on the line above the statement counts too (a long statement has no room at its end).
        return any(MARKER in self.lines[i - 1] for i in range(max(1, first - 1), last + 1) if i <= len(self.lines))


@dataclass
class Scan:
    messages: list[Message]
    untranslated: list[Untranslated]
    import_time_calls: list[Untranslated]


def scan(paths: Iterable[str | Path] = SOURCE_ROOTS) -> Scan:
    result = Scan([], [], [])
    for path in python_files(paths):
        source = path.read_text(encoding="utf-8")
        scanner = _Scanner(str(path.relative_to(ROOT)), source)
        scanner.visit(ast.parse(source, filename=str(path)))
        result.messages += scanner.messages
        result.untranslated += scanner.untranslated
        result.import_time_calls += scanner.import_time_calls
    return result


def catalog_keys(language: str = "ko") -> dict[tuple[str, str], tuple[str, list[str]]]:
    """``(context, msgid) → (file, forms)`` of every entry in ``language``'s .po files, untranslated included."""
    import polib

    keys: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for path in sorted((LOCALE_DIR / language).glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            forms = ([entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)] if entry.msgid_plural
                     else [entry.msgstr])
            if "fuzzy" in entry.flags:
                forms = ["" for _ in forms]
            keys[(entry.msgctxt or "", entry.msgid)] = (path.name, forms)
    return keys


def missing(paths: Iterable[str | Path], language: str = "ko") -> list[Message]:
    known = catalog_keys(language)
    seen: set[tuple[str, str]] = set()
    result = []
    for message in scan(paths).messages:
        key = (message.context, message.msgid)
        if key in seen:
            continue
        seen.add(key)
        entry = known.get(key)
        if entry is None or not all(entry[1]):
            result.append(message)
    return result


def stub(paths: Iterable[str | Path], po_file: Path, language: str = "ko") -> int:
    """Adds every missing message of ``paths`` to ``po_file`` with an empty translation; returns how many."""
    import polib

    if po_file.exists():
        po = polib.pofile(str(po_file))
    else:
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": language,
                       "Plural-Forms": "nplurals=1; plural=0;" if language == "ko" else
                       "nplurals=2; plural=(n != 1);"}
    present = {(e.msgctxt or "", e.msgid) for e in po}
    added = 0
    for message in missing(paths, language):
        if (message.context, message.msgid) in present:
            continue
        present.add((message.context, message.msgid))
        entry = polib.POEntry(msgctxt=message.context or None, msgid=message.msgid,
                              occurrences=[(message.file, str(message.line))])
        if message.plural is not None:
            entry.msgid_plural = message.plural
            entry.msgstr_plural = {0: ""}
        po.append(entry)
        added += 1
    po_file.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(po_file))
    return added


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"todo", "missing", "stub"}:
        print(__doc__)
        return 2
    command, paths = argv[0], argv[1:]
    if command == "todo":
        result = scan(paths)
        for item in result.untranslated:
            print(item)
        for item in result.import_time_calls:
            print(f"{item.file}:{item.line}: translated at import time: {item.text}")
        print(f"{len(result.untranslated)} untranslated, {len(result.import_time_calls)} at import time")
        return 1 if result.untranslated or result.import_time_calls else 0
    if command == "missing":
        lacking = missing(paths)
        for message in lacking:
            print(f"{message.file}:{message.line}: {message.msgid[:100]!r}")
        print(f"{len(lacking)} missing")
        return 1 if lacking else 0
    *sources, target = paths
    print(f"{stub(sources, Path(target))} added to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
