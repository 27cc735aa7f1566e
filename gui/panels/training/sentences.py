"""The Train tab's sentences, from engine events and settings: plain functions, no widgets."""

from __future__ import annotations

from engine.config import EarlyStoppingConfig, Monitor
from engine.core.i18n import tr, trn
from engine.evaluation.assessment import Assessment
from engine.run.events import BatchEnded, EpochEnded, OverfitWarning, Progress, RunFinished, RunStarted
from engine.training.device import format_duration


def _watching(cfg: EarlyStoppingConfig) -> str:
    """Early stopping switched on: one whole sentence per monitored figure, threshold and kept model."""
    loss, delta, best, p = cfg.monitor is Monitor.VAL_LOSS, bool(cfg.min_delta), cfg.restore_best, cfg.patience
    d = cfg.min_delta
    if loss and delta and best:
        return trn("Early stopping watches the validation loss: training stops after {n} epoch without improving "
                   "by more than {delta:g}; the best model is kept.",
                   "Early stopping watches the validation loss: training stops after {n} epochs without improving "
                   "by more than {delta:g}; the best model is kept.", p, delta=d)
    if loss and delta:
        return trn("Early stopping watches the validation loss: training stops after {n} epoch without improving "
                   "by more than {delta:g}; the last model is kept.",
                   "Early stopping watches the validation loss: training stops after {n} epochs without improving "
                   "by more than {delta:g}; the last model is kept.", p, delta=d)
    if loss and best:
        return trn("Early stopping watches the validation loss: training stops after {n} epoch without improving; "
                   "the best model is kept.",
                   "Early stopping watches the validation loss: training stops after {n} epochs without improving; "
                   "the best model is kept.", p)
    if loss:
        return trn("Early stopping watches the validation loss: training stops after {n} epoch without improving; "
                   "the last model is kept.",
                   "Early stopping watches the validation loss: training stops after {n} epochs without improving; "
                   "the last model is kept.", p)
    if delta and best:
        return trn("Early stopping watches the validation accuracy: training stops after {n} epoch without "
                   "improving by more than {delta:g}; the best model is kept.",
                   "Early stopping watches the validation accuracy: training stops after {n} epochs without "
                   "improving by more than {delta:g}; the best model is kept.", p, delta=d)
    if delta:
        return trn("Early stopping watches the validation accuracy: training stops after {n} epoch without "
                   "improving by more than {delta:g}; the last model is kept.",
                   "Early stopping watches the validation accuracy: training stops after {n} epochs without "
                   "improving by more than {delta:g}; the last model is kept.", p, delta=d)
    if best:
        return trn("Early stopping watches the validation accuracy: training stops after {n} epoch without "
                   "improving; the best model is kept.",
                   "Early stopping watches the validation accuracy: training stops after {n} epochs without "
                   "improving; the best model is kept.", p)
    return trn("Early stopping watches the validation accuracy: training stops after {n} epoch without "
               "improving; the last model is kept.",
               "Early stopping watches the validation accuracy: training stops after {n} epochs without "
               "improving; the last model is kept.", p)


def stopping_sentence(cfg: EarlyStoppingConfig, epoch: EpochEnded | None, best_epoch: int) -> str:
    """What early stopping watches and, after an epoch, how close it is to stopping."""
    if not cfg.enabled:
        if cfg.monitor is Monitor.VAL_LOSS:
            return tr("Early stopping is off; the best model by validation loss is kept.")
        return tr("Early stopping is off; the best model by validation accuracy is kept.")
    text = _watching(cfg)
    if epoch is not None:
        text += " " + tr("Best so far: epoch {best}. Epochs without improvement: {stale} of {patience}.",
                         best=best_epoch, stale=epoch.stale_epochs, patience=cfg.patience)
    return text


def started_sentence(event: RunStarted) -> str:
    """What the run trains on: the device, the images of each set and the share of the parameters trained."""
    fields = {"device": event.device, "train": event.train_images, "val": event.val_images,
              "trainable": event.trainable_params}
    one_train, one_val = event.train_images == 1, event.val_images == 1
    if one_train and one_val:
        return trn("Training on {device}: {train:,} training image, {val:,} validation image, {trainable:,} of "
                   "{n:,} parameter trained.",
                   "Training on {device}: {train:,} training image, {val:,} validation image, {trainable:,} of "
                   "{n:,} parameters trained.", event.total_params, **fields)
    if one_train:
        return trn("Training on {device}: {train:,} training image, {val:,} validation images, {trainable:,} of "
                   "{n:,} parameter trained.",
                   "Training on {device}: {train:,} training image, {val:,} validation images, {trainable:,} of "
                   "{n:,} parameters trained.", event.total_params, **fields)
    if one_val:
        return trn("Training on {device}: {train:,} training images, {val:,} validation image, {trainable:,} of "
                   "{n:,} parameter trained.",
                   "Training on {device}: {train:,} training images, {val:,} validation image, {trainable:,} of "
                   "{n:,} parameters trained.", event.total_params, **fields)
    return trn("Training on {device}: {train:,} training images, {val:,} validation images, {trainable:,} of "
               "{n:,} parameter trained.",
               "Training on {device}: {train:,} training images, {val:,} validation images, {trainable:,} of "
               "{n:,} parameters trained.", event.total_params, **fields)


def eta_text(event: BatchEnded, epochs: int) -> str:
    """Beside the progress bar: the epoch, and the time left when it is known."""
    if event.eta_s is None:
        return tr("epoch {epoch} of {epochs}", epoch=event.epoch, epochs=epochs)
    return tr("epoch {epoch} of {epochs} · about {left} left", epoch=event.epoch, epochs=epochs,
              left=format_duration(event.eta_s))


def live_text(event: BatchEnded) -> str:
    """The live figures: images a second, the learning rate and, on a GPU, its memory."""
    if event.gpu_memory_mb is None:
        return tr("{speed:,.0f} images/s · learning rate {lr:.3g}", speed=event.images_per_s, lr=event.lr)
    return tr("{speed:,.0f} images/s · learning rate {lr:.3g} · GPU memory {memory:.1f} GB",
              speed=event.images_per_s, lr=event.lr, memory=event.gpu_memory_mb / 1024)


def progress_format(event: Progress) -> str:
    """The progress bar's text for a step before or after the epochs (a download, caching features…)."""
    if event.task == "download":
        if event.total:
            return tr("{step}: {done:.0f} of {total:.0f} MB", step=event.message, done=event.done / 1e6,
                      total=event.total / 1e6)
        return tr("{step}: {done:.0f} MB", step=event.message, done=event.done / 1e6)
    return tr("{step}: {done} of {total}", step=event.message, done=int(event.done), total=int(event.total))


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
    return tr("Overfitting began around epoch {began}: validation got worse while training kept improving. The "
              "best model (epoch {best}) is the one kept. Next time, more augmentation, more regularisation "
              "(weight decay, dropout, label smoothing) or freezing more of the pretrained layers usually helps.",
              began=overfit.began_epoch, best=finished.best_epoch or overfit.best_epoch)
