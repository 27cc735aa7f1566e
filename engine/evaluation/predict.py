"""Prediction with an exported model: top-k classes with probabilities per image, and the CSV table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.csv_files import write_csv
from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.data.images.decode import IMAGE_EXTENSIONS, ImageLoadError, load_image
from engine.data.loaders import image_to_tensor
from engine.data.report import is_ignored_name
from engine.models.saved import ExportedModel

ProgressCallback = Callable[[int, int], None]


class PredictionCancelled(StudioError):
    """The user stopped a prediction or an evaluation before it finished."""


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

    @property
    def confidence(self) -> float:
        """Probability of the predicted class (0 for a file that could not be read)."""
        return self.top[0][1] if self.top else 0.0

    def is_unsure(self, min_confidence: float) -> bool:
        """True when the model is less sure than ``min_confidence`` (0..1) of its answer."""
        return self.ok and self.confidence < min_confidence


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
def predict_images(exported: ExportedModel, paths: Iterable[Path | str], *, top_k: int = 3,
                   batch_size: int = 16, progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> Iterator[Prediction]:
    """Yield one :class:`Prediction` per path (in order); unreadable files yield one with ``error`` set.

    Args:
        exported: from :func:`engine.models.saved.load_exported_model`.
        paths: image files.
        top_k: how many classes each prediction lists.
        batch_size: images per forward pass.
        progress: called with ``(images_done, images_total)`` after each batch.
        cancel: checked before each image; a cancelled run raises :class:`PredictionCancelled`.

    Example:
        >>> preds = list(predict_images(load_exported_model("runs/flowers"), ["a.jpg"]))  # doctest: +SKIP
        >>> preds[0].best  # doctest: +SKIP
        ('daisy', 0.93)
    """
    path_list = [Path(p) for p in paths]
    token = cancel or NeverCancelled()
    transform = exported.preprocessing.eval_transform()
    device = next(exported.model.parameters()).device
    k = min(top_k, len(exported.class_names))
    pending: list[tuple[Path, torch.Tensor]] = []
    done = 0

    def flush() -> Iterator[Prediction]:
        nonlocal done
        if not pending:
            return
        batch = torch.stack([t for _, t in pending]).to(device)
        probs = torch.softmax(exported.model(batch).float(), dim=1).cpu()
        for (path, _), row in zip(pending, probs):
            values, indices = row.topk(k)
            top = tuple((exported.class_names[int(i)], float(v)) for v, i in zip(values, indices))
            yield Prediction(str(path), top, tuple(float(p) for p in row))
        done += len(pending)
        pending.clear()
        if progress is not None:
            progress(done, len(path_list))

    for path in path_list:
        if token.is_set():
            raise PredictionCancelled(tr("The prediction was stopped before it finished."))
        try:
            array = load_image(path, min_side=exported.preprocessing.resize_size)
        except ImageLoadError as exc:
            yield from flush()
            done += 1
            yield Prediction(str(path), (), (), str(exc))
            if progress is not None:
                progress(done, len(path_list))
            continue
        pending.append((path, transform(image_to_tensor(array))))
        if len(pending) >= batch_size:
            yield from flush()
    yield from flush()


def csv_header(class_names: Sequence[str], *, with_unsure: bool) -> list[str]:
    """Columns of the predictions table: file, predicted class, its probability, [not sure], every class."""
    return (["file", "predicted_class", "probability"] + (["not_sure"] if with_unsure else [])
            + [f"p_{name}" for name in class_names] + ["error"])


def csv_row(prediction: Prediction, class_names: Sequence[str], min_confidence: float | None) -> list[str]:
    probs = prediction.probabilities or (0.0,) * len(class_names)
    head = [prediction.path, prediction.best[0] if prediction.ok else "",
            f"{prediction.confidence:.6f}" if prediction.ok else ""]
    if min_confidence is not None:
        head.append(("yes" if prediction.is_unsure(min_confidence) else "no") if prediction.ok else "")
    cells = [f"{p:.6f}" if prediction.ok else "" for p in probs]
    return head + cells + [prediction.error]


def write_predictions_csv(predictions: Iterable[Prediction], class_names: Sequence[str], path: str | Path, *,
                          min_confidence: float | None = None) -> Path:
    """Write the predictions table (one row per image, one probability column per class) to ``path``.

    Args:
        predictions: rows to write, in order.
        class_names: the model's classes, in output order.
        path: the CSV file to (over)write.
        min_confidence: when given, a ``not_sure`` column says ``yes`` for rows below it (0..1).

    Raises:
        OutputError: the file cannot be written there (one sentence naming the place).

    Example:
        >>> write_predictions_csv(preds, exported.class_names, "predictions.csv")  # doctest: +SKIP
        PosixPath('predictions.csv')
    """
    rows = [csv_header(class_names, with_unsure=min_confidence is not None)]
    rows.extend(csv_row(prediction, class_names, min_confidence) for prediction in predictions)
    return write_csv(path, rows)
