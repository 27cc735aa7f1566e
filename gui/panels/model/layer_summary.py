"""The sentences under the layer tree: what the stage slider froze, trainable parameters, speed, memory."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from engine.core.i18n import tr
from gui.panels.model.layer_tree_model import count_text


@dataclass(frozen=True)
class Totals:
    params: str
    speed: str
    memory: str
    fits: bool


def _labels(stages: list[Any]) -> str:
    if len(stages) <= 3:
        return ", ".join(s.label for s in stages)
    return f"{stages[0].label} … {stages[-1].label}"


def stage_sentence(stages: list[Any], count: int | None) -> str:
    """What the slider position means, e.g. "Frozen: Stem, Stage 1 (2 of 5 stages). Learning: …"."""
    if count is None:
        return tr("Frozen: your own choice of layers (it does not follow the stages).")
    if count == 0:
        return tr("Frozen: nothing. All {count} stages of the pretrained model learn.", count=len(stages))
    if count == len(stages):
        return tr("Frozen: the whole pretrained model ({stages}). Only the new output layer learns.",
                  stages=_labels(stages))
    return tr("Frozen: {frozen} ({count} of {total} stages). Learning: {learning} and the new output layer.",
              frozen=_labels(stages[:count]), count=count, total=len(stages), learning=_labels(stages[count:]))


def totals(state: Any, batch_size: int, device: str, available: int | None, measured: int | None) -> Totals:
    """Trainable parameters, relative speed and training memory of ``state`` (a FreezeState)."""
    from engine.models.memory import estimate_memory, relative_speed

    tree, frozen = state.tree, state.frozen_params
    trainable = state.trainable_params()
    params = tr("Trainable: {trainable} of {total} parameters ({share:.1f}%).", trainable=count_text(trainable),
                total=count_text(tree.total_params), share=100 * trainable / max(1, tree.total_params))
    speed = relative_speed(tree, frozen)
    speed_text = (tr("Speed: as slow as it gets (every layer trains).") if speed < 1.05 else
                  tr("Speed: each training step is about {speed:.1f}× faster than training every layer.", speed=speed))
    estimate = estimate_memory(tree, frozen, batch_size, device=device, available=available)
    if measured is not None:
        estimate = replace(estimate, measured=measured)
    return Totals(params, speed_text, estimate.summary(), estimate.fits is not False)
