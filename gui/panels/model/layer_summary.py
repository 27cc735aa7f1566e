"""The sentences under the layer tree: what the stage slider froze, trainable parameters, speed, memory."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

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
        return "Frozen: your own choice of layers (it does not follow the stages)."
    if count == 0:
        return f"Frozen: nothing. All {len(stages)} stages of the pretrained model learn."
    if count == len(stages):
        return f"Frozen: the whole pretrained model ({_labels(stages)}). Only the new output layer learns."
    return (f"Frozen: {_labels(stages[:count])} ({count} of {len(stages)} stages). "
            f"Learning: {_labels(stages[count:])} and the new output layer.")


def totals(state: Any, batch_size: int, device: str, available: int | None, measured: int | None) -> Totals:
    """Trainable parameters, relative speed and training memory of ``state`` (a FreezeState)."""
    from engine.models.memory import estimate_memory, relative_speed

    tree, frozen = state.tree, state.frozen_params
    trainable = state.trainable_params()
    params = (f"Trainable: {count_text(trainable)} of {count_text(tree.total_params)} parameters "
              f"({100 * trainable / max(1, tree.total_params):.1f}%).")
    speed = relative_speed(tree, frozen)
    speed_text = ("Speed: as slow as it gets (every layer trains)." if speed < 1.05 else
                  f"Speed: each training step is about {speed:.1f}× faster than training every layer.")
    estimate = estimate_memory(tree, frozen, batch_size, device=device, available=available)
    if measured is not None:
        estimate = replace(estimate, measured=measured)
    return Totals(params, speed_text, estimate.summary(), estimate.fits is not False)
