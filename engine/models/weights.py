"""Starting weights: ImageNet through torchvision's weights API, a file on disk, or a previous run.

Files are opened safely: safetensors directly, ``.pth``/``.pt`` only through ``torch.load(weights_only=True)``
(never a fallback that could execute code hidden in a pickle). Downloads land in torch's own cache
(``$TORCH_HOME/hub/checkpoints``) under torchvision's file name, so torchvision and this app share them, and
appear there only complete and with the SHA-256 that the file name promises.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file as load_safetensors
from torch import nn

from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import ModelFileError, WeightsError
from engine.core.i18n import tr
from engine.core.paths import runs_root
from engine.core.run_layout import MODEL_DIR, ModelFiles, RunLayout
from engine.models.catalog import IMAGENET_CLASSES, ModelInfo, create_model, find_head, list_architectures, model_info
from engine.models.heads import HeadOptions
from engine.models.saved import read_model_card
from engine.models.sources import adapt_timm_state, resolve_hub_source
from engine.models.weights_words import different_model_message, invalid_numbers_message, unfit_message

log = logging.getLogger(__name__)

DownloadProgress = Callable[[int, int], None]  # (bytes done, bytes total or 0 when unknown)
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{6,})\.")  # torch hub's convention: resnet18-f37072fd.pth
_CHUNK = 1 << 20


def weights_cache_dir() -> Path:
    """Where torchvision keeps downloaded weights (``$TORCH_HOME/hub/checkpoints``)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def imagenet_url(arch: str) -> str:
    return model_info(arch).url


def imagenet_file_name(arch: str) -> str:
    return imagenet_url(arch).rsplit("/", 1)[-1]


def imagenet_weights_path(arch: str) -> Path:
    return weights_cache_dir() / imagenet_file_name(arch)


def imagenet_weights_cached(arch: str) -> bool:
    return imagenet_weights_path(arch).is_file()


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    info: ModelInfo
    cached: bool  # the ImageNet weights are already on this computer


def catalog() -> list[CatalogEntry]:
    """Every torchvision architecture with its facts and whether its weights are here (shortlist first); the
    curated timm models are :func:`engine.models.hub_import.timm_catalog`."""
    return [CatalogEntry(model_info(arch), imagenet_weights_cached(arch)) for arch in list_architectures()]


def offline_help(arch: str) -> str:
    """What to do when the download fails: the exact file, where it comes from and where it goes."""
    return (tr("The ImageNet weights for {arch} could not be downloaded (is this computer offline?). On a computer "
               "with internet, download {url} and then either copy the file {file} into the folder {folder} on this "
               'computer, or use "Import weights file…" to choose it.', arch=arch, url=imagenet_url(arch),
               file=imagenet_file_name(arch), folder=weights_cache_dir()))


def download_imagenet_weights(arch: str, progress: DownloadProgress | None = None,
                              cancel: CancelToken | None = None) -> Path:
    """Download the ImageNet weights for ``arch`` into the torch cache, verifying the checksum.

    Already-downloaded weights are returned at once. The file appears under its final name only when it
    is complete and its SHA-256 matches the prefix in its name.

    Raises:
        WeightsError: offline (with :func:`offline_help`), cancelled, or the file arrived damaged.
    """
    dest = imagenet_weights_path(arch)
    if dest.is_file():
        return dest
    url = imagenet_url(arch)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    try:
        digest = _fetch(url, partial, progress, cancel or NeverCancelled())
    except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
        partial.unlink(missing_ok=True)
        raise WeightsError(offline_help(arch)) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if not _hash_matches(dest.name, digest):
        partial.unlink(missing_ok=True)
        raise WeightsError(tr("The downloaded weights file is damaged (its checksum does not match). Try again."))
    os.replace(partial, dest)
    log.info("downloaded %s to %s", url, dest)
    return dest


def _fetch(url: str, target: Path, progress: DownloadProgress | None, cancel: CancelToken) -> str:
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=30) as response, open(target, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        done = 0
        while chunk := response.read(_CHUNK):
            if cancel.is_set():
                raise WeightsError(tr("The download was cancelled."))
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def _hash_matches(file_name: str, hexdigest: str) -> bool:
    expected = _HASH_IN_NAME.search(file_name)
    return expected is None or hexdigest.startswith(expected.group(1))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- reading files ------------------------------------------------------------------------------------


def read_weights_file(path: str | Path) -> dict[str, torch.Tensor]:
    """Tensors from a ``.safetensors`` file, a ``.pth``/``.pt`` state dict, or a run / model folder.

    Raises:
        WeightsError: unreadable, carries code, or holds NaN or infinite numbers.
    """
    path = resolve_weights_path(path)
    if path.suffix.lower() == ".safetensors":
        try:
            state = dict(load_safetensors(str(path)))
        except Exception as exc:
            raise WeightsError(tr("The file {file} is not a readable safetensors weights file.",
                                  file=path.name)) from exc
    else:
        state = _read_torch_file(path)
    _refuse_invalid_numbers(state, path)
    return state


def _refuse_invalid_numbers(state: dict[str, torch.Tensor], path: Path) -> None:
    # Weights saved from a diverged run hold NaN: training from them fails with a loss that is not a number
    # (which reads like a learning-rate problem) and the advisor's probe cannot fit. Say what is wrong.
    bad = [key for key, t in state.items() if t.is_floating_point() and not bool(torch.isfinite(t).all())]
    if bad:
        raise WeightsError(invalid_numbers_message(path.name, bad))


def resolve_weights_path(path: str | Path) -> Path:
    """The weights file itself; a run folder or its ``model/`` folder means its exported model."""
    path = Path(path).expanduser()
    if path.is_dir():
        for files in (RunLayout(path).model, ModelFiles(path)):  # a run folder, or a model folder itself
            if files.weights.is_file():
                return files.weights
        raise WeightsError(tr("No saved model was found in the folder {path}.", path=path))
    if not path.is_file():
        raise WeightsError(tr("The weights file {path} does not exist.", path=path))
    return path


def _read_torch_file(path: Path) -> dict[str, torch.Tensor]:
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise WeightsError(
            tr("The file {file} contains program code, not only weights, so it was not opened (opening it could run "
               "that code). Use a .safetensors file or a plain PyTorch state dict.", file=path.name)
        ) from exc
    except Exception as exc:
        raise WeightsError(tr("The file {file} is not a PyTorch weights file the app can read.",
                              file=path.name)) from exc
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise WeightsError(tr("The file {file} does not hold a set of named weights (a state dict).", file=path.name))
    return {str(k): v for k, v in loaded.items()}


# -- fitting weights to a model -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadReport:
    loaded: int
    skipped_head: tuple[str, ...]


def match_weights(own: dict[str, torch.Tensor], state: dict[str, torch.Tensor],
                  head_name: str) -> tuple[dict[str, torch.Tensor], list[str], list[str]]:
    """Split ``state`` against the model's own tensors: ``(fitting, head keys skipped, problems in words)``."""
    head_prefix = head_name + "."
    fitting: dict[str, torch.Tensor] = {}
    skipped_head: list[str] = []
    problems: list[str] = []
    for key, target in own.items():
        if key not in state:
            if not key.startswith(head_prefix):
                problems.append(tr("{key} is not in the file", key=key))
            continue
        value = state[key]
        if tuple(value.shape) != tuple(target.shape):
            if key.startswith(head_prefix):
                skipped_head.append(key)
            else:
                problems.append(tr("{key} has size {size} in the file but {own} in this model", key=key,
                                   size=_shape(value), own=_shape(target)))
            continue
        fitting[key] = value
    return fitting, skipped_head, problems


def apply_weights(model: nn.Module, state: dict[str, torch.Tensor], head_name: str, source: str) -> LoadReport:
    """Copy ``state`` into ``model``; the head is skipped when its shape differs (it is new).

    Raises:
        WeightsError: listing, in plain words, the layers that are missing or have another size.
    """
    state = _adapt_position_embedding(model, {_strip_prefix(k): v for k, v in state.items()})
    state = adapt_timm_state(model, state)
    own = model.state_dict()
    fitting, skipped_head, problems = match_weights(own, state, head_name)
    _raise_if_unfit(fitting, problems, len(own), source)
    model.load_state_dict(fitting, strict=False)
    return LoadReport(loaded=len(fitting), skipped_head=tuple(skipped_head))


def _raise_if_unfit(fitting: dict[str, torch.Tensor], problems: list[str], total: int, source: str) -> None:
    if not fitting or len(problems) > total // 2:
        raise WeightsError(different_model_message(source, problems, total))
    if problems:
        raise WeightsError(unfit_message(source, problems))


def _adapt_position_embedding(model: nn.Module, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """ViT weights learned at one image size work at another once their position table is resized."""
    key = "encoder.pos_embedding"
    from torchvision.models.vision_transformer import VisionTransformer, interpolate_embeddings

    own = dict(model.named_parameters()).get(key)
    if own is None or key not in state or state[key].shape == own.shape or not isinstance(model, VisionTransformer):
        return state
    log.info("resizing ViT position embeddings from %s to %s", tuple(state[key].shape), tuple(own.shape))
    return dict(interpolate_embeddings(model.image_size, model.patch_size, state))


def _strip_prefix(key: str) -> str:
    return key.removeprefix("module.")


def _shape(t: torch.Tensor) -> str:
    return "×".join(str(d) for d in t.shape) or tr("a single number")


def load_starting_weights(spec: str, arch: str, progress: DownloadProgress | None = None,
                          cancel: CancelToken | None = None) -> tuple[dict[str, torch.Tensor] | None, str]:
    """Resolve ``"imagenet" | "none" | PATH`` (a file, a run, a hub folder) or a hub id to a state dict (or
    ``None``) and a description of its source. A timm model's ``"imagenet"`` is timm's default pretrained
    weights from the Hugging Face hub (engine/models/sources.py)."""
    if spec == "none":
        return None, tr("random initialisation")
    hub = resolve_hub_source(spec, arch, progress, cancel)
    if hub is not None:
        return read_weights_file(hub.weights), tr("the model folder {name}", name=hub.name)
    if spec == "imagenet":
        path = download_imagenet_weights(arch, progress, cancel)
        return read_weights_file(path), tr("ImageNet weights ({file})", file=path.name)
    run = previous_run(spec)
    if run is not None and run.arch != arch:
        raise WeightsError(tr("The run {run} trained {trained}, not {arch}. Choose {trained} to start from it, or "
                              "another starting point.", run=run.name, trained=run.arch, arch=arch))
    source = tr("the file {name}", name=Path(spec).name) if run is None else tr("the run {name}", name=run.name)
    return read_weights_file(spec), source


# -- importing a file, previous runs ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedWeights:
    """Where imported weights now live. ``in_cache``: it was torchvision's own ImageNet file for the model,
    now in the download folder, so "Pretrained on ImageNet" works offline; otherwise use ``path`` as is."""

    path: Path
    in_cache: bool
    message: str


def import_weights_file(arch: str, source: str | Path) -> ImportedWeights:
    """Check that ``source`` opens safely and fits ``arch``; if it is the official ImageNet file, copy it
    into torch's cache under its expected name.

    Raises:
        WeightsError: unreadable, carries code, or does not fit ``arch`` (listed in words).
    """
    path = resolve_weights_path(source)
    state = read_weights_file(path)  # refuses files that carry code
    model = create_model(arch, meta=True)  # shapes only: checking the fit costs no memory
    own = model.state_dict()
    state = _adapt_position_embedding(model, {_strip_prefix(k): v for k, v in state.items()})
    fitting, _skipped, problems = match_weights(own, state, find_head(model))
    _raise_if_unfit(fitting, problems, len(own), path.name)
    dest = imagenet_weights_path(arch)
    if _is_official_file(path, dest.name):
        if path.resolve() != dest.resolve():
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(dest.name + ".partial")
            shutil.copyfile(path, partial)
            os.replace(partial, dest)
        return ImportedWeights(dest, True, tr("The ImageNet weights for {arch} are now on this computer ({path}); no "
                                              "download is needed.", arch=arch, path=dest))
    head_key = find_head(model) + ".weight"
    classes = int(state[head_key].shape[0]) if head_key in state else IMAGENET_CLASSES
    if classes == IMAGENET_CLASSES:
        message = tr("The file {file} holds weights that fit {arch}. It is not torchvision's own ImageNet download, "
                     "so it is used from where it is.", file=path.name, arch=arch)
    else:
        message = tr("The file {file} holds weights that fit {arch} (its output layer for {classes} classes will be "
                     "replaced). It is not torchvision's own ImageNet download, so it is used from where it is.",
                     file=path.name, arch=arch, classes=classes)
    return ImportedWeights(path, False, message)


def _is_official_file(path: Path, official_name: str) -> bool:
    """True when ``path`` is byte for byte the file torchvision would download (its SHA-256 starts with the
    hash in the official name). Only such files go into the shared download folder."""
    expected = _HASH_IN_NAME.search(official_name)
    return expected is not None and file_sha256(path).startswith(expected.group(1))


@dataclass(frozen=True, slots=True)
class PreviousRun:
    """A finished run whose model can be the starting point of a new one."""

    path: Path
    name: str
    arch: str
    class_names: tuple[str, ...]
    head: HeadOptions
    image_size: int
    val_accuracy: float | None


def previous_run(path: str | Path) -> PreviousRun | None:
    """The run (or ``model/`` folder) at ``path``, or ``None`` when it is not one."""
    files = ModelFiles.find(Path(path).expanduser())
    if files is None:
        return None
    try:
        card = read_model_card(files)
    except ModelFileError:
        log.warning("unreadable model description %s", files.card)
        return None
    run_dir = files.folder.parent if files.folder.name == MODEL_DIR else files.folder
    return PreviousRun(path=run_dir, name=run_dir.name, arch=card.arch, class_names=card.class_names, head=card.head,
                       image_size=card.preprocessing.image_size, val_accuracy=card.val_accuracy)


def list_previous_runs(root: Path | None = None) -> list[PreviousRun]:
    """Runs under ``root`` (default: the app's runs folder) that saved a model, newest first."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    runs = (previous_run(p) for p in root.iterdir() if p.is_dir())
    return sorted((r for r in runs if r is not None), key=lambda r: r.name, reverse=True)
