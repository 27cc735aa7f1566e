"""A training job as the window and ``python -m engine train`` run it: train, then measure the saved model.

Measuring is the job's business, not training's (engine/training never imports engine/evaluation): it runs as a
:data:`~engine.training.trainer.Finisher`, after the last epoch and before the run's end is announced, so the
window's progress bar and the CLI show it, and the run's end says whether the figures are ready.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from engine.config import TrainConfig
from engine.core.cancel import CancelToken
from engine.run.events import Notice, RunFinished
from engine.training.callbacks.base import Callback
from engine.training.distributed import World
from engine.training.trainer import EventSink, Trainer, run_training

log = logging.getLogger(__name__)


def evaluate_saved_model(trainer: Trainer, finished: RunFinished) -> RunFinished:
    """Measure the saved model on the validation (and test) images into the run folder (metrics.json,
    evaluation/), as the Results tab does; a problem there is a Notice, never a failed run."""
    if not finished.succeeded or not finished.model_saved:
        return finished
    session = trainer.session
    images = ("validation and test images" if session is not None and session.prepared.split.test
              else "validation images")
    message = f"Measuring the best model on the {images}"
    try:
        from engine.evaluation.evaluate import evaluate_after_training  # matplotlib: once a model exists

        problem = evaluate_after_training(
            trainer.run_dir, device=session.device.type if session is not None else "auto",
            progress=lambda done, total: trainer.progress("evaluate", done, total, message), cancel=trainer.cancel)
    except Exception as exc:  # noqa: BLE001 - measuring must never turn a saved model into a failed run
        log.exception("evaluation after training failed")
        problem = (f"The model was saved, but measuring it afterwards failed ({exc}). Open the run's results "
                   "to measure it again.")
    if problem is not None:
        trainer.emit(Notice("warning", problem))
    return dataclasses.replace(finished, evaluated=problem is None)


def run_training_job(config: TrainConfig, run_dir: Path, sink: EventSink, cancel: CancelToken | None = None, *,
                     pause: CancelToken | None = None, resume: bool = False, own_process: bool = False,
                     callbacks: list[Callback] | None = None, world: World | None = None) -> RunFinished:
    """:func:`~engine.training.trainer.run_training`, then the saved model measured (metrics.json, evaluation/).

    Example:
        >>> cfg = TrainConfig(DataConfig("flowers"), ModelConfig("resnet18", "none"),  # doctest: +SKIP
        ...                   strategy=Strategy.FULL)
        >>> run_training_job(cfg, Path("runs/first"), print).evaluated  # doctest: +SKIP
        True
    """
    return run_training(config, run_dir, sink, cancel, pause=pause, resume=resume, own_process=own_process,
                        callbacks=callbacks, finishers=(evaluate_saved_model,), world=world)
