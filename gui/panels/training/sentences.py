"""The Train tab's sentences, from engine events and settings: plain functions, no widgets."""

from __future__ import annotations

from engine.config import EarlyStoppingConfig, Monitor
from engine.core.words import plural
from engine.evaluation.assessment import Assessment
from engine.run.events import EpochEnded, OverfitWarning, Progress, RunFinished


def stopping_sentence(cfg: EarlyStoppingConfig, epoch: EpochEnded | None, best_epoch: int) -> str:
    """What early stopping watches and, after an epoch, how close it is to stopping."""
    what = "validation loss" if cfg.monitor is Monitor.VAL_LOSS else "validation accuracy"
    if not cfg.enabled:
        return f"Early stopping is off; the best model by {what} is kept."
    delta = f" by more than {cfg.min_delta:g}" if cfg.min_delta else ""
    text = (f"Early stopping watches the {what}: training stops after {plural(cfg.patience, 'epoch')} without "
            f"improving{delta}; {'the best' if cfg.restore_best else 'the last'} model is kept.")
    if epoch is not None:
        text += f" Best so far: epoch {best_epoch}. Epochs without improvement: {epoch.stale_epochs} of {cfg.patience}."
    return text


def progress_format(event: Progress) -> str:
    """The progress bar's text for a step before or after the epochs (a download, caching features…)."""
    if event.task == "download":
        done_mb = f"{event.done / 1e6:.0f}"
        amount = f"{done_mb} of {event.total / 1e6:.0f} MB" if event.total else f"{done_mb} MB"
        return f"{event.message}: {amount}"
    return f"{event.message}: {int(event.done)} of {int(event.total)}"


def saved_model_verdict(finished: RunFinished) -> tuple[str, bool] | None:
    """The end-of-run line about the saved model: its label (unless the outcome sentence already has it), how it
    compares with chance and the majority class, and what to try when it is weak; and whether it is weak.
    ``None`` when the run recorded no assessment (no saved model)."""
    data = finished.assessment
    if not data:
        return None
    assessment = Assessment.from_dict(data)
    label = finished.saved_model
    lead = f"{label}. " if label and label.lower() not in finished.detail.lower() else ""
    return lead + assessment.text(), assessment.weak


def overfit_summary(overfit: OverfitWarning, finished: RunFinished) -> str:
    """The overfitting banner once the run is over: what happened, which model is kept, what helps."""
    return (f"Overfitting began around epoch {overfit.began_epoch}: validation got worse while training kept "
            f"improving. The best model (epoch {finished.best_epoch or overfit.best_epoch}) is the one kept. "
            "Next time, more augmentation, more regularisation (weight decay, dropout, label smoothing) or "
            "freezing more of the pretrained layers usually helps.")
