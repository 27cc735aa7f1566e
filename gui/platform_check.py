"""Can a window open here? Checked before the QApplication exists, because Qt's own answer is an abort.

On a fresh Linux desktop Qt 6's X11 plugin ("xcb") needs system libraries that pip cannot install
(libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1…). Without them Qt prints "Could not load the Qt platform
plugin xcb" and aborts the process. This module finds the missing libraries first and names the one command
that installs them on the system at hand.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from engine.core.i18n import tr

#: The shared libraries Qt 6's xcb platform plugin loads (``ldd libqxcb.so libQt6XcbQpa.so.6``), each with the
#: package that provides it on Debian/Ubuntu, Fedora and Arch. tests/gui/test_platform_check.py compares this
#: table with what the installed plugin really needs.
XCB_LIBRARIES: dict[str, dict[str, str]] = {
    "libxcb.so.1": {"apt": "libxcb1", "dnf": "libxcb", "pacman": "libxcb"},
    "libX11-xcb.so.1": {"apt": "libx11-xcb1", "dnf": "libX11-xcb", "pacman": "libx11"},
    "libxcb-cursor.so.0": {"apt": "libxcb-cursor0", "dnf": "xcb-util-cursor", "pacman": "xcb-util-cursor"},
    "libxcb-icccm.so.4": {"apt": "libxcb-icccm4", "dnf": "xcb-util-wm", "pacman": "xcb-util-wm"},
    "libxcb-image.so.0": {"apt": "libxcb-image0", "dnf": "xcb-util-image", "pacman": "xcb-util-image"},
    "libxcb-keysyms.so.1": {"apt": "libxcb-keysyms1", "dnf": "xcb-util-keysyms", "pacman": "xcb-util-keysyms"},
    "libxcb-randr.so.0": {"apt": "libxcb-randr0", "dnf": "libxcb", "pacman": "libxcb"},
    "libxcb-render.so.0": {"apt": "libxcb-render0", "dnf": "libxcb", "pacman": "libxcb"},
    "libxcb-render-util.so.0": {"apt": "libxcb-render-util0", "dnf": "xcb-util-renderutil",
                                "pacman": "xcb-util-renderutil"},
    "libxcb-shape.so.0": {"apt": "libxcb-shape0", "dnf": "libxcb", "pacman": "libxcb"},
    "libxcb-shm.so.0": {"apt": "libxcb-shm0", "dnf": "libxcb", "pacman": "libxcb"},
    "libxcb-sync.so.1": {"apt": "libxcb-sync1", "dnf": "libxcb", "pacman": "libxcb"},
    "libxcb-util.so.1": {"apt": "libxcb-util1", "dnf": "xcb-util", "pacman": "xcb-util"},
    "libxcb-xfixes.so.0": {"apt": "libxcb-xfixes0", "dnf": "libxcb", "pacman": "libxcb"},
    "libxcb-xkb.so.1": {"apt": "libxcb-xkb1", "dnf": "libxcb", "pacman": "libxcb"},
    "libxkbcommon.so.0": {"apt": "libxkbcommon0", "dnf": "libxkbcommon", "pacman": "libxkbcommon"},
    "libxkbcommon-x11.so.0": {"apt": "libxkbcommon-x11-0", "dnf": "libxkbcommon-x11", "pacman": "libxkbcommon-x11"},
}

# not translated: commands typed as they are
_INSTALL = {"apt": "sudo apt-get install", "dnf": "sudo dnf install", "pacman": "sudo pacman -S"}
_FAMILIES = {"debian": "apt", "ubuntu": "apt", "fedora": "dnf", "rhel": "dnf", "centos": "dnf", "arch": "pacman"}


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` (loading these libraries has no side effect)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def package_manager(os_release: Mapping[str, str]) -> str | None:
    """``apt``, ``dnf`` or ``pacman`` for the system described by /etc/os-release, else None.

    >>> package_manager({"ID": "linuxmint", "ID_LIKE": "ubuntu debian"})
    'apt'
    """
    for name in [os_release.get("ID", ""), *os_release.get("ID_LIKE", "").split()]:
        if name in _FAMILIES:
            return _FAMILIES[name]
    return None


def read_os_release(path: Path = Path("/etc/os-release")) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key.strip(): value.strip().strip('"') for key, value in pairs}


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt will pick its X11 plugin: asked for, or the default on an X11 (not Wayland) session."""
    asked = environ.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(";")[0].split(":")[0] == "xcb"
    wayland = bool(environ.get("WAYLAND_DISPLAY")) or environ.get("XDG_SESSION_TYPE") == "wayland"
    return not wayland


def missing_window_libraries(loader: Callable[[str], bool] = can_load) -> list[str]:
    return [soname for soname in XCB_LIBRARIES if not loader(soname)]


def window_problem(environ: Mapping[str, str] | None = None, platform: str = sys.platform,
                   loader: Callable[[str], bool] = can_load, os_release: Mapping[str, str] | None = None) -> str | None:
    """One sentence saying why no window can open here and what to do, or None when nothing is in the way.

    >>> window_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    True
    """
    environ = os.environ if environ is None else environ
    if not platform.startswith("linux") or not uses_xcb(environ):
        return None
    if not environ.get("DISPLAY"):
        return tr("There is no screen to open the window on (the DISPLAY variable is not set): start Finetune "
                  "Studio from a desktop session, or use the command line (python -m engine --help).")
    missing = missing_window_libraries(loader)
    if not missing:
        return None
    manager = package_manager(read_os_release() if os_release is None else os_release)
    if manager is None:
        return tr("The window cannot open because these system libraries are missing: {libraries}. Install them "
                  "with your system's package manager (they belong to the xcb-util and libxkbcommon-x11 packages), "
                  "then start the app again.", libraries=", ".join(missing))
    packages = sorted({XCB_LIBRARIES[soname][manager] for soname in missing})
    return tr("The window cannot open because some system libraries for X11 windows are missing. Install them "
              "with: {command} — then start the app again.", command=f"{_INSTALL[manager]} {' '.join(packages)}")
