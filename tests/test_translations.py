"""Every word the app shows is in the catalogs, and the Korean catalog translates all of it (issue 17).

The source is read by tests/i18n_scan.py: a sentence left outside ``tr()``, a message the Korean catalog lacks
or leaves empty, a translation that drops or invents a ``{field}``, or a ``tr()`` run at import time fails here
with the file and line to fix."""

from __future__ import annotations

import re

import pytest

from tests.i18n_scan import catalog_keys, scan
from tests.korean_text import HANGUL as _HANGUL

_FIELD = re.compile(r"\{([^{}:!]*)[^{}]*\}")
#: A translator's comment that says the English is also the Korean (a product name, a unit).
SAME_IN_KOREAN = "same in Korean"


@pytest.fixture(scope="module")
def source_scan():  # type: ignore[no-untyped-def]
    return scan()


def test_every_sentence_shown_is_given_to_tr(source_scan) -> None:  # type: ignore[no-untyped-def]
    found = [str(item) for item in source_scan.untranslated]
    assert not found, f"{len(found)} sentences are not translatable (wrap them in tr()):\n" + "\n".join(found[:60])


def test_nothing_is_translated_at_import_time(source_scan) -> None:  # type: ignore[no-untyped-def]
    found = [f"{i.file}:{i.line}: {i.text}" for i in source_scan.import_time_calls]
    assert not found, "use tr_later() for constants and tr() where they are shown:\n" + "\n".join(found)


def test_the_korean_catalog_translates_every_message(source_scan) -> None:  # type: ignore[no-untyped-def]
    catalog = catalog_keys("ko")
    lacking = sorted({f"{m.file}:{m.line}: {m.msgid[:90]!r}" for m in source_scan.messages
                      if not all(catalog.get((m.context, m.msgid), ("", [""]))[1])})
    assert not lacking, f"{len(lacking)} messages have no Korean translation:\n" + "\n".join(lacking[:60])


def test_korean_translations_are_korean_and_keep_their_fields() -> None:
    import polib

    from tests.i18n_scan import LOCALE_DIR

    problems = []
    seen: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for path in sorted((LOCALE_DIR / "ko").glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.obsolete or not entry.msgid:
                continue
            key = (entry.msgctxt or "", entry.msgid)
            forms = ([entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)] if entry.msgid_plural
                     else [entry.msgstr])
            english_fields = set(_FIELD.findall(entry.msgid_plural or entry.msgid))
            where = f"{path.name}: {entry.msgid[:70]!r}"
            if key in seen and seen[key][1] != forms:
                problems.append(f"{where} is translated differently in {seen[key][0]}")
            seen[key] = (path.name, forms)
            for form in forms:
                if not form:
                    continue
                if set(_FIELD.findall(form)) != english_fields:
                    problems.append(f"{where}: fields {sorted(set(_FIELD.findall(form)))} != {sorted(english_fields)}")
                if not _HANGUL.search(form) and SAME_IN_KOREAN not in (entry.tcomment or ""):
                    problems.append(f"{where}: {form[:50]!r} has no Korean (add the comment '{SAME_IN_KOREAN}'"
                                    " if that is right)")
    assert not problems, "\n".join(problems[:60])


def test_the_catalog_holds_no_message_the_code_no_longer_uses(source_scan) -> None:  # type: ignore[no-untyped-def]
    used = {(m.context, m.msgid) for m in source_scan.messages}
    stale = sorted(f"{file}: {key[1][:80]!r}" for key, (file, _) in catalog_keys("ko").items()
                   if key not in used and key[1])
    assert not stale, "remove these entries (the code no longer says them):\n" + "\n".join(stale[:60])
