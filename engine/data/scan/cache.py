"""What an earlier scan learnt about each file, so reopening an unchanged folder re-reads only what changed.

One JSON file per scanned folder, in the app's own data folder (``<studio home>/cache/scans``), never in
the user's folder. An entry is reused only when the file's relative path, size and modification time
(nanoseconds) all match, and only while the rules that produced it are the same (:data:`RULES`). The files'
sentences are in the language of the scan, so each language the app speaks has its own cache file.

Example:
    >>> cache = ScanCache.open("/data/flowers")  # doctest: +SKIP
    >>> cache.get("daisy/1.jpg", size=51234, mtime_ns=1700000000000000000)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engine.core.atomic import write_bytes_atomic
from engine.core.i18n import DEFAULT_LANGUAGE, current_language
from engine.core.paths import scan_cache_dir
from engine.data.images.decode import MAX_PIXELS, heic_supported
from engine.data.scan.records import FileRecord

log = logging.getLogger(__name__)

#: Bump when decoding or checking rules change: older entries are then ignored.
CACHE_FORMAT = 2


def cache_dir() -> Path:
    return scan_cache_dir()


def _rules() -> dict[str, Any]:
    rules: dict[str, Any] = {"format": CACHE_FORMAT, "max_pixels": MAX_PIXELS, "heic": heic_supported()}
    language = current_language()
    if language != DEFAULT_LANGUAGE:
        # The files' sentences are stored in the language they were written in: one cache per language.
        rules["language"] = language
    return rules


class ScanCache:
    """Per-file scan results of one folder, keyed by relative path, size and modification time."""

    def __init__(self, root: Path, path: Path, entries: dict[str, FileRecord]) -> None:
        self.root = root
        self.path = path
        self._entries = entries
        self.hits = 0

    @classmethod
    def open(cls, root: str | Path) -> ScanCache:
        """The cache of ``root`` (empty when there is none, or when it is damaged or from other rules)."""
        root_path = Path(root).expanduser().resolve()
        key = hashlib.sha256(str(root_path).encode("utf-8", "surrogateescape")).hexdigest()[:24]
        language = current_language()
        path = cache_dir() / (f"{key}.json" if language == DEFAULT_LANGUAGE else f"{key}.{language}.json")
        entries: dict[str, FileRecord] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("rules") == _rules() and data.get("root") == str(root_path):
                entries = {rel: FileRecord.from_json(rel, fields) for rel, fields in data["files"].items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.info("ignoring the scan cache %s (%s)", path, exc)
        return cls(root_path, path, entries)

    def get(self, rel: str, size: int, mtime_ns: int) -> FileRecord | None:
        record = self._entries.get(rel)
        if record is None or record.size != size or record.mtime_ns != mtime_ns:
            return None
        self.hits += 1
        return record

    def put(self, record: FileRecord) -> None:
        self._entries[record.path] = record

    def save(self, keep: Iterable[str] | None = None) -> None:
        """Write the cache atomically; with ``keep``, entries of files no longer there are dropped.

        A cache that cannot be written (read-only home) only costs speed next time: it is logged, not raised.
        """
        if keep is not None:
            wanted = set(keep)
            self._entries = {rel: r for rel, r in self._entries.items() if rel in wanted}
        data = {"rules": _rules(), "root": str(self.root),
                "files": {rel: r.to_json() for rel, r in sorted(self._entries.items())}}
        try:
            # ASCII JSON: odd file names round-trip.
            write_bytes_atomic(self.path, json.dumps(data, separators=(",", ":")).encode("ascii"))
        except OSError as exc:
            log.warning("could not save the scan cache %s: %s", self.path, exc)

    def __len__(self) -> int:
        return len(self._entries)

