"""Identical files and look-alike images.

* Identical files are found by a hash of their bytes.
* Look-alikes (the same photo re-saved, resized or recompressed) by difference hashes ("dHash": is each
  pixel of a small grey thumbnail brighter than its right neighbour). A 64-bit hash (9x8) finds candidates
  quickly; a 256-bit hash (17x16) confirms them, because on images with little structure (MRI slices on
  black) the 64-bit hash alone matched different scans (measured: true look-alikes differ in 0-1 of 256
  bits, those false matches in 51-89). The mean colour must match too, so two flat images of different
  colours are not taken for the same picture.

Example:
    >>> import numpy as np
    >>> a = np.zeros((32, 32, 3), np.uint8); a[:, 16:] = 200
    >>> fp = fingerprint(a)
    >>> near_duplicate_pairs([("x", fp), ("y", fp)])
    [('x', 'y', 0)]
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

#: Candidates: at most this many differing bits of the 64-bit hash (5 bands of 13 bits: few random matches).
MAX_HASH_DISTANCE = 4
#: Look-alikes: at most this many differing bits of the 256-bit hash (about 8%).
MAX_FINE_DISTANCE = 20
#: Largest difference of the mean colour (per channel, 0..255) between look-alikes.
MAX_COLOUR_DIFFERENCE = 16
#: Images sharing one band of hash bits beyond this count are not paired (blank, structure-less images).
MAX_BUCKET = 2000


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What look-alike detection compares: two difference hashes and the mean colour."""

    dhash: int
    mean_rgb: tuple[int, int, int]
    fine: str = ""  # the 256-bit hash as 64 hex digits


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """Two usable files that look alike (``distance``: differing bits of the 256-bit hash)."""

    first: str
    second: str
    distance: int


def fingerprint(array: np.ndarray) -> Fingerprint:
    """The look-alike fingerprint of an ``(H, W, 3)`` uint8 image."""
    image = Image.fromarray(array)
    grey = image.convert("L")
    dhash = int(np.packbits(_dhash_bits(grey, 8)).view(">u8")[0])
    fine = np.packbits(_dhash_bits(grey, 16)).tobytes().hex()
    mean = np.asarray(image.resize((8, 8), Image.Resampling.BOX), dtype=np.float64).reshape(-1, 3).mean(axis=0)
    return Fingerprint(dhash=dhash, mean_rgb=(int(mean[0]), int(mean[1]), int(mean[2])), fine=fine)


def _dhash_bits(grey: Image.Image, size: int) -> np.ndarray:
    small = np.asarray(grey.resize((size + 1, size), Image.Resampling.BOX), dtype=np.int16)
    return (small[:, 1:] > small[:, :-1]).flatten()


def content_hash(path: str | Path) -> str:
    """A hash of the file's bytes (read in chunks: memory does not grow with the file)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def identical_groups(items: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Groups (of two or more) of paths with the same content hash; each group sorted, groups by first path.

    Args:
        items: ``(path, content hash)`` pairs.
    """
    by_hash: dict[str, list[str]] = {}
    for path, digest in items:
        if digest:
            by_hash.setdefault(digest, []).append(path)
    return sorted((sorted(paths) for paths in by_hash.values() if len(paths) > 1), key=lambda g: g[0])


def near_duplicate_pairs(items: Sequence[tuple[str, Fingerprint]], *, max_distance: int = MAX_HASH_DISTANCE,
                         max_fine: int = MAX_FINE_DISTANCE,
                         max_colour: int = MAX_COLOUR_DIFFERENCE) -> list[tuple[str, str, int]]:
    """Every pair of look-alike images, as ``(path, path, fine distance)`` sorted by path.

    Exact, without comparing all pairs: the 64 hash bits are cut into ``max_distance + 1`` bands, and two
    hashes that differ in at most ``max_distance`` bits agree on at least one whole band (pigeonhole). Only
    pairs sharing a band are compared (10,000 images: a fraction of a second instead of seconds).
    """
    if len(items) < 2:
        return []
    hashes = np.array([fp.dhash for _, fp in items], dtype=np.uint64)
    colours = np.array([fp.mean_rgb for _, fp in items], dtype=np.int16)
    fine = np.array([_fine_words(fp.fine) for _, fp in items], dtype=np.uint64).reshape(len(items), 4)
    pairs = _band_candidates(hashes, max_distance + 1)
    first, second = pairs[:, 0], pairs[:, 1]
    coarse = _popcount(hashes[first] ^ hashes[second])
    fine_distance = _popcount(fine[first] ^ fine[second]).sum(axis=1, dtype=np.int64)
    colour = np.abs(colours[first] - colours[second]).max(axis=1)
    close = (coarse <= max_distance) & (fine_distance <= max_fine) & (colour <= max_colour)
    found = []
    for i, j, d in zip(first[close].tolist(), second[close].tolist(), fine_distance[close].tolist()):
        a, b = sorted((items[i][0], items[j][0]))
        found.append((a, b, int(d)))
    return sorted(found)


@functools.lru_cache(maxsize=64)
def _pair_indices(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ``(i, j)`` with ``i < j < size`` (the same few small sizes come up thousands of times)."""
    i, j = np.triu_indices(size, 1)
    return i, j


def _fine_words(fine: str) -> list[int]:
    """The 256-bit hash as four 64-bit words (all zero when unknown: then only exact structure matches)."""
    raw = bytes.fromhex(fine) if len(fine) == 64 else bytes(32)
    return [int.from_bytes(raw[i:i + 8], "big") for i in range(0, 32, 8)]


def _band_candidates(hashes: np.ndarray, bands: int) -> np.ndarray:
    """Index pairs ``(i, j)``, ``i < j``, whose hashes agree on at least one band of bits."""
    n = len(hashes)
    widths = [64 // bands + (1 if b < 64 % bands else 0) for b in range(bands)]  # even: no tiny last band
    chunks: list[np.ndarray] = []
    shift = 0
    for width in widths:
        keys = (hashes >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        shift += width
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, n])
        pairs_at = starts[sizes == 2]  # most shared buckets hold two images: pair them without a loop
        a, b = order[pairs_at].astype(np.int64), order[pairs_at + 1].astype(np.int64)
        chunks.append(np.minimum(a, b) * n + np.maximum(a, b))
        for start, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist()):
            if size > MAX_BUCKET:  # thousands of structure-less images (blank scans): not worth n^2 pairs
                log.info("look-alike search skipped a group of %d images sharing a hash band", size)
                continue
            members = order[start:start + size].astype(np.int64)
            i, j = _pair_indices(size)
            low, high = np.minimum(members[i], members[j]), np.maximum(members[i], members[j])
            chunks.append(low * n + high)
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(chunks))
    return np.stack([codes // n, codes % n], axis=1)


_BYTE_BITS = np.array([(i).bit_count() for i in range(256)], dtype=np.uint8)


def _popcount(values: np.ndarray) -> np.ndarray:
    """Set bits per uint64 (numpy >= 2 has ``bitwise_count``; older numpy uses a byte table)."""
    if hasattr(np, "bitwise_count"):
        return np.asarray(np.bitwise_count(values))
    as_bytes = values.view(np.uint8).reshape(values.shape + (8,))
    return np.asarray(_BYTE_BITS[as_bytes].sum(axis=-1, dtype=np.uint8))
