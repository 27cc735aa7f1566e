"""engine/ must never import Qt or the GUI (docs/ARCHITECTURE.md section 1).

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


def test_every_package_export_resolves_and_importing_a_package_imports_none_of_its_modules() -> None:
    # `python -m engine scan` must stay quick: engine.data's exports include the loaders (torch), yet importing
    # the package, or a name from its scan part, must not load torch.
    code = (
        "import sys, importlib\n"
        "packages = ['engine.core', 'engine.data', 'engine.data.images', 'engine.data.scan', 'engine.models',\n"
        "            'engine.models.layers', 'engine.run', 'engine.evaluation', 'engine.strategy', 'engine.jobs']\n"
        "for name in packages:\n"
        "    importlib.import_module(name)\n"
        "assert 'torch' not in sys.modules, 'importing the packages loaded torch'\n"
        "from engine.data import scan_image_folder\n"
        "assert 'torch' not in sys.modules, 'a scan loaded torch'\n"
        "missing = [(p, n) for p in packages for n in importlib.import_module(p).__all__\n"
        "           if getattr(importlib.import_module(p), n, None) is None]\n"
        "assert not missing, missing\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


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
