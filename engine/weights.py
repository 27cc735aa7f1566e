"""Starting weights: ImageNet through torchvision's weights API, a file on disk, or a previous run.

Files are opened safely: safetensors directly, ``.pth``/``.pt`` only through ``torch.load(weights_only=True)``
(never a fallback that could execute code hidden in a pickle).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from safetensors.torch import load_file as load_safetensors
from torch import nn

from engine.cancel import CancelToken, NeverCancelled
from engine.errors import WeightsError
from engine.models import model_info

log = logging.getLogger(__name__)

DownloadProgress = Callable[[int, int], None]  # (bytes done, bytes total or 0 when unknown)
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{6,})\.")  # torch hub's convention: resnet18-f37072fd.pth
_CHUNK = 1 << 20


def weights_cache_dir() -> Path:
    """Where torchvision keeps downloaded weights (``$TORCH_HOME/hub/checkpoints``)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def imagenet_url(arch: str) -> str:
    return model_info(arch).url


def imagenet_weights_path(arch: str) -> Path:
    return weights_cache_dir() / imagenet_url(arch).rsplit("/", 1)[-1]


def imagenet_weights_cached(arch: str) -> bool:
    return imagenet_weights_path(arch).is_file()


def offline_help(arch: str) -> str:
    url = imagenet_url(arch)
    return (
        f"The ImageNet weights for {arch} could not be downloaded (is this computer offline?). "
        f"On a computer with internet, download {url} and copy the file {url.rsplit('/', 1)[-1]} into "
        f"{weights_cache_dir()} on this computer, or use \"Import weights file\" to choose it."
    )


def download_imagenet_weights(arch: str, progress: DownloadProgress | None = None,
                              cancel: CancelToken | None = None) -> Path:
    """Download the ImageNet weights for ``arch`` into the torch cache, verifying the checksum.

    Already-downloaded weights are returned at once. The file appears under its final name only when it
    is complete and its SHA-256 matches the prefix in its name.
    """
    dest = imagenet_weights_path(arch)
    if dest.is_file():
        return dest
    cancel = cancel or NeverCancelled()
    url = imagenet_url(arch)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(_CHUNK):
                if cancel.is_set():
                    raise WeightsError("The download was cancelled.")
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except (urllib.error.URLError, socket.timeout, ConnectionError) as exc:
        partial.unlink(missing_ok=True)
        raise WeightsError(offline_help(arch)) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    expected = _HASH_IN_NAME.search(dest.name)
    if expected and not digest.hexdigest().startswith(expected.group(1)):
        partial.unlink(missing_ok=True)
        raise WeightsError("The downloaded weights file is damaged (its checksum does not match). Try again.")
    os.replace(partial, dest)
    return dest


def read_weights_file(path: str | Path) -> dict[str, torch.Tensor]:
    """Tensors from a ``.safetensors`` file, a ``.pth``/``.pt`` state dict, or a run / model folder."""
    path = Path(path).expanduser()
    if path.is_dir():
        for candidate in (path / "model" / "model.safetensors", path / "model.safetensors"):
            if candidate.is_file():
                path = candidate
                break
        else:
            raise WeightsError(f"No saved model was found in the folder {path}.")
    if not path.is_file():
        raise WeightsError(f"The weights file {path} does not exist.")
    if path.suffix.lower() == ".safetensors":
        try:
            return dict(load_safetensors(str(path)))
        except Exception as exc:  # noqa: BLE001 - any parse failure means the same thing to the user
            raise WeightsError(f"The file {path.name} is not a readable safetensors weights file.") from exc
    return _read_torch_file(path)


def _read_torch_file(path: Path) -> dict[str, torch.Tensor]:
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise WeightsError(
            f"The file {path.name} contains program code, not only weights, so it was not opened "
            "(opening it could run that code). Use a .safetensors file or a plain PyTorch state dict."
        ) from exc
    except Exception as exc:  # noqa: BLE001
        raise WeightsError(f"The file {path.name} is not a PyTorch weights file the app can read.") from exc
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise WeightsError(f"The file {path.name} does not hold a set of named weights (a state dict).")
    return {str(k): v for k, v in loaded.items()}


@dataclass(frozen=True, slots=True)
class LoadReport:
    loaded: int
    skipped_head: tuple[str, ...]


def apply_weights(model: nn.Module, state: dict[str, torch.Tensor], head_name: str, source: str) -> LoadReport:
    """Copy ``state`` into ``model``; the head is skipped when its shape differs (it is new).

    Raises:
        WeightsError: listing, in plain words, the layers that are missing or have another shape.
    """
    state = {_strip_prefix(k): v for k, v in state.items()}
    own = model.state_dict()
    head_prefix = head_name + "."
    fitting: dict[str, torch.Tensor] = {}
    skipped_head: list[str] = []
    mismatched: list[str] = []
    for key, target in own.items():
        if key not in state:
            if not key.startswith(head_prefix):
                mismatched.append(f"{key}: not in the file")
            continue
        value = state[key]
        if tuple(value.shape) != tuple(target.shape):
            if key.startswith(head_prefix):
                skipped_head.append(key)
            else:
                mismatched.append(f"{key}: the file has {_shape(value)}, the model needs {_shape(target)}")
            continue
        fitting[key] = value
    if not fitting:
        raise WeightsError(f"The weights in {source} are for a different model: none of its layers fit.")
    if mismatched:
        listed = "; ".join(mismatched[:5]) + (f"; and {len(mismatched) - 5} more" if len(mismatched) > 5 else "")
        raise WeightsError(f"The weights in {source} do not fit this model ({len(mismatched)} layers differ): {listed}.")
    model.load_state_dict(fitting, strict=False)
    return LoadReport(loaded=len(fitting), skipped_head=tuple(skipped_head))


def _strip_prefix(key: str) -> str:
    return key[len("module."):] if key.startswith("module.") else key


def _shape(t: torch.Tensor) -> str:
    return "x".join(str(d) for d in t.shape) or "a single number"


def load_starting_weights(spec: str, arch: str, progress: DownloadProgress | None = None,
                          cancel: CancelToken | None = None) -> tuple[dict[str, torch.Tensor] | None, str]:
    """Resolve ``"imagenet" | "none" | PATH`` to a state dict (or ``None``) and a description of its source."""
    if spec == "none":
        return None, "random initialisation"
    if spec == "imagenet":
        path = download_imagenet_weights(arch, progress, cancel)
        return read_weights_file(path), f"ImageNet weights ({path.name})"
    return read_weights_file(spec), f"the file {Path(spec).name}"
