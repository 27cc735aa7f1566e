"""The two-stage schedule: the new head trains alone first, then the planned layers join (top down when
gradual); layers outside the plan never change."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.config import (
    Augmentation,
    DataConfig,
    Device,
    EarlyStoppingConfig,
    FineTuneSchedule,
    FreezePlan,
    ModelConfig,
    OptimConfig,
    Strategy,
    TrainConfig,
)
from engine.jobs.training_job import run_training_job
from engine.run.events import EpochEnded, EpochTimeEstimate, Notice
from engine.training.callbacks.base import Callback
from engine.training.callbacks.finetuning import unfrozen_stage_count
from tests.trainkit import make_pretrained_file


@pytest.mark.parametrize(
    ("warmup", "every", "epoch", "planned", "expected"),
    [(2, 0, 1, 3, 0), (2, 0, 2, 3, 0), (2, 0, 3, 3, 3), (1, 2, 2, 3, 1), (1, 2, 3, 3, 1), (1, 2, 4, 3, 2),
     (1, 2, 9, 3, 3), (0, 1, 1, 3, 1), (0, 0, 1, 3, 3)],
)
def test_unfrozen_stage_count(warmup: int, every: int, epoch: int, planned: int, expected: int) -> None:
    assert unfrozen_stage_count(FineTuneSchedule(warmup, every), epoch, planned) == expected


class Snapshots(Callback):
    """The model's weights after every epoch, by top-level module."""

    def __init__(self) -> None:
        self.after: list[dict[str, torch.Tensor]] = []

    def on_run_start(self, trainer) -> None:  # type: ignore[no-untyped-def]
        self.after.append(_weights(trainer))

    def on_epoch_end(self, trainer, event: EpochEnded) -> None:  # type: ignore[no-untyped-def]
        self.after.append(_weights(trainer))


def _weights(trainer) -> dict[str, torch.Tensor]:  # type: ignore[no-untyped-def]
    return {k: v.detach().clone() for k, v in trainer.session.prepared.model.named_parameters()}


def _changed(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor], prefix: str) -> bool:
    return any(not torch.equal(before[k], after[k]) for k in before if k.startswith(prefix + "."))


def test_head_warm_up_then_gradual_unfreezing_from_the_top(image_folder: Path, tmp_path: Path) -> None:
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    config = TrainConfig(
        DataConfig(str(image_folder), image_size=32, augmentation=Augmentation.NONE),
        ModelConfig("resnet18", str(weights)), OptimConfig(epochs=4, batch_size=8, lr=0.01),
        EarlyStoppingConfig(enabled=False), strategy=Strategy.PARTIAL, device=Device.CPU, num_workers=0,
        freeze=FreezePlan(("conv1", "bn1", "layer1", "layer2")),
        finetune=FineTuneSchedule(head_warmup_epochs=1, unfreeze_every=2),
    )
    snaps = Snapshots()
    notices: list[str] = []
    estimates: list[EpochTimeEstimate] = []

    def sink(event: object) -> None:
        if isinstance(event, Notice):
            notices.append(event.message)
        elif isinstance(event, EpochTimeEstimate):
            estimates.append(event)

    finished = run_training_job(config, tmp_path / "run", sink, callbacks=[snaps])
    assert finished.succeeded, finished.detail
    start, e1, e2, e3, e4 = snaps.after
    # Epoch 1: the head alone.
    assert _changed(start, e1, "fc")
    assert not any(_changed(start, e1, m) for m in ("layer2", "layer3", "layer4", "conv1"))
    # Epochs 2-3: the top planned stage (layer4) joins; layer3 still waits.
    assert _changed(e1, e2, "layer4") and not _changed(e1, e3, "layer3")
    # Epoch 4: layer3 joins. Layers outside the plan never move.
    assert _changed(e3, e4, "layer3")
    for frozen in ("conv1", "layer1", "layer2"):
        assert not _changed(start, e4, frozen)
    assert any("finished its warm-up" in n and "Stage 4" in n for n in notices)
    assert any("Gradual unfreezing: Stage 3" in n for n in notices)
    # The time estimate knows what each epoch will train (issue 13 item 2): made once timed, then corrected after
    # each epoch of a kind not yet run (epochs 1 and 2), and after any epoch far from its estimate (epoch 3 may be).
    firsts = [e.first_epoch for e in estimates]
    assert firsts[:3] == [1, 2, 3] and set(firsts[3:]) <= {4}
    first = estimates[0].message
    assert "Epoch 1 (only the new classifier)" in first and "Epochs 2–3 (the new classifier and" in first
    assert "Epoch 4 (the new classifier and" in first and "roughly" in first
    plan = estimates[0].epoch_plan
    assert plan[0] < plan[1] == plan[2] < plan[3], "each unfrozen stage adds its backward pass"
