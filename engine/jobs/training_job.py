"""A training job as the window and ``python -m engine train`` run it: train, measure the saved model, report.

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
from engine.core.i18n import tr
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
    message = (tr("Measuring the best model on the validation and test images")
               if session is not None and session.prepared.split.test
               else tr("Measuring the best model on the validation images"))
    try:
        from engine.evaluation.evaluate import evaluate_after_training  # matplotlib: once a model exists

        problem = evaluate_after_training(
            trainer.run_dir, device=session.device.type if session is not None else "auto",
            progress=lambda done, total: trainer.progress("evaluate", done, total, message), cancel=trainer.cancel)
    except Exception as exc:  # noqa: BLE001 - measuring must never turn a saved model into a failed run
        log.exception("evaluation after training failed")
        problem = tr("The model was saved, but measuring it afterwards failed ({error}). Open the run's results "
                     "to measure it again.", error=exc)
    if problem is not None:
        trainer.emit(Notice("warning", problem))
    return dataclasses.replace(finished, evaluated=problem is None)


def assess_saved_model(trainer: Trainer, finished: RunFinished) -> RunFinished:
    """Say how good the saved model is (next to chance and the majority class, with what to try when it is
    weak): ``saved_model`` is its label, ``assessment`` the sentences
    (:class:`engine.evaluation.assessment.Assessment`). The window's end-of-run line, Past runs and the command
    line show them; a problem here only leaves them out."""
    if not finished.model_saved:
        return finished
    try:
        from engine.evaluation.assessment import assess_saved_model as assess

        assessed = assess(trainer.run_dir, finished)
    except Exception:  # noqa: BLE001 - words about the model must never turn a saved model into a failed run
        log.exception("assessing the saved model failed")
        return finished
    if assessed is None:
        return finished
    label, assessment = assessed
    return dataclasses.replace(finished, saved_model=label, assessment=assessment.to_dict())


def write_report_after_training(trainer: Trainer, finished: RunFinished) -> RunFinished:
    """Write the run's ``report.html`` (engine/report) once the saved model is measured; a problem there is a
    Notice, never a failed run. A report already in the folder (a resumed run) is kept, as it is never replaced
    without asking: Report… in the Results tab makes a new one."""
    if not finished.succeeded or not finished.model_saved:
        return finished
    from engine.core.run_layout import RunLayout

    if RunLayout(trainer.run_dir).report.exists():
        trainer.emit(Notice("info", tr("The run's earlier report.html was kept; Report… in the Results tab (or "
                                       "python -m engine report --overwrite) makes a new one for this model.")))
        return finished
    trainer.progress("report", 0, 1, tr("Writing the run's report"))
    try:
        from engine.report.write import write_report

        write_report(trainer.run_dir)
    except Exception as exc:  # noqa: BLE001 - the report must never turn a saved model into a failed run
        log.exception("writing the report after training failed")
        trainer.emit(Notice("warning", tr("The model was saved, but its report could not be written ({error}). "
                                          "Report… in the Results tab can make it later.", error=exc)))
        return dataclasses.replace(finished, report_written=False)
    trainer.progress("report", 1, 1, tr("Writing the run's report"))
    return dataclasses.replace(finished, report_written=True)


def run_training_job(config: TrainConfig, run_dir: Path, sink: EventSink, cancel: CancelToken | None = None, *,
                     pause: CancelToken | None = None, resume: bool = False, own_process: bool = False,
                     callbacks: list[Callback] | None = None, world: World | None = None,
                     prepared: bool = False) -> RunFinished:
    """:func:`~engine.training.trainer.run_training`, then the saved model measured (metrics.json, evaluation/)
    and its report written (report.html).

    Example:
        >>> cfg = TrainConfig(DataConfig("flowers"), ModelConfig("resnet18", "none"),  # doctest: +SKIP
        ...                   strategy=Strategy.FULL)
        >>> run_training_job(cfg, Path("runs/first"), print).evaluated  # doctest: +SKIP
        True
    """
    return run_training(config, run_dir, sink, cancel, pause=pause, resume=resume, own_process=own_process,
                        callbacks=callbacks,
                        finishers=(evaluate_saved_model, assess_saved_model, write_report_after_training),
                        world=world, prepared=prepared)
