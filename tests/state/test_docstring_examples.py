"""The examples in gui/state's docstrings are true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import gui.state


def test_every_docstring_example_in_the_state_gives_what_it_shows() -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    finder = doctest.DocTestFinder()
    modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages(gui.state.__path__, "gui.state.")]
    for module in modules:
        for test in finder.find(module):
            runner.run(test, out=lambda _text: None)
    assert runner.tries >= 3  # the examples are really being run
    assert runner.failures == 0, f"{runner.failures} example(s) are wrong; run pytest --doctest-modules gui/state"
