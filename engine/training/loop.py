"""One epoch of training and one pass of validation, with everything a step needs.

Figures stay on the device during the epoch; they are read back (a synchronisation on GPUs) only when a
batch event is actually sent, at most ~10 times a second (engine/run/throttle.py). Stop and Pause are
looked at before every batch.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from engine.core.cancel import PAUSE_POLL_S, CancelToken, wait_while_paused
from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.models.layers.freezing import keep_frozen_batchnorm_in_eval
from engine.run.events import BatchEnded, Event, Notice, RunPaused
from engine.run.throttle import Throttle
from engine.training.device import ESTIMATE_BATCHES, gpu_memory_mb
from engine.training.distributed import Collective, World
from engine.training.optim import l1_penalty
from engine.training.session import Session

log = logging.getLogger(__name__)


class StopLoop(Exception):
    """The user pressed Stop (or closed the window)."""


class NonFiniteLoss(Exception):
    """The loss became infinite or NaN."""


@dataclass
class EpochResult:
    loss: float
    accuracy: float
    images_per_s: float


class _Sums:
    """Loss and correct answers summed on the device (no synchronisation until :meth:`read`)."""

    def __init__(self, device: torch.device) -> None:
        self.loss = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device, dtype=torch.long)
        self.nonfinite = torch.zeros((), device=device, dtype=torch.bool)
        self.seen = 0

    def add(self, loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        n = int(labels.shape[0])
        self.loss += loss * n
        self.correct += (logits.argmax(1) == labels).sum()
        self.nonfinite |= ~torch.isfinite(loss)
        self.seen += n

    def read(self, collective: Collective | None = None) -> tuple[float, float]:
        """``(mean loss, accuracy)``; raises :class:`NonFiniteLoss` when any loss was NaN or infinite.

        With ``collective`` the sums of every process are added up first (the whole epoch's figures), and
        :attr:`seen` becomes the images of all processes.
        """
        sums = [self.loss.item(), float(self.correct.item()), float(self.seen), float(bool(self.nonfinite))]
        if collective is not None:
            sums = collective.sum(sums)
        loss_sum, correct, seen, nonfinite = sums
        self.seen = int(seen)
        if self.seen == 0:
            raise StudioError(tr("No image could be read in this epoch."))
        loss = loss_sum / seen
        if nonfinite or not math.isfinite(loss):
            raise NonFiniteLoss
        return loss, correct / seen


class Clock:
    """Active (unpaused) time since this session began, and the time left for the batch events.

    The time left follows the time estimate's plan of the coming epochs once there is one (:meth:`set_plan`: an
    epoch that trains more layers takes longer), else the pace so far. ``now`` is the time source (a scripted
    one in tests).

    Example:
        >>> ticks = iter([0.0, 30.0])
        >>> clock = Clock(epochs=4, completed_epochs=0, now=lambda: next(ticks))
        >>> clock.eta(1.0)  # one epoch in 30 s: three more
        90.0
        >>> clock.set_plan(2, (60.0, 60.0, 60.0))  # the next three train the base too
        >>> clock.eta(1.5)
        150.0
    """

    def __init__(self, epochs: int, completed_epochs: int, now: Callable[[], float] = time.monotonic) -> None:
        self.epochs = epochs
        self.completed_at_start = completed_epochs
        self.now = now
        self.started = now()
        self.paused = 0.0
        self._plan: tuple[int, tuple[float, ...]] | None = None

    def set_plan(self, first_epoch: int, seconds: tuple[float, ...]) -> None:
        """Seconds of each epoch from ``first_epoch`` on (engine/training/callbacks/timing.py)."""
        self._plan = (first_epoch, seconds)

    def active(self) -> float:
        """Seconds since this session began, pauses excluded."""
        return self.now() - self.started - self.paused

    def eta(self, progress: float) -> float | None:
        """Seconds left when ``progress`` epochs (fractional) are done, from the pace so far."""
        planned = self._planned_left(progress)
        if planned is not None:
            return planned
        done = progress - self.completed_at_start
        if done <= 0:
            return None
        return self.active() / done * max(self.epochs - progress, 0.0)

    def _planned_left(self, progress: float) -> float | None:
        if self._plan is None:
            return None
        first, seconds = self._plan
        under_way = math.floor(progress)  # epochs finished; the next one is under way
        index = under_way + 1 - first
        if index < 0 or index > len(seconds):
            return None
        current = seconds[index] * (1.0 - (progress - under_way)) if index < len(seconds) else 0.0
        return current + sum(seconds[index + 1:])


class EpochLoop:
    """Runs epochs of a :class:`Session`; raises :class:`StopLoop`, :class:`NonFiniteLoss` or the device's
    out-of-memory error for the trainer to handle."""

    def __init__(self, session: Session, cancel: CancelToken, pause: CancelToken, emit: Callable[[Event], None],
                 clock: Clock, on_timing: Callable[[float], None] | None = None,
                 collective: Collective | None = None) -> None:
        self.session = session
        self.collective = collective or Collective(World())
        self.cancel = cancel
        self.pause = pause
        self.emit = emit
        self.clock = clock
        self.on_timing = on_timing
        self._timed = on_timing is None  # the estimate is made once, in the first epoch of this session
        self._first_batch_done = 0.0

    def check_between_batches(self, epoch: int, step: int) -> None:
        # Several processes stop and pause at the same batch: Stop or Pause counts once any of them has heard it.
        stop, pause = self._agree()
        if stop:
            raise StopLoop
        if pause:
            self.emit(RunPaused(True, epoch, step))
            waited, stop = self._wait_while_paused()
            self.clock.paused += waited
            if stop:
                raise StopLoop
            self.emit(RunPaused(False, epoch, step))

    def _agree(self) -> tuple[bool, bool]:
        """``(stop, pause)``: whether any process has heard Stop, and Pause (one exchange for both)."""
        stop, pause = self.cancel.is_set(), self.pause.is_set()
        if not self.collective.world.active:
            return stop, pause
        heard = self.collective.sum([float(stop), float(pause)])
        return heard[0] > 0, heard[1] > 0

    def _wait_while_paused(self) -> tuple[float, bool]:
        """Wait until Pause is released (on every process: they agree again at each poll) or Stop is pressed;
        returns the seconds waited and whether to stop."""
        if not self.collective.world.active:
            return wait_while_paused(self.pause, self.cancel), self.cancel.is_set()
        started = time.monotonic()
        while True:
            stop, pause = self._agree()
            if stop or not pause:
                return time.monotonic() - started, stop
            time.sleep(PAUSE_POLL_S)

    def train_epoch(self, epoch: int) -> EpochResult:
        s = self.session
        module = s.module
        module.train()
        keep_frozen_batchnorm_in_eval(module)
        l1_params = [p for p in module.parameters() if p.requires_grad] if s.config.optim.l1 > 0 else []
        steps = len(s.train_source)
        epoch_sum, window = _Sums(s.device), _Sums(s.device)
        started = time.perf_counter()
        throttle = Throttle(clock=time.perf_counter, start_ready=False)
        for step, batch in enumerate(s.train_source, start=1):
            self.check_between_batches(epoch, step)
            self._report_failed(batch.failed)
            s.schedule.set_progress(epoch - 1 + (step - 1) / steps)
            if len(batch) == 0:
                if self.collective.world.active:  # the others wait for this process's gradients: take part
                    self._stand_in_step(module, l1_params)
                continue
            loss, logits, labels = self._step(module, batch.images, batch.labels, l1_params)
            for sums in (epoch_sum, window):
                sums.add(loss, logits, labels)
            if step == 1:
                self._first_batch_done = time.perf_counter()
            elif not self._timed and step == 1 + ESTIMATE_BATCHES:
                self._time_batches(step)
            if throttle.ready(force=step == steps):
                elapsed = time.perf_counter() - started
                self._emit_batch(epoch, step, steps, window, epoch_sum.seen / max(elapsed, 1e-9))
                window = _Sums(s.device)
        if epoch_sum.seen == 0 and not self.collective.world.active:
            raise StudioError(tr("No training image could be read in this epoch."))
        loss_value, accuracy = epoch_sum.read(self.collective)
        return EpochResult(loss_value, accuracy, epoch_sum.seen / max(time.perf_counter() - started, 1e-9))

    def _emit_batch(self, epoch: int, step: int, steps: int, window: _Sums, images_per_s: float) -> None:
        loss, accuracy = window.read()  # reads back from the device: only when an event goes out anyway
        self.emit(BatchEnded(epoch=epoch, step=step, steps=steps, loss=loss, accuracy=accuracy,
                             lr=self.session.schedule.lrs()[0], images_per_s=images_per_s,
                             eta_s=self.clock.eta(epoch - 1 + step / steps),
                             gpu_memory_mb=gpu_memory_mb(self.session.device)))

    def _stand_in_step(self, module: nn.Module, l1_params: list[nn.Parameter]) -> None:
        """This process's share of a batch held no readable image (a file changed since the split): it still
        runs the step with two blank images weighted zero, in evaluation mode (nothing of them reaches the
        BatchNorm statistics), so the gradient exchange of the other processes does not wait for it."""
        size = self.session.prepared.preprocessing.image_size
        module.eval()
        try:
            self._step(module, torch.zeros(2, 3, size, size), torch.zeros(2, dtype=torch.long), l1_params,
                       weight=0.0)
        finally:
            module.train()
            keep_frozen_batchnorm_in_eval(module)

    def _step(self, module: nn.Module, images: torch.Tensor, labels: torch.Tensor,
              l1_params: list[nn.Parameter], weight: float = 1.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        s = self.session
        images = s.acc.to_device(images)
        labels = labels.to(s.device, non_blocking=True)
        if s.prefix is not None:
            s.prefix.reset()  # grad mode back on, should an earlier forward have failed half-way
        with s.acc.autocast():
            logits = module(images)
            loss = s.loss_fn(logits, labels)
            objective = loss + s.config.optim.l1 * l1_penalty(l1_params) if l1_params else loss
            if weight != 1.0:
                objective = objective * weight
        s.optimizer.zero_grad(set_to_none=True)
        s.scaler.scale(objective).backward()
        s.scaler.step(s.optimizer)
        s.scaler.update()
        return loss.detach().float(), logits.detach(), labels

    def _time_batches(self, step: int) -> None:
        # The first batch pays one-off costs (worker start, cuDNN autotuning): time the ones after it.
        self._timed = True
        if self.session.device.type == "cuda":
            torch.cuda.synchronize()
        per_batch = (time.perf_counter() - self._first_batch_done) / (step - 1)
        if self.on_timing is not None:
            self.on_timing(per_batch)

    @torch.no_grad()
    def validate(self, epoch: int) -> tuple[float, float]:
        s = self.session
        # Not through DistributedDataParallel: its forward is a collective (buffers), and shares may be empty.
        module = s.plain_module if s.plain_module is not None else s.module
        device = s.device
        module.eval()
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        seen = 0
        for step, batch in enumerate(s.val_source, start=1):
            self.check_between_batches(epoch, step)
            self._report_failed(batch.failed)
            if len(batch) == 0:
                continue
            labels = batch.labels.to(device, non_blocking=True)
            with s.acc.autocast():
                logits = module(s.acc.to_device(batch.images))
            total_loss += s.loss_fn(logits.float(), labels) * len(batch)
            correct += (logits.argmax(1) == labels).sum()
            seen += len(batch)
        loss_sum, right, seen_all = self.collective.sum([total_loss.item(), float(correct.item()), float(seen)])
        if seen_all == 0:
            raise StudioError(tr("No validation image could be read."))
        return loss_sum / seen_all, right / seen_all

    def _report_failed(self, failed: list[str]) -> None:
        for path in failed:
            self.emit(Notice("warning", tr("The file {path} could not be read and was left out of this epoch.",
                                           path=path)))
