"""Time to a usable window, cold and warm, side by side with the time to a fully loaded one (issue 13 item 15).

Each start is a fresh process (offscreen) that records, from the moment it was launched:

* ``window``: the first stage is on screen and the event loop has run once (the Data tab works);
* ``report``: the bundled sample folder has been scanned and its report is shown (the Data tab really works);
* ``loaded``: the second stage (torch, the model list, every tab) is built.

"staged" is the app as it starts now (gui.app.show_window); "all at once" builds the whole window before
showing it, which is how it started before (the window appeared only after torch was imported).

"cold" starts without Python's compiled bytecode (an empty ``PYTHONPYCACHEPREFIX``, as after installing) and
after asking the kernel to drop the big shared libraries (torch, Qt, numpy...) from its file cache
(``posix_fadvise(DONTNEED)``; pages that other running programs have mapped stay, so on a busy machine a
"cold" start is only partly cold). "warm" starts right after another start.

    .venv/bin/python bench/bench_startup.py --rounds 3
    .venv/bin/python bench/bench_startup.py --importtime     # also the import-time profile of each stage
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, private_home

CHILD = r"""
import json, sys, time
T0 = float(sys.argv[1])
marks = {}
def mark(name):
    marks.setdefault(name, time.monotonic() - T0)
from PySide6.QtCore import QTimer
from gui.app import create_application
app = create_application([])
staged = sys.argv[2] == 'staged'
if staged:
    from gui.app import show_window
    window = show_window(runner_kind='thread')
else:
    from gui.main_window import MainWindow
    window = MainWindow(runner_kind='thread')
    window.show()
app.processEvents()
mark('window')
from gui.panels.data.panel import SAMPLE_DATA
window.open_folder(SAMPLE_DATA)
def check():
    if window.state.report is not None:
        mark('report')
    if window.is_loaded:
        mark('loaded')
    if len(marks) == 3:
        app.quit()
poll = QTimer()
poll.timeout.connect(check)
poll.start(5)
QTimer.singleShot(300_000, app.quit)
app.exec()
window.shutdown()
print(json.dumps(marks))
"""

BIG_LIBRARIES = ("torch", "torchvision", "PySide6", "shiboken6", "numpy", "scipy", "sklearn", "matplotlib",
                 "PIL", "pyqtgraph")


def evict_libraries() -> int:
    """Ask the kernel to forget the cached pages of the big packages' files; returns how many files."""
    import importlib.util

    count = 0
    for name in BIG_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            for path in Path(folder).rglob("*"):
                if path.suffix in (".so", ".py", ".pyc") or ".so." in path.name:
                    try:
                        fd = os.open(path, os.O_RDONLY)
                    except OSError:
                        continue
                    try:
                        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                        count += 1
                    finally:
                        os.close(fd)
    return count


def one_start(kind: str, cold: bool) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYQTGRAPH_QT_LIB": "PySide6"}
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as empty:
        if cold:
            env["PYTHONPYCACHEPREFIX"] = empty  # nothing compiled yet: every module is compiled from source
            evict_libraries()
        started = time.monotonic()
        out = subprocess.run([sys.executable, "-c", CHILD, str(started), kind], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def import_profile(statement: str, top: int = 10) -> list[tuple[str, float]]:
    """The ``top`` slowest modules imported directly or one level down by ``statement``, with their cumulative
    import time in seconds (``python -X importtime``)."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    totals: dict[str, float] = {}
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2 or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        if depth <= 1:
            totals[f"{'  ' * depth}{name.strip()}"] = int(cumulative) / 1e6
    return sorted(totals.items(), key=lambda kv: -kv[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="starts of each kind (median shown)")
    parser.add_argument("--importtime", action="store_true", help="also print each stage's import profile")
    args = parser.parse_args()
    private_home()
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(args.rounds):  # interleaved, so that the machine's load hits every kind alike
        for kind in ("staged", "all-at-once"):
            for temperature in ("cold", "warm"):
                results.setdefault((kind, temperature), []).append(one_start(kind, temperature == "cold"))
    print(f"median of {args.rounds} starts, seconds from launching the process (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'start':<22}{'usable window':>15}{'folder read':>13}{'fully loaded':>14}")
    for (kind, temperature), runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("window", "report", "loaded")}
        print(f"{kind + ', ' + temperature:<22}{med['window']:>15.2f}{med['report']:>13.2f}{med['loaded']:>14.2f}")
    for temperature in ("cold", "warm"):
        staged = statistics.median(r["window"] for r in results[("staged", temperature)])
        before = statistics.median(r["window"] for r in results[("all-at-once", temperature)])
        print(f"{temperature}: the window is usable after {staged / before:.2f}x the time it took before")
    if args.importtime:
        second = "import gui.main_window, gui.second_stage as s; s.import_second_stage()"
        for title, statement in (("first stage", "import gui.app, gui.main_window"), ("second stage", second)):
            print(f"import profile, {title} (cumulative seconds, warm):")
            for name, seconds in import_profile(statement):
                print(f"  {name:<40}{seconds:>7.2f}")


if __name__ == "__main__":
    main()
