"""The time estimate as a callback: what each coming epoch will train, priced and corrected as epochs finish
(the arithmetic and the wording are engine/training/time_estimate.py's)."""

from __future__ import annotations

import logging

from torch import nn

from engine.core.i18n import tr
from engine.models.heads import HeadOptions
from engine.models.layers.tree import analyse_model
from engine.models.memory import training_flops
from engine.run.events import EpochEnded, EpochTimeEstimate
from engine.training.callbacks.base import Callback, Trainer
from engine.training.device import format_duration, should_offer_fast_path
from engine.training.time_estimate import EpochTimePlanner, EpochWork, forecast_message

log = logging.getLogger(__name__)

#: A step on cached features: the classifier's forward and its backward, which costs about as much again.
FEATURE_STEP_COST = 2.0
#: The backward pass through a trained layer costs about twice its forward pass (input and weight gradients).
BACKWARD_COST = 2.0
#: An epoch that took this much more or less than foretold corrects the estimate the window shows.
CORRECT_BEYOND = 0.15


class TimeEstimate(Callback):
    """Emits an :class:`EpochTimeEstimate` once the first batches are timed, then after an epoch whose kind of
    work ran for the first time or that took more than 15% more or less than foretold (not after every epoch:
    the estimate people read should not flicker, and the window has other work)."""

    def __init__(self) -> None:
        self.planner = EpochTimePlanner()
        self._epoch_started = 0.0
        self._costs: dict[frozenset[str], float] = {}
        self._foretold: dict[int, float] = {}

    def on_batches_timed(self, trainer: Trainer, seconds_per_batch: float) -> None:
        self.planner.batches_timed(self._work(trainer, trainer.epoch), seconds_per_batch)
        self._emit(trainer, trainer.epoch)

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        self._epoch_started = trainer.clock.active()

    def on_epoch_end(self, trainer: Trainer, event: EpochEnded) -> None:
        seconds = trainer.clock.active() - self._epoch_started  # pauses excluded
        work = self._work(trainer, event.epoch)
        new_kind = not self.planner.has_measured(work)
        self.planner.epoch_finished(work, seconds)
        foretold = self._foretold.get(event.epoch)
        off = foretold is None or abs(seconds - foretold) > CORRECT_BEYOND * foretold
        if (new_kind or off) and event.epoch < trainer.config.optim.epochs and not trainer.stop_requested:
            self._emit(trainer, event.epoch + 1)

    def _emit(self, trainer: Trainer, first: int) -> None:
        s = trainer.session
        assert s is not None
        config = trainer.config
        works = [self._work(trainer, epoch) for epoch in range(first, config.optim.epochs + 1)]
        forecast = self.planner.forecast(first, works)
        self._foretold = dict(zip(range(first, config.optim.epochs + 1), forecast.seconds))
        trainer.clock.set_plan(first, forecast.seconds)  # the batch events' time left follows the same plan
        total = forecast.total
        fast: float | None = None
        if should_offer_fast_path(s.device, total, s.using_features, config.model.pretrained):
            images = len(s.prepared.split.train) + len(s.prepared.split.val)
            seconds_per_image_forward = (self.planner.pace or 0.0) / max(s.batch_size, 1)
            fast = seconds_per_image_forward * images  # one forward pass of every image, then nearly nothing
        message = forecast_message(forecast, str(s.device), config.early_stopping.enabled)
        if fast is not None:
            message += " " + tr("That is long for this computer's processor. Keeping the pretrained layers frozen "
                                "and training only the new classifier on features computed once (no augmentation) "
                                "would take about {duration}.", duration=format_duration(fast))
        trainer.emit(EpochTimeEstimate(epoch_seconds=forecast.seconds[0], total_seconds=total, device=str(s.device),
                                       message=message, fast_path_seconds=fast, first_epoch=first,
                                       epoch_plan=forecast.seconds, measured=all(forecast.sure)))

    def _work(self, trainer: Trainer, epoch: int) -> EpochWork:
        s = trainer.session
        assert s is not None
        train_batches, val_batches = len(s.train_source), len(s.val_source)
        if s.using_features:
            return EpochWork(tr("only the new classifier, on features computed once"), train_batches, val_batches,
                             FEATURE_STEP_COST)
        model = s.prepared.model
        ids = {id(p) for p in model.parameters() if p.requires_grad}
        for callback in trainer.callbacks:
            ids = callback.trainable_in(trainer, epoch, ids)
        names = frozenset(n for n, p in model.named_parameters() if id(p) in ids)
        cost = self._costs.get(names)
        if cost is None:
            cost = self._costs[names] = _step_cost(trainer, model, names)
        return EpochWork(_what(model, s.prepared.head, names), train_batches, val_batches, cost)


def _step_cost(trainer: Trainer, model: nn.Module, trainable: frozenset[str]) -> float:
    """A training step in forward passes: from the model's FLOPs (engine/models/memory.py), or, for a model the
    layer analysis cannot build, from the share of weights that learn."""
    config, s = trainer.config, trainer.session
    assert s is not None
    all_names = [n for n, _ in model.named_parameters()]
    try:
        tree = analyse_model(config.model.arch, config.data.image_size, len(s.prepared.split.classes),
                             HeadOptions(config.model.head_dropout, config.model.head_hidden), config.model.weights)
        if set(tree.param_numel) == set(all_names) and tree.forward_flops > 0:
            frozen = set(all_names) - trainable
            return training_flops(tree, frozen) / tree.forward_flops
    except Exception as exc:  # noqa: BLE001 - an estimate never stops a run
        log.info("no compute analysis of %s for the time estimate: %s", config.model.arch, exc)
    sizes = {n: p.numel() for n, p in model.named_parameters()}
    share = sum(sizes[n] for n in trainable) / max(sum(sizes.values()), 1)
    return 1.0 + BACKWARD_COST * share


def _what(model: nn.Module, head: str, trainable: frozenset[str]) -> str:
    """The layers an epoch trains, in words."""
    sizes = {n: p.numel() for n, p in model.named_parameters()}
    base = {n for n in sizes if not (n == head or n.startswith(head + "."))}
    learning = base & trainable
    if not learning:
        return tr("only the new classifier")
    if learning == base:
        return tr("every layer")
    share = sum(sizes[n] for n in learning) / max(sum(sizes[n] for n in base), 1)
    return tr("the new classifier and {share:.0%} of the pretrained weights", share=share)

