""""Try all three": short, budget-matched trials of strategies 1-3 and training from scratch.

Every trial gets the same number of epochs, image size, batch size, data split and seed, and trains into
its own folder under one trials folder. Early stopping is off so that no trial gets less budget than
another; each keeps its best epoch. ``trials.json`` records the table; the user picks one to continue.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config import EarlyStoppingConfig, StopReason, TrainConfig
from engine.core.atomic import write_json_atomic
from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import ConfigError
from engine.core.i18n import tr
from engine.core.run_layout import RunLayout
from engine.models.layers.stages import architecture_stages
from engine.run.events import Event, Notice, Progress, RunFinished
from engine.run.folder import RunFolder
from engine.run.listing import saved_model_label
from engine.strategy.advisor import apply_plan, make_plan
from engine.strategy.table import Advised, SimilarityClass, SizeClass

#: The order trials run in: the cheapest first, so the user sees results soonest.
TRIAL_ORDER = (Advised.HEAD, Advised.PARTIAL, Advised.FULL, Advised.SCRATCH)
EventSink = Any


@dataclass(frozen=True, slots=True)
class TrialResult:
    strategy: Advised
    run_dir: str
    best_val_accuracy: float | None
    best_val_loss: float | None
    best_epoch: int
    epochs: int
    seconds: float
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["strategy"] = self.strategy.value
        data["title"] = self.strategy.label
        return data


def trial_configs(base: TrainConfig, size: SizeClass, similarity: SimilarityClass | None,
                  epochs: int, strategies: tuple[Advised, ...] = TRIAL_ORDER) -> dict[Advised, TrainConfig]:
    """One config per strategy (``strategies``, in that order), identical but for what each strategy changes.

    Raises:
        ConfigError: without pretrained weights there is nothing to compare (only "from scratch" is possible).
    """
    if not base.model.pretrained:
        raise ConfigError(tr("Comparing strategies needs pretrained weights: without them, training from scratch "
                             "is the only choice. Choose ImageNet or a weights file in the Model step."))
    stages = architecture_stages(base.model.arch, weights=base.model.weights)
    budget = dataclasses.replace(base, optim=dataclasses.replace(base.optim, epochs=epochs),
                                 early_stopping=EarlyStoppingConfig(enabled=False))
    # The partial trial freezes as the advisor would for this dataset; a similar/large guess otherwise.
    situation = similarity or SimilarityClass.DIFFERENT
    return {advised: apply_plan(budget, make_plan(advised, size, situation, stages, epochs))
            for advised in strategies}


def run_trials(base: TrainConfig, out_dir: Path, sink: EventSink, cancel: CancelToken | None = None, *,
               size: SizeClass, similarity: SimilarityClass | None, epochs: int = 5,
               strategies: tuple[Advised, ...] | None = None) -> list[TrialResult]:
    """Run the trials one after another; the last event sent is one :class:`RunFinished` for them all.
    ``strategies`` limits them (benchmarks on a CPU leave out the slowest); all four by default.

    Example:
        >>> run_trials(config, Path("runs/trials"), print, size=SizeClass.SMALL,  # doctest: +SKIP
        ...            similarity=SimilarityClass.SIMILAR, epochs=3)[0].strategy
        <Advised.HEAD: 'head'>
    """
    from engine.training.trainer import run_training

    cancel = cancel or NeverCancelled()
    try:
        configs = trial_configs(base, size, similarity, epochs, strategies or TRIAL_ORDER)
    except ConfigError as exc:
        sink(RunFinished(StopReason.FAILED, str(exc), job="trials", input_error=True))
        return []
    results: list[TrialResult] = []
    for index, (advised, config) in enumerate(configs.items()):
        if cancel.is_set():
            break
        title = tr("Trial {index} of {count}: {strategy}", index=index + 1, count=len(configs),
                   strategy=advised.label)
        sink(Progress("trials", float(index), float(len(configs)), title))
        run_dir = out_dir / advised.value
        started = time.perf_counter()
        finished = run_training(config, run_dir, _InnerSink(sink, title), cancel)
        results.append(TrialResult(advised, str(run_dir), finished.best_val_accuracy,
                                   finished.best_val_loss, finished.best_epoch, finished.epochs_completed,
                                   time.perf_counter() - started, finished.reason.value))
        write_json_atomic(RunLayout(out_dir).trials, {"epochs": epochs, "trials": [r.to_dict() for r in results]})
    sink(_summary(results, cancel.is_set(), len(configs)))
    return results


class _InnerSink:
    """Passes a trial's events on, but its end becomes a notice: only the whole comparison ends the job."""

    def __init__(self, sink: EventSink, title: str) -> None:
        self.sink, self.title = sink, title

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.sink(Notice("info", f"{self.title} — {event.detail}"))
        else:
            self.sink(event)


def best_trial(results: list[TrialResult]) -> TrialResult | None:
    scored = [r for r in results if r.best_val_accuracy is not None]
    return max(scored, key=lambda r: (r.best_val_accuracy, -(r.best_val_loss or 0.0))) if scored else None


def _summary(results: list[TrialResult], cancelled: bool, total: int) -> RunFinished:
    table = tuple(r.to_dict() for r in results)
    best = best_trial(results)
    if cancelled:
        return RunFinished(StopReason.CANCELLED, tr("The comparison was stopped after {done} of {total} trials.",
                                                    done=len(results), total=total), job="trials", trials=table)
    if best is None:
        return RunFinished(StopReason.FAILED, tr("No trial produced a model; see the messages above."),
                           job="trials", trials=table)
    return RunFinished(StopReason.FINISHED,
                       tr("Best on the same budget: {strategy} ({saved_model}). Pick a strategy to continue with "
                          "it.", strategy=best.strategy.label,
                          saved_model=saved_model_label(best.best_epoch, best.best_val_accuracy or 0)),
                       best_val_accuracy=best.best_val_accuracy, job="trials", trials=table)


def run_trials_for(config: TrainConfig, out_dir: Path, sink: EventSink,
                   cancel: CancelToken | None = None) -> list[TrialResult]:
    """The trials job: the situation comes from the advice recorded in ``config.advice`` (the dataset's
    size class and similarity), the budget from ``config.optim.epochs``."""
    advice = config.advice or {}
    size = SizeClass(str(advice.get("size", {}).get("class", SizeClass.SMALL.value)))
    raw_similarity = advice.get("similarity", {}).get("class")
    similarity = SimilarityClass(str(raw_similarity)) if raw_similarity else None
    return run_trials(config, out_dir, sink, cancel, size=size, similarity=similarity, epochs=config.optim.epochs)


def read_trials(out_dir: Path) -> dict[str, Any]:
    """The trials table of a trials folder (empty when there is none)."""
    return RunFolder(out_dir).read_trials() or {}
