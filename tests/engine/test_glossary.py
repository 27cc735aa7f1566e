"""The glossary and the guide as the command line shows them, and the window's form of engine sentences."""

from __future__ import annotations

import pytest

from engine.cli.main import main as cli_main
from engine.help.glossary import LAYER_TYPES, TERMS, layer_tip
from engine.help.guide import TAB_KEYS, guide
from engine.help.surface import window_text


def test_the_glossary_command_explains_a_term(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["glossary", "macro"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Macro F1\n  The F1 score worked out for each class")
    assert cli_main(["glossary", "no such term"]) == 2
    assert "no term contains 'no such term'" in capsys.readouterr().err


def test_no_entry_names_a_command_line_option() -> None:
    texts = [t.tip for t in TERMS.values()] + list(LAYER_TYPES.values())
    texts += [p for section in guide() for p in (section.title, *section.paragraphs)]
    assert not [t for t in texts if "--" in t or "python -m" in t]


def test_the_guide_has_a_page_for_every_tab_and_unknown_layers_get_a_plain_guess() -> None:
    keys = [s.key for s in guide()]
    assert set(TAB_KEYS) <= set(keys) and len(TAB_KEYS) == 7
    assert layer_tip("SomethingConvLike") == layer_tip("FancyConv3d") != layer_tip("Unheard")


@pytest.mark.parametrize(("engine_sentence", "window_sentence"), [
    ("Use the folder's own split (one click in the Data tab, or --use-folder-split), or choose one of them.",
     "Use the folder's own split (one click in the Data tab), or choose one of them."),
    ("Leave out both copies (4 files; one click in the Data tab, or --exclude), or delete the wrong copy.",
     "Leave out both copies (4 files; one click in the Data tab), or delete the wrong copy."),
    ("Continue it (Resume in Past runs, or python -m engine train --resume runs/a): it saves its best model.",
     "Continue it (Resume in Past runs): it saves its best model."),
    ("Unknown model. `python -m engine layers --arch ARCH` lists them.", "Unknown model."),
    ("A sentence without options stays as it is — even with dashes.", "A sentence without options stays as it is — even with dashes."),
])
def test_the_window_leaves_out_the_command_line_way(engine_sentence: str, window_sentence: str) -> None:
    assert window_text(engine_sentence) == window_sentence
