"""The two-stage fine-tuning schedule and gradual unfreezing, as a callback (cf. Lightning's
``BackboneFinetuning``).

The freeze plan (``config.freeze``) says which pretrained layers train *eventually*. With
``finetune.head_warmup_epochs = W`` the new, randomly initialised head first trains alone for W epochs with
the whole base frozen, so that no pretrained layer is updated against a random head (its large, noisy
gradients would wreck pretrained features). Then the planned layers join at the pretrained rate
(``lr x pretrained_lr_ratio``): all at once, or with ``unfreeze_every = K`` one stage at a time from the
top down, every K epochs.

Which stages are unfrozen is a pure function of the epoch, so resuming a run needs no extra state.
"""

from __future__ import annotations

import logging

from torch import nn

from engine.config import FineTuneSchedule, TrainConfig
from engine.core.i18n import tr
from engine.models.layers.stages import Stage, model_stages
from engine.run.events import Notice
from engine.training.callbacks.base import Callback, Trainer

log = logging.getLogger(__name__)


def unfrozen_stage_count(schedule: FineTuneSchedule, epoch: int, planned_stages: int) -> int:
    """How many of the planned trainable stages (counted from the top) train in ``epoch`` (1-based).

    Example:
        >>> unfrozen_stage_count(FineTuneSchedule(head_warmup_epochs=2, unfreeze_every=3), 6, 4)
        2
    """
    if epoch <= schedule.head_warmup_epochs:
        return 0
    if schedule.unfreeze_every <= 0:
        return planned_stages
    return min(planned_stages, 1 + (epoch - schedule.head_warmup_epochs - 1) // schedule.unfreeze_every)


class FineTuneUnfreezing(Callback):
    """Keeps the planned pretrained layers frozen during the head warm-up, then unfreezes them."""

    def __init__(self, schedule: FineTuneSchedule) -> None:
        self.schedule = schedule
        self._stages: list[tuple[Stage, list[nn.Parameter]]] = []  # planned-trainable stages, top first
        self._applied: int | None = None

    def on_run_start(self, trainer: Trainer) -> None:
        session = trainer.session
        assert session is not None
        model, head = session.prepared.model, session.prepared.head
        stages = model_stages(model, trainer.config.model.arch, head)
        self._stages = []
        for stage in reversed(stages):
            params = [p for p in _stage_parameters(model, stage) if p.requires_grad]
            if params:
                self._stages.append((stage, params))
        self._applied = None
        self._apply(trainer, unfrozen_stage_count(self.schedule, trainer.start_epoch, len(self._stages)))

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        self._apply(trainer, unfrozen_stage_count(self.schedule, epoch, len(self._stages)))

    def trainable_in(self, trainer: Trainer, epoch: int, trainable: set[int]) -> set[int]:
        count = unfrozen_stage_count(self.schedule, epoch, len(self._stages))
        out = set(trainable)
        for index, (_, params) in enumerate(self._stages):
            ids = {id(p) for p in params}
            out = out | ids if index < count else out - ids
        return out

    def _apply(self, trainer: Trainer, count: int) -> None:
        if count == self._applied or not self._stages:
            return
        for index, (_, params) in enumerate(self._stages):
            for p in params:
                p.requires_grad_(index < count)
        assert trainer.session is not None
        trainer.session.unfrozen()  # the no-grad prefix (and the optimizer, if needed) follow
        previous, self._applied = self._applied, count
        if previous is not None and count > previous:
            trainer.emit(Notice("info", self._sentence(trainer, previous, count)))
        log.info("fine-tuning: %d of %d planned stages train", count, len(self._stages))

    def _sentence(self, trainer: Trainer, previous: int, count: int) -> str:
        joined = ", ".join(stage.label for stage, _ in reversed(self._stages[previous:count]))
        optim = trainer.config.optim
        rate = f"{optim.lr * optim.pretrained_lr_ratio:g}"
        if previous == 0:
            return tr("The new classifier has finished its warm-up; the pretrained layers now train too "
                      "({stages}), at a learning rate of {rate}.", stages=joined, rate=rate)
        return tr("Gradual unfreezing: {stages} now trains too, at a learning rate of {rate}.", stages=joined,
                  rate=rate)


def _stage_parameters(model: nn.Module, stage: Stage) -> list[nn.Parameter]:
    params: list[nn.Parameter] = []
    for name in stage.modules:
        try:
            params.extend(model.get_submodule(name).parameters())
        except AttributeError:  # a loose parameter such as ViT's class_token
            params.append(model.get_parameter(name))
    return params


def finetune_callbacks(config: TrainConfig) -> list[Callback]:
    """The callbacks ``config.finetune`` asks for (none without pretrained weights: nothing to protect)."""
    if config.finetune.active and config.model.pretrained:
        return [FineTuneUnfreezing(config.finetune)]
    return []
