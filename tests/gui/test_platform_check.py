"""Before any window: missing X11 libraries are named with the command that installs them (issue 11 §7)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

from gui.platform_check import XCB_LIBRARIES, can_load, missing_window_libraries, window_problem

ROOT = Path(__file__).resolve().parents[2]
DEBIAN = {"ID": "debian", "VERSION_ID": "12"}
X11 = {"DISPLAY": ":0"}


def test_missing_libraries_get_the_exact_apt_command_on_debian() -> None:
    absent = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    message = window_problem(X11, "linux", loader=lambda name: name not in absent, os_release=DEBIAN)
    assert message is not None
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in message
    assert "Traceback" not in message


def test_fedora_and_arch_get_their_own_package_names() -> None:
    absent = {"libxcb-icccm.so.4"}
    fedora = window_problem(X11, "linux", loader=lambda n: n not in absent, os_release={"ID": "fedora"})
    arch = window_problem(X11, "linux", loader=lambda n: n not in absent, os_release={"ID": "arch"})
    assert fedora is not None and "sudo dnf install xcb-util-wm" in fedora
    assert arch is not None and "sudo pacman -S xcb-util-wm" in arch


def test_an_unknown_system_gets_the_library_names() -> None:
    message = window_problem(X11, "linux", loader=lambda n: n != "libxcb-keysyms.so.1", os_release={"ID": "gentoo"})
    assert message is not None and "libxcb-keysyms.so.1" in message


@pytest.mark.parametrize("environ", [{"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"},
                                     {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}])
def test_no_check_when_qt_will_not_use_x11(environ: dict[str, str]) -> None:
    assert window_problem(environ, "linux", loader=lambda name: False, os_release=DEBIAN) is None


def test_no_display_is_said_plainly() -> None:
    message = window_problem({}, "linux", loader=lambda name: True, os_release=DEBIAN)
    assert message is not None and "no screen" in message


def test_nothing_is_said_when_every_library_is_there() -> None:
    assert window_problem(X11, "linux", loader=lambda name: True, os_release=DEBIAN) is None


@pytest.mark.skipif(shutil.which("ldd") is None or not sys.platform.startswith("linux"), reason="needs ldd (Linux)")
def test_the_table_covers_every_x11_library_the_installed_qt_plugin_needs() -> None:
    qt = Path(PySide6.__file__).parent / "Qt"
    needed: set[str] = set()
    for binary in [qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"]:
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
        needed |= {line.split()[0] for line in out.splitlines() if "xcb" in line or "xkbcommon" in line}
    needed = {name for name in needed if not name.startswith("libQt6")}
    assert needed <= set(XCB_LIBRARIES), f"not in the table: {sorted(needed - set(XCB_LIBRARIES))}"


def test_the_app_says_one_sentence_instead_of_aborting_when_libraries_are_missing() -> None:
    # This machine's real state decides which outcome is right: either way the app must not abort in Qt.
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":93"  # no X server there: with every library present Qt itself fails to connect
    done = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    if missing_window_libraries(can_load):
        assert done.returncode == 1
        assert "Install them with: sudo apt-get install" in done.stderr or "Install them" in done.stderr
        assert "Traceback" not in done.stderr
        assert "could not load the Qt platform plugin" not in done.stderr.lower()
    else:
        assert "Install them" not in done.stderr


def test_the_readme_installs_every_package_the_check_can_ask_for() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(line for line in readme.splitlines() if line.startswith("sudo apt-get install"))
    assert set(line.split()[3:]) == {packages["apt"] for packages in XCB_LIBRARIES.values()}
