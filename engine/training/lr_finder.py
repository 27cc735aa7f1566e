"""The learning-rate finder: a short range test (Smith, 2017).

The learning rate grows geometrically from :data:`START_LR` to :data:`END_LR` over a few dozen training
steps while the (smoothed) loss is recorded; the test stops early once the loss has clearly blown up. The
suggestion is the rate where the loss fell fastest, a robust choice for fine-tuning. The model is thrown
away afterwards: the real run starts from the original weights.
"""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from engine.config import StopReason, TrainConfig
from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.core.run_layout import RunLayout
from engine.data.loaders import Batch
from engine.models.layers.freezing import keep_frozen_batchnorm_in_eval
from engine.run.events import Event, LrFinderResult, Progress, RunFinished
from engine.training.session import Session, SessionCancelled, open_session

log = logging.getLogger(__name__)

START_LR = 1e-6
END_LR = 1.0
STEPS = 60
SMOOTHING = 0.9
BLOW_UP = 4.0  # stop when the smoothed loss exceeds this many times its minimum
JOB = "lr_finder"


def suggest_lr(lrs: Sequence[float], losses: Sequence[float]) -> float | None:
    """The rate where the smoothed loss falls fastest (per decade), before its minimum, to two digits.

    Example:
        >>> lrs = [10 ** (-6 + i / 4) for i in range(25)]
        >>> losses = [2.0] * 8 + [2.0 - 0.2 * i for i in range(9)] + [0.4 + 0.5 * i for i in range(8)]
        >>> 1e-4 < suggest_lr(lrs, losses) < 1e-2
        True
    """
    if len(lrs) < 5:
        return None
    low = int(np.argmin(losses))
    if low < 3:
        return None
    slopes = np.gradient(np.asarray(losses[:low + 1], dtype=float), np.log10(np.asarray(lrs[:low + 1])))
    skip = max(1, low // 10)  # the very first points are mostly noise
    steepest = skip + int(np.argmin(slopes[skip:]))
    if slopes[steepest] >= 0:
        return None
    return float(f"{lrs[steepest]:.2g}")  # two significant digits: a rate a person can type and remember


def run_lr_finder(config: TrainConfig, work_dir: Path, sink: Callable[[Event], None],
                  cancel: CancelToken | None = None, *, steps: int = STEPS, own_process: bool = False) -> RunFinished:
    """Run the range test and send :class:`LrFinderResult` then a :class:`RunFinished` to ``sink``.

    Example:
        >>> run_lr_finder(config, Path("/tmp/lr"), print)  # doctest: +SKIP
        LrFinderResult(lrs=(1e-06, ...), losses=(...), suggested_lr=0.0031, message='...')
    """
    cancel = cancel or NeverCancelled()
    session: Session | None = None
    # Decoding every image once would cost more than the whole test: only a few batches are used.
    config = config.replace(image_cache=False)
    try:
        session = open_session(config, work_dir, lambda t, d, n, m: sink(Progress(t, d, n, m)), cancel,
                               own_process=own_process)
        result = _range_test(session, steps, sink, cancel)
        if result is None:
            finished = RunFinished(StopReason.CANCELLED, tr("The learning-rate test was stopped."), job=JOB)
        else:
            sink(result)
            finished = RunFinished(StopReason.FINISHED, result.message, job=JOB)
    except SessionCancelled:
        finished = RunFinished(StopReason.CANCELLED, tr("The learning-rate test was stopped."), job=JOB)
    except StudioError as exc:
        finished = RunFinished(StopReason.FAILED, tr("The learning-rate test could not run: {error}", error=exc),
                               job=JOB)
    except Exception as exc:
        log.exception("learning-rate test failed")
        finished = RunFinished(StopReason.FAILED, tr("The learning-rate test failed ({error}).", error=exc), job=JOB)
    finally:
        if session is not None:
            session.close()
    sink(finished)
    shutil.rmtree(RunLayout(work_dir).cache, ignore_errors=True)
    return finished


def _batches(session: Session) -> Iterator[Batch]:
    epoch = 1
    while True:
        session.set_epoch(epoch)
        found = False
        for batch in session.train_source:
            if len(batch):
                found = True
                yield batch
        if not found:
            raise StudioError(tr("No training image could be read."))
        epoch += 1


def _range_test(session: Session, steps: int, sink: Callable[[Event], None],
                cancel: CancelToken) -> LrFinderResult | None:
    module, optimizer, base = session.module, session.optimizer, session.config.optim.lr
    module.train()
    keep_frozen_batchnorm_in_eval(module)
    factor = (END_LR / START_LR) ** (1 / max(steps - 1, 1))
    lrs: list[float] = []
    losses: list[float] = []
    average, best = 0.0, math.inf
    for step, batch in zip(range(steps), _batches(session)):
        if cancel.is_set():
            return None
        lr = START_LR * factor**step
        for group in optimizer.param_groups:
            group["lr"] = lr * group["base_lr"] / base  # keeps the pretrained layers' ratio
        loss = _train_step(session, batch)
        average = SMOOTHING * average + (1 - SMOOTHING) * loss
        smoothed = average / (1 - SMOOTHING ** (step + 1))
        if not math.isfinite(smoothed) or (step > 5 and smoothed > BLOW_UP * best):
            break
        best = min(best, smoothed)
        lrs.append(lr)
        losses.append(smoothed)
        if step % 5 == 4:
            sink(Progress("lr_finder", step + 1, steps, tr("Trying learning rates")))
    suggested = suggest_lr(lrs, losses)
    if suggested is None:
        message = tr("The loss did not fall clearly at any rate tried, so there is no suggestion; keep the "
                     "current learning rate or try more images per batch.")
    else:
        message = tr("Suggested learning rate: {lr:.2g}, where the loss fell fastest. Use it with one click.",
                     lr=suggested)
    return LrFinderResult(lrs=tuple(lrs), losses=tuple(losses), suggested_lr=suggested, message=message)


def _train_step(session: Session, batch: Batch) -> float:
    images = session.acc.to_device(batch.images)
    labels = batch.labels.to(session.device, non_blocking=True)
    if session.prefix is not None:
        session.prefix.reset()
    with session.acc.autocast():
        loss = session.loss_fn(session.module(images), labels)
    session.optimizer.zero_grad(set_to_none=True)
    session.scaler.scale(loss).backward()
    session.scaler.step(session.optimizer)
    session.scaler.update()
    return float(loss.item())
