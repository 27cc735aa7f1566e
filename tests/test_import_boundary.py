"""engine/ must never import Qt or the GUI (design.md section 1).

Checked in a subprocess because pytest-qt loads Qt into the test process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_engine_and_its_cli_import_no_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, engine, engine.cli.main\n"
        "for m in pkgutil.walk_packages(engine.__path__, 'engine.'):\n"
        "    if m.name != 'engine.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'gui')))\n"
        "assert not bad, bad\n"
        "print('ok', len([m for m in sys.modules if m.startswith('engine')]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_the_apps_state_imports_no_qt_and_no_view() -> None:
    # gui/state is the model the panels observe: usable (and tested) without Qt or any widget module.
    code = (
        "import sys, pkgutil, importlib, gui.state\n"
        "for m in pkgutil.walk_packages(gui.state.__path__, 'gui.state.'):\n"
        "    importlib.import_module(m.name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph')))\n"
        "views = sorted(m for m in sys.modules if m.startswith('gui.') and not m.startswith('gui.state'))\n"
        "assert not qt and not views, (qt, views)\n"
        "print('ok', len([m for m in sys.modules if m.startswith('gui.state')]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
