"""How long the coming epochs will take, from what each of them will train, corrected as epochs finish.

An epoch that trains only the new classifier costs a forward pass per image; one that trains pretrained layers
too adds the backward pass through them (about twice their forward compute). Extrapolating a head-only first
epoch to the rest of a fine-tuning run therefore promised "5 s an epoch" for epochs that took 30–68 s (issue 13).

So each coming epoch is priced by its :class:`EpochWork` in *cost units* (one unit = one image-batch forward
pass through the whole model): ``train_batches x step_cost + val_batches``. One measured pace (seconds per unit)
turns units into seconds. The pace comes from the first timed batches, and from each finished epoch; an epoch
whose kind of work has already run once in full is given that epoch's measured time directly. The figures
say how sure they are: "about" when every coming epoch rests on a measured epoch of its kind, "roughly" when
some are extrapolated from compute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.core.i18n import tr, tr_later
from engine.training.device import format_duration

#: The sentences of :func:`forecast_message` (whole sentences: "about" is sure, "roughly" partly extrapolated).
_ONE_EPOCH = {True: tr_later("One epoch should take about {duration} on the {device}."),
              False: tr_later("One epoch should take roughly {duration} on the {device}.")}
#: (sure, later epochs only, early stopping may end it sooner) → one kind of epoch, several of them.
_ONE_KIND = {
    (True, False, False): tr_later("One epoch should take about {duration} on the {device}; all {count} epochs "
                                   "about {total}."),
    (True, False, True): tr_later("One epoch should take about {duration} on the {device}; all {count} epochs "
                                  "about {total} (less if early stopping ends it sooner)."),
    (True, True, False): tr_later("One epoch should take about {duration} on the {device}; the {count} epochs "
                                  "left about {total}."),
    (True, True, True): tr_later("One epoch should take about {duration} on the {device}; the {count} epochs "
                                 "left about {total} (less if early stopping ends it sooner)."),
    (False, False, False): tr_later("One epoch should take roughly {duration} on the {device}; all {count} "
                                    "epochs roughly {total}."),
    (False, False, True): tr_later("One epoch should take roughly {duration} on the {device}; all {count} "
                                   "epochs roughly {total} (less if early stopping ends it sooner)."),
    (False, True, False): tr_later("One epoch should take roughly {duration} on the {device}; the {count} "
                                   "epochs left roughly {total}."),
    (False, True, True): tr_later("One epoch should take roughly {duration} on the {device}; the {count} "
                                  "epochs left roughly {total} (less if early stopping ends it sooner)."),
}
#: (sure, later epochs only, sooner) → the closing sentence after epochs of different kinds.
_ALL_EPOCHS = {
    (True, False, False): tr_later("All {count} epochs on the {device}: about {total}."),
    (True, False, True): tr_later("All {count} epochs on the {device}: about {total} (less if early stopping "
                                  "ends it sooner)."),
    (True, True, False): tr_later("The {count} epochs left on the {device}: about {total}."),
    (True, True, True): tr_later("The {count} epochs left on the {device}: about {total} (less if early "
                                 "stopping ends it sooner)."),
    (False, False, False): tr_later("All {count} epochs on the {device}: roughly {total}."),
    (False, False, True): tr_later("All {count} epochs on the {device}: roughly {total} (less if early "
                                   "stopping ends it sooner)."),
    (False, True, False): tr_later("The {count} epochs left on the {device}: roughly {total}."),
    (False, True, True): tr_later("The {count} epochs left on the {device}: roughly {total} (less if early "
                                  "stopping ends it sooner)."),
}
#: (one epoch, sure) → a run of epochs of one kind.
_GROUP = {(True, True): tr_later("Epoch {first} ({what}): about {duration}."),
          (True, False): tr_later("Epoch {first} ({what}): roughly {duration}."),
          (False, True): tr_later("Epochs {first}–{last} ({what}): about {duration} each."),
          (False, False): tr_later("Epochs {first}–{last} ({what}): roughly {duration} each.")}



@dataclass(frozen=True, slots=True)
class EpochWork:
    """What one epoch will do.

    Attributes:
        what: the layers it trains, in words ("only the new classifier").
        train_batches: training steps.
        val_batches: validation batches (forward only).
        step_cost: a training step in forward passes of the whole model (1.0 + the backward it needs).
    """

    what: str
    train_batches: int
    val_batches: int
    step_cost: float

    @property
    def units(self) -> float:
        return self.train_batches * self.step_cost + self.val_batches


@dataclass(frozen=True, slots=True)
class Forecast:
    """Seconds for each coming epoch (``first`` is the first of them) and whether each was measured on the same
    kind of work (a finished epoch, or the timed first batches) rather than extrapolated from compute."""

    first: int
    seconds: tuple[float, ...]
    sure: tuple[bool, ...]
    works: tuple[EpochWork, ...]

    @property
    def total(self) -> float:
        return sum(self.seconds)


@dataclass
class EpochTimePlanner:
    """Turns measured paces into a :class:`Forecast`.

    Example:
        >>> head, base = EpochWork("only the new classifier", 10, 2, 1.0), EpochWork("every layer", 10, 2, 3.0)
        >>> planner = EpochTimePlanner()
        >>> planner.batches_timed(head, seconds_per_batch=0.5)  # 0.5 s a step of one unit
        >>> planner.forecast(1, [head, base]).seconds
        (6.0, 16.0)
        >>> planner.epoch_finished(head, seconds=7.5)  # slower than the first batches said
        >>> planner.forecast(2, [base]).seconds  # 7.5 s for 12 units: 0.625 s a unit
        (20.0,)
    """

    pace: float | None = None  # seconds per cost unit, from the latest measurement
    paced_on: float | None = None  # the step cost of the work that pace was measured on
    _measured: dict[EpochWork, float] = field(default_factory=dict)

    def batches_timed(self, work: EpochWork, seconds_per_batch: float) -> None:
        """The first batches of a session were timed (each cost ``work.step_cost`` units)."""
        self.pace = seconds_per_batch / max(work.step_cost, 1e-9)
        self.paced_on = work.step_cost

    def epoch_finished(self, work: EpochWork, seconds: float) -> None:
        """An epoch of ``work`` took ``seconds`` (pauses excluded)."""
        self._measured[work] = seconds
        if work.units > 0:
            self.pace, self.paced_on = seconds / work.units, work.step_cost

    def has_measured(self, work: EpochWork) -> bool:
        """Whether a whole epoch of ``work`` has run."""
        return work in self._measured

    def forecast(self, first: int, works: list[EpochWork]) -> Forecast:
        pace = self.pace or 0.0
        seconds, sure = [], []
        for work in works:
            known = self._measured.get(work)
            seconds.append(known if known is not None else pace * work.units)
            sure.append(known is not None or work.step_cost == self.paced_on)
        return Forecast(first, tuple(seconds), tuple(sure), tuple(works))


def forecast_message(forecast: Forecast, device: str, early_stopping: bool) -> str:
    """The sentence shown for a forecast: each run of epochs of one kind, the whole, and how sure it is.

    Example:
        >>> head, base = EpochWork("only the new classifier", 10, 2, 1.0), EpochWork("every layer", 10, 2, 3.0)
        >>> forecast = Forecast(1, (6.0, 16.0, 16.0), (True, False, False), (head, base, base))
        >>> for sentence in forecast_message(forecast, "cpu", early_stopping=False).split(". "):
        ...     print(sentence)
        Epoch 1 (only the new classifier): about 6 s
        Epochs 2–3 (every layer): roughly 16 s each
        All 3 epochs on the cpu: roughly 38 s
        A rough figure comes from the compute those epochs need; it is corrected once one of them has run.
    """
    groups = _groups(forecast)
    count = len(forecast.seconds)
    sure = all(forecast.sure)
    later = forecast.first > 1
    sooner = early_stopping and count > 1
    fields = {"duration": format_duration(forecast.seconds[0]), "total": format_duration(forecast.total),
              "count": count, "device": device}
    if len(groups) == 1:
        if count == 1:
            return tr(_ONE_EPOCH[sure], **fields)
        return tr(_ONE_KIND[sure, later, sooner], **fields)
    parts = [_group_sentence(forecast, start, end) for start, end in groups]
    text = " ".join(parts) + " " + tr(_ALL_EPOCHS[sure, later, sooner], **fields)
    if not sure:
        text += " " + tr("A rough figure comes from the compute those epochs need; it is corrected once one of "
                         "them has run.")
    return text


def _groups(forecast: Forecast) -> list[tuple[int, int]]:
    """Index ranges of consecutive epochs with the same work (and the same certainty)."""
    groups: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(forecast.works) + 1):
        if i == len(forecast.works) or (forecast.works[i], forecast.sure[i]) != (
                forecast.works[start], forecast.sure[start]):
            groups.append((start, i))
            start = i
    return groups


def _group_sentence(forecast: Forecast, start: int, end: int) -> str:
    first, last = forecast.first + start, forecast.first + end - 1
    fields = {"first": first, "last": last, "what": forecast.works[start].what,
              "duration": format_duration(forecast.seconds[start])}
    return tr(_GROUP[first == last, forecast.sure[start]], **fields)
