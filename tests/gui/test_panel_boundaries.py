"""Panels talk through their own signals and methods, never through another's child widgets.

``window.training_panel.image_size.valueChanged.connect(...)`` ties the window to how the Train tab happens to
be built; ``window.training_panel.basics_changed.connect(...)`` does not. Read from the source (AST): in the
app's modules (tests may still drive widgets, as a user would), any ``<...>.<name>_panel.<a>.<b>`` is a reach
into a panel's insides unless ``<a>`` is a signal of that panel's class and ``<b>`` is ``connect``,
``disconnect`` or ``emit``.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from PySide6.QtCore import Signal

import gui.main_window
from gui.second_stage import SECOND_STAGE_MODULES

GUI = Path(gui.main_window.__file__).resolve().parent
SIGNAL_USES = {"connect", "disconnect", "emit"}


def _panel_classes() -> dict[str, type]:
    """``data_panel`` -> DataPanel, from the window's ``self.<name>_panel = <Class>(...)`` assignments."""
    tree = ast.parse(Path(gui.main_window.__file__).read_text(encoding="utf-8"))
    # The second stage's panel classes are imported inside MainWindow.load_rest(): look them up there.
    modules = [gui.main_window, *map(importlib.import_module, SECOND_STAGE_MODULES)]
    found: dict[str, type] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Name):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Attribute) and target.attr.endswith("_panel"):
                    name = node.value.func.id
                    found[target.attr] = next(getattr(m, name) for m in modules if hasattr(m, name))
    return found


def _reaches(path: Path, panels: dict[str, type], root: Path = GUI.parent) -> list[str]:
    """Every ``<...>.<x>_panel.<a>.<b>`` in ``path`` that is not the use of one of the panel's signals."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        # node is ``<inner>.<b>`` with inner ``<panel>.<a>`` and panel ``<...>.<x>_panel``
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                and isinstance(node.value.value, ast.Attribute) and node.value.value.attr.endswith("_panel")):
            continue
        panel, a, b = node.value.value.attr, node.value.attr, node.attr
        cls = panels.get(panel)
        if cls is not None and isinstance(getattr(cls, a, None), Signal) and b in SIGNAL_USES:
            continue
        bad.append(f"{path.relative_to(root)}:{node.lineno}: {panel}.{a}.{b}")
    return sorted(bad, key=lambda reach: (reach.split(":")[0], int(reach.split(":")[1])))


def test_the_check_finds_the_panels_and_a_reach_into_one(tmp_path: Path) -> None:
    panels = _panel_classes()
    assert {"data_panel", "model_panel", "strategy_panel", "training_panel", "runs_panel"} <= set(panels)
    sample = tmp_path / "window.py"
    sample.write_text("def wire(self, window):\n"
                      "    self.training_panel.basics_changed.connect(self.state.set_basics)\n"
                      "    self.model_panel.set_freeze(())\n"
                      "    window.strategy_panel.trials.message.show_error('no')\n"
                      "    return self.training_panel.image_size.value()\n", encoding="utf-8")
    assert _reaches(sample, panels, tmp_path) == ["window.py:4: strategy_panel.trials.message",
                                                  "window.py:5: training_panel.image_size.value"]


def test_no_app_module_reaches_into_a_panels_widgets() -> None:
    panels = _panel_classes()
    bad = [reach for path in sorted(GUI.rglob("*.py")) for reach in _reaches(path, panels)]
    assert bad == [], "use (or add) a signal or method of the panel instead:\n" + "\n".join(bad)
