"""Every word the app shows, in the user's language: the one translation mechanism of the engine, the CLI and
the window (docs/ARCHITECTURE.md, section "Languages").

Catalogs are gettext ``.po`` files under ``engine/core/locale/<language>/`` (one file per area of the code, all
merged when a language is loaded), read with polib, so a translator can use any gettext tool (Poedit, Lokalize,
Weblate) and nothing needs compiling. The English sentence in the code is the key.

Three rules keep a sentence translatable, and tests/test_translations.py checks them:

* the whole sentence is one message, its changing parts named fields — ``tr("Found {count} images", count=n)``
  — never translated fragments glued together;
* a count goes through :func:`trn`, which picks the form the language needs ("1 epoch" / "2 epochs"; Korean has
  one form: "에포크 2회");
* nothing is translated at import time: a module-level constant is marked with :func:`tr_later` and translated
  where it is shown, ``tr(CONSTANT)``, so the language can be chosen after the modules are imported.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

#: The languages the app speaks, each in its own words (the View → Language menu and ``--lang``).
LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
#: Set by ``--lang``, the window's language choice and the training child (it speaks its parent's language).
LANGUAGE_VARIABLE = "FINETUNE_STUDIO_LANG"
LOCALE_DIR = Path(__file__).with_name("locale")

_lock = threading.Lock()
_language: str | None = None
_catalogs: dict[str, dict[tuple[str, str], list[str]]] = {}


def language_from_environment(env: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: ``FINETUNE_STUDIO_LANG``, then gettext's order (``LANGUAGE``,
    ``LC_ALL``, ``LC_MESSAGES``, ``LANG``); English when none names a language the app speaks.

    Example:
        >>> language_from_environment({"LANG": "ko_KR.UTF-8"}), language_from_environment({"LANG": "C.UTF-8"})
        ('ko', 'en')
        >>> language_from_environment({"LANGUAGE": "fr:ko", "LANG": "en_US.UTF-8"})
        'ko'
    """
    env = os.environ if env is None else env
    for name in (LANGUAGE_VARIABLE, "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        for candidate in value.split(":"):
            code = normalise_language(candidate)
            if code is not None:
                return code
        if name != "LANGUAGE":
            # The first variable that is set decides, as in gettext (LANGUAGE only lists preferences).
            return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def normalise_language(value: str) -> str | None:
    """``"ko_KR.UTF-8"``, ``"ko-KR"`` or ``"ko"`` → ``"ko"``; None for a language the app does not speak.

    Example:
        >>> normalise_language("ko_KR.UTF-8"), normalise_language("en-GB"), normalise_language("de_DE")
        ('ko', 'en', None)
    """
    code = value.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def set_language(code: str | None) -> str:
    """Speak ``code`` from now on (None: what the environment asks for); returns the language chosen.

    A language the app does not speak falls back to English. Already shown texts are not changed: a window
    is built again in the new language (the window restarts itself, gui/language_menu.py).
    """
    global _language
    chosen = normalise_language(code) if code else language_from_environment()
    chosen = chosen or DEFAULT_LANGUAGE
    if chosen != DEFAULT_LANGUAGE:
        _catalog(chosen)
    with _lock:
        _language = chosen
    return chosen


def current_language() -> str:
    """The language texts are translated into now (chosen from the environment on first use)."""
    if _language is None:
        set_language(None)
    assert _language is not None
    return _language


def tr(message: str, /, **fields: object) -> str:
    """``message`` in the current language, its ``{fields}`` filled in.

    Example:
        >>> tr("Found {count} images.", count=12)
        'Found 12 images.'
    """
    return _fill(_lookup("", message, None), message, fields)


def trp(context: str, message: str, /, **fields: object) -> str:
    """:func:`tr` for a message that needs a different translation in a different place (gettext's msgctxt):
    ``trp("set", "Train")`` is the training set, ``tr("Train")`` the button."""
    return _fill(_lookup(context, message, None), message, fields)


def trn(singular: str, plural: str, count: int | float, /, **fields: object) -> str:
    """The sentence for ``count`` of something, in the form the language needs; ``{n}`` is the count
    (``{n:,}`` writes it with thousands separators).

    Example:
        >>> trn("{n} epoch", "{n} epochs", 1), trn("{n:,} image", "{n:,} images", 1200)
        ('1 epoch', '1,200 images')
    """
    english = singular if count == 1 else plural
    values = {"n": count, **fields}
    return _fill(_lookup("", singular, count), english, values, plural_key=plural)


def tr_in(language: str, message: str, /, **fields: object) -> str:
    """:func:`tr` in ``language`` whatever the current one: a question about switching languages is asked in
    both, since the person who picked the new one may not read the old."""
    forms = _catalog(language).get(("", message)) if language != DEFAULT_LANGUAGE else None
    return _fill(forms[0] if forms else None, message, fields)


def tr_later(message: str) -> str:
    """Marks a module-level constant for the catalog without translating it yet (``tr(CONSTANT)`` where it
    is shown): modules are imported before the language is chosen."""
    return message


def translations(language: str) -> dict[tuple[str, str], list[str]]:
    """Every ``(context, message) → forms`` entry of ``language`` (tests, the catalog check)."""
    return dict(_catalog(language))


def _lookup(context: str, message: str, count: int | float | None) -> str | None:
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return None
    forms = _catalog(language).get((context, message))
    if not forms:
        return None
    # Every language the app speaks has one plural form or English's two; Korean has one.
    index = 0 if count is None or len(forms) == 1 else (0 if count == 1 else 1)
    return forms[min(index, len(forms) - 1)] or None


def _fill(translated: str | None, english: str, fields: Mapping[str, object], *,
          plural_key: str | None = None) -> str:
    text = translated if translated is not None else english
    if not fields:
        return text
    try:
        return text.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        # A catalog entry with a broken field must not cost the user the message: English instead.
        log.warning("translation of %r is broken (%s); English shown", plural_key or english, exc)
        return english.format(**fields)


def _catalog(language: str) -> dict[tuple[str, str], list[str]]:
    with _lock:
        catalog = _catalogs.get(language)
        if catalog is None:
            catalog = _catalogs[language] = _read_catalog(LOCALE_DIR / language)
        return catalog


def _read_catalog(folder: Path) -> dict[tuple[str, str], list[str]]:
    """Every ``*.po`` file of ``folder``, merged; untranslated and fuzzy entries are left out (English shows)."""
    import polib  # only when a language other than English is spoken

    entries: dict[tuple[str, str], list[str]] = {}
    for path in sorted(folder.glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.obsolete or "fuzzy" in entry.flags:
                continue
            if entry.msgid_plural:
                forms = [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
            else:
                forms = [entry.msgstr]
            if any(forms):
                entries[(entry.msgctxt or "", entry.msgid)] = forms
    return entries
