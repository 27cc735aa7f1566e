"""The examples in the engine's docstrings are true (those that need files of their own are marked
``+SKIP`` and only read)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import engine


def test_every_runnable_docstring_example_in_the_engine_gives_what_it_shows() -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    finder = doctest.DocTestFinder()
    modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages(engine.__path__, "engine.")
               if m.name != "engine.__main__"]
    tried = 0
    for module in modules:
        for test in finder.find(module):
            result = runner.run(test, out=lambda _text: None)
            tried += result.attempted
    assert tried > 50  # the examples are really being run
    assert runner.failures == 0, f"{runner.failures} docstring example(s) are wrong; run pytest --doctest-modules engine"
