"""Prediction with an exported model: top-k classes with probabilities per image."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import torch

from engine.dataset import is_ignored_name
from engine.export import ExportedModel
from engine.images import IMAGE_EXTENSIONS, ImageLoadError, load_image
from engine.loaders import image_to_tensor


@dataclass(frozen=True, slots=True)
class Prediction:
    path: str
    top: tuple[tuple[str, float], ...]  # (class, probability), most likely first
    probabilities: tuple[float, ...] = ()  # every class, in model.json order
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def best(self) -> tuple[str, float]:
        return self.top[0]


def expand_image_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders expanded (recursively) to the image files inside, in name order."""
    out: list[Path] = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            out.extend(sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
                and not any(is_ignored_name(part) for part in p.relative_to(path).parts)
            ))
        else:
            out.append(path)
    return out


@torch.no_grad()
def predict_images(exported: ExportedModel, paths: Iterable[Path], *, top_k: int = 3,
                   batch_size: int = 16) -> Iterator[Prediction]:
    """Yield one :class:`Prediction` per path (in order); unreadable files yield one with ``error`` set."""
    transform = exported.preprocessing.eval_transform()
    device = next(exported.model.parameters()).device
    k = min(top_k, len(exported.class_names))
    pending: list[tuple[Path, torch.Tensor]] = []

    def flush() -> Iterator[Prediction]:
        if not pending:
            return
        batch = torch.stack([t for _, t in pending]).to(device)
        probs = torch.softmax(exported.model(batch).float(), dim=1).cpu()
        for (path, _), row in zip(pending, probs):
            values, indices = row.topk(k)
            top = tuple((exported.class_names[int(i)], float(v)) for v, i in zip(values, indices))
            yield Prediction(str(path), top, tuple(float(p) for p in row))
        pending.clear()

    for path in paths:
        try:
            array = load_image(path, min_side=exported.preprocessing.resize_size)
        except ImageLoadError as exc:
            yield from flush()
            yield Prediction(str(path), (), (), str(exc))
            continue
        pending.append((path, transform(image_to_tensor(array))))
        if len(pending) >= batch_size:
            yield from flush()
    yield from flush()
