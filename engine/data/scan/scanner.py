"""Reading a folder: walk it, decode every file once, remember what was found.

This is the slow part of the data report, kept apart from its interpretation (:mod:`engine.data.report`) so
that choosing another layout or excluding a file does not read anything again. Files are decoded fully
(Pillow's ``verify()`` passes truncated JPEGs) with :func:`engine.data.images.decode.load_image_with_info`, the function
training and prediction use, in a few threads (Pillow and numpy release the interpreter lock while
decoding), with at most a few files in flight so memory does not grow with the folder. Results are cached
in the app's data folder (:mod:`engine.data.scan.cache`): reopening an unchanged folder only reads the folder
listing.

Nothing is ever written inside the scanned folder.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import DataError
from engine.core.i18n import tr, tr_later
from engine.core.run_layout import is_run_folder
from engine.data.images.decode import IMAGE_EXTENSIONS, ImageLoadError, load_image_with_info
from engine.data.scan.cache import ScanCache
from engine.data.scan.duplicates import content_hash, fingerprint
from engine.data.scan.records import FileRecord, Outcome

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]

#: Files that operating systems and tools leave behind; never images, never classes (compared lower-case).
SYSTEM_FILE_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", "ehthumbs_vista.db",
                               ".directory", "icon\r", ".localized"})
# not translated: names compared with the files' names
SYSTEM_FOLDER_NAMES = frozenset({"__macosx", "$recycle.bin", "system volume information", "@eadir",
                                 ".trashes", ".spotlight-v100", ".fseventsd", ".ipynb_checkpoints"})

#: Images are kept at a reduced scale during the scan: every byte is still decoded (so damage is found), but
#: JPEGs produce far fewer pixels and other large images are shrunk as soon as they are decoded. The
#: fingerprints need only 17x16.
SCAN_MIN_SIDE = 64
_PROGRESS_EVERY_S = 0.1


class ScanCancelled(DataError):
    """The user cancelled the scan (what was read so far is kept in the cache)."""

    def __init__(self) -> None:
        super().__init__(tr("The scan was cancelled. Open the folder again to continue where it stopped."))


@dataclass(frozen=True, slots=True)
class FolderScan:
    """Every file and folder under ``root`` and what the scan learnt about it.

    ``folders`` lists the non-ignored folders (relative paths) two levels deep, so that empty class folders
    show up too. ``cached`` counts files whose result came from the cache.
    """

    root: str
    records: tuple[FileRecord, ...]
    folders: tuple[str, ...]
    cached: int = 0
    seconds: float = 0.0


def ignored_kind(name: str, is_dir: bool) -> str:
    """The ignore reason for a system or hidden name (``""`` when the name is the user's).

    Example:
        >>> ignored_kind("._cat.jpg", False), ignored_kind("__MACOSX", True), ignored_kind("cat.jpg", False)
        ('apple_double', 'system_folder', '')
    """
    lowered = name.lower()
    if is_dir:
        if lowered in SYSTEM_FOLDER_NAMES:
            return "system_folder"
        return "hidden_folder" if name.startswith(".") else ""
    if lowered in SYSTEM_FILE_NAMES:
        return "system_file"
    if name.startswith("._"):
        return "apple_double"
    return "hidden_file" if name.startswith(".") else ""


#: The path of the record that stands for the chosen folder itself.
ROOT_PATH = "."
RUN_FOLDER_MESSAGE = tr_later("A training run's folder (its settings, checkpoints and plots), not images: it was not "
                               "scanned. Keep run folders outside your image folder.")

_IGNORED_MESSAGES = {
    "system_file": tr_later("A file the operating system keeps (not one of your images)."),
    "system_folder": tr_later("A folder the operating system or a tool keeps (not a class)."),
    "hidden_file": tr_later("A hidden file (its name starts with a dot)."),
    "hidden_folder": tr_later("A hidden folder (its name starts with a dot): not a class, not scanned."),
    "apple_double": tr_later("A macOS resource file (._ name) that goes with a file copied from a Mac."),
}


def scan_folder(root: str | Path, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                workers: int | None = None, use_cache: bool = True) -> FolderScan:
    """Walk ``root`` and decode every file once (or reuse what the cache knows).

    Args:
        root: the folder the user chose (it must exist).
        progress: called with ``(files_done, files_total)``, at most ~10 times a second.
        cancel: checked between files; a cancelled scan raises :class:`ScanCancelled`.
        workers: decoding threads (default: :func:`default_workers`).
        use_cache: reuse and update the scan cache in the app's data folder.

    Example:
        >>> scan = scan_folder("flowers")  # doctest: +SKIP
        >>> sum(r.usable for r in scan.records)  # doctest: +SKIP
        118
    """
    started = time.perf_counter()
    cancel = cancel or NeverCancelled()
    root_path = Path(root).expanduser()
    records, candidates, folders = _walk(root_path, cancel)
    cache = ScanCache.open(root_path) if use_cache else None
    todo: list[tuple[str, int, int]] = []
    for rel, size, mtime_ns in candidates:
        hit = cache.get(rel, size, mtime_ns) if cache is not None else None
        if hit is not None:
            records.append(hit)
        else:
            todo.append((rel, size, mtime_ns))
    reporter = _Progress(progress, len(candidates), len(candidates) - len(todo))
    try:
        for record in _decode_all(root_path, todo, cancel, workers, reporter):
            records.append(record)
            if cache is not None:
                cache.put(record)
    except ScanCancelled:
        if cache is not None:
            cache.save()  # keep what was read: opening the folder again continues from here
        raise
    reporter.finish()
    if cache is not None and (todo or len(cache) != len(candidates)):
        cache.save(keep=[rel for rel, _, _ in candidates])
    records.sort(key=lambda r: r.path)
    return FolderScan(root=str(root_path), records=tuple(records), folders=tuple(folders),
                      cached=len(candidates) - len(todo), seconds=time.perf_counter() - started)


def default_workers() -> int:
    """Decoding threads: a few, never more than the cores.

    Pillow's C decoders release the interpreter lock, so threads pay off for large photos; for small files
    the Python around each decode dominates and threads make little difference either way (see
    bench/README.md, "Scan").
    """
    return max(1, min(4, os.cpu_count() or 1))


class _Progress:
    def __init__(self, callback: ProgressCallback | None, total: int, done: int) -> None:
        self.callback, self.total, self.done = callback, total, done
        self._last = 0.0
        if callback is not None:
            callback(done, total)

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.callback is not None and now - self._last >= _PROGRESS_EVERY_S:
            self._last = now
            self.callback(self.done, self.total)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.total, self.total)


def _walk(root: Path, cancel: CancelToken) -> tuple[list[FileRecord], list[tuple[str, int, int]], list[str]]:
    """Every entry under ``root``: ignored/skipped records, candidate files ``(rel, size, mtime)``, folders.

    Symlinked folders are followed once: a link back to a folder already seen is reported, not followed,
    so a link loop cannot make the scan endless.
    """
    records: list[FileRecord] = []
    candidates: list[tuple[str, int, int]] = []
    folders: list[str] = []
    if is_run_folder(root):  # its model/ and evaluation/ are not classes; the report says what to choose
        records.append(FileRecord(ROOT_PATH, Outcome.SKIPPED.value, "run_folder", tr(RUN_FOLDER_MESSAGE)))
        return records, candidates, folders
    root_stat = os.stat(root)
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    pending: deque[tuple[Path, str]] = deque([(root, "")])
    while pending:
        if cancel.is_set():
            raise ScanCancelled()
        folder, prefix = pending.popleft()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            records.append(FileRecord(prefix.rstrip("/") or ".", Outcome.SKIPPED.value, "unreadable",
                                      tr("The app could not open this folder ({error}).", error=exc.strerror)))
            continue
        for entry in entries:
            rel = prefix + entry.name
            kind = _classify(entry, rel, visited, records)
            if kind == "dir":
                pending.append((Path(entry.path), rel + "/"))
                if rel.count("/") < 2:
                    folders.append(rel)
            elif isinstance(kind, tuple):
                candidates.append((rel, kind[0], kind[1]))
    return records, candidates, folders


def _classify(entry: os.DirEntry[str], rel: str, visited: set[tuple[int, int]],
              records: list[FileRecord]) -> str | tuple[int, int] | None:
    """``"dir"`` to descend, ``(size, mtime_ns)`` for a candidate file, ``None`` when recorded as not used."""
    try:
        info = entry.stat(follow_symlinks=True)
    except OSError:
        records.append(FileRecord(rel, Outcome.SKIPPED.value, "broken_link",
                                  tr("This is a link (shortcut) to something that no longer exists.")))
        return None
    is_dir = stat.S_ISDIR(info.st_mode)
    ignored = ignored_kind(entry.name, is_dir)
    if ignored:
        records.append(FileRecord(rel, Outcome.IGNORED.value, ignored, tr(_IGNORED_MESSAGES[ignored])))
        return None
    if is_dir:
        if Path(entry.name).suffix.lower() in IMAGE_EXTENSIONS:
            records.append(FileRecord(rel, Outcome.SKIPPED.value, "folder_named_like_image",
                                      tr("This is a folder whose name looks like an image file; it was not "
                                         "opened.")))
            return None
        if is_run_folder(Path(entry.path)):
            # A run's plots are PNG files: scanned, they would become training images of this class.
            records.append(FileRecord(rel, Outcome.SKIPPED.value, "run_folder", tr(RUN_FOLDER_MESSAGE)))
            return None
        key = (info.st_dev, info.st_ino)
        if key in visited:
            records.append(FileRecord(rel, Outcome.SKIPPED.value, "symlink_loop",
                                      tr("This link leads to a folder that was already scanned; it was not "
                                         "followed again (the same images would count twice).")))
            return None
        visited.add(key)
        return "dir"
    if not stat.S_ISREG(info.st_mode):
        records.append(FileRecord(rel, Outcome.SKIPPED.value, "not_a_file",
                                  tr("This is not a regular file (it may be a device or a pipe).")))
        return None
    return info.st_size, info.st_mtime_ns


def _decode_all(root: Path, todo: list[tuple[str, int, int]], cancel: CancelToken, workers: int | None,
                reporter: _Progress) -> Iterator[FileRecord]:
    """Yield one record per file as it is decoded; raises :class:`ScanCancelled` after the last one in flight."""
    workers = workers or default_workers()
    if workers <= 1 or len(todo) < 8:
        for rel, size, mtime_ns in todo:
            if cancel.is_set():
                raise ScanCancelled()
            yield examine_file(root, rel, size, mtime_ns)
            reporter.step()
        return
    # Bounded in-flight work: memory holds a few decoded images, whatever the folder's size.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scan") as pool:
        in_flight: deque[Future[FileRecord]] = deque()
        for item in todo:
            if cancel.is_set():
                break
            in_flight.append(pool.submit(examine_file, root, *item))
            if len(in_flight) >= workers * 4:
                yield in_flight.popleft().result()
                reporter.step()
        while in_flight:
            yield in_flight.popleft().result()
            reporter.step()
    if cancel.is_set():
        raise ScanCancelled()


def examine_file(root: Path, rel: str, size: int, mtime_ns: int) -> FileRecord:
    """Decode one file fully and fingerprint it; never raises (a failure is a *skipped* record)."""
    path = root / rel
    # Memory: a PNG (TIFF, WebP...) cannot be decoded at a reduced size, so its full-size pixels exist while
    # it is read. That is bounded by the pixel count, not by the file's size on disk (a flat 10,900-pixel
    # square PNG is a few hundred kilobytes): the decode budget
    # (engine/data/images/decode_budget.py) lets threads decode
    # side by side only while their images fit, and reduce_decoded keeps only a small copy after that.
    try:
        array, info = load_image_with_info(path, min_side=SCAN_MIN_SIDE, reduce_decoded=True)
        fp = fingerprint(array)
        del array
        digest = content_hash(path)
    except ImageLoadError as exc:
        return FileRecord(rel, Outcome.SKIPPED.value, exc.reason, str(exc), size, mtime_ns)
    except OSError as exc:  # vanished or became unreadable between decoding and hashing
        return FileRecord(rel, Outcome.SKIPPED.value, "missing", tr("The file could not be read again ({error}).",
                                                                           error=exc),
                          size, mtime_ns)
    except Exception as exc:  # one odd file must never stop a scan
        log.warning("unexpected error reading %s", path, exc_info=True)
        return FileRecord(rel, Outcome.SKIPPED.value, "not_an_image",
                          tr("The file could not be read as an image ({error}).", error=type(exc).__name__), size,
                          mtime_ns)
    if info.conversions:
        outcome, reason = Outcome.CONVERTED.value, info.conversions[0].code
        message = " ".join(c.message for c in info.conversions + info.notes)
    elif info.notes:
        outcome, reason, message = Outcome.ACCEPTED.value, info.notes[0].code, info.notes[0].message
    else:
        outcome, reason, message = Outcome.ACCEPTED.value, "ok", ""
    return FileRecord(rel, outcome, reason, message, size, mtime_ns, content_hash=digest, dhash=fp.dhash,
                      fine_hash=fp.fine, mean_rgb=fp.mean_rgb, patient_key=info.patient_key,
                      codes=tuple(c.code for c in info.conversions), source_format=info.source_format,
                      width=info.source_size[0], height=info.source_size[1])
