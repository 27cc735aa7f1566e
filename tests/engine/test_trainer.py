"""The training run as a whole: what it records, what it tells, and how it is made fast."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import torch
import torchvision

import engine.training.device
from engine.config import (
    Augmentation,
    FreezePlan,
    Imbalance,
    OptimizerKind,
    ScheduleKind,
    StopReason,
    Strategy,
)
from engine.data.loaders import EpochSampler, balanced_weights
from engine.jobs.training_job import run_training_job
from engine.run.events import BatchEnded, EpochEnded, EpochTimeEstimate, RunStarted
from engine.training.frozen_prefix import NoGradPrefix, frozen_prefix
from tests.trainkit import Collector, make_pretrained_file, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]


def test_every_choice_and_how_it_was_resolved_is_in_config_json(image_folder: Path, tmp_path: Path) -> None:
    config = tiny_config(image_folder, epochs=1, imbalance=Imbalance.WEIGHTED_LOSS, deterministic=True,
                         optim={"optimizer": OptimizerKind.ADAMW, "lr": 0.001, "label_smoothing": 0.1, "l1": 1e-5},
                         data={"augmentation": Augmentation.MEDICAL})
    config = config.replace(schedule=config.schedule.__class__(ScheduleKind.ONE_CYCLE))
    sink = Collector()
    assert run_training_job(config, tmp_path / "run", sink).reason is StopReason.FINISHED
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["optim"]["optimizer"] == "adamw" and saved["optim"]["label_smoothing"] == 0.1
    assert saved["schedule"]["kind"] == "one_cycle" and saved["imbalance"] == "weighted_loss"
    assert saved["deterministic"] is True and saved["data"]["augmentation"] == "medical"
    resolved = saved["resolved"]
    assert resolved["augment"]["hflip"] is False and resolved["augment"]["rotation"] == 10
    assert resolved["image_cache"] == "memory" and resolved["cached_features"] is False
    assert resolved["mixed_precision"] is None, "no autocast on the CPU"


def test_live_figures_carry_rate_speed_and_time_left(image_folder: Path, tmp_path: Path) -> None:
    sink = Collector()
    run_training_job(tiny_config(image_folder, epochs=2, batch_size=4), tmp_path / "run", sink)
    batches = sink.of(BatchEnded)
    assert batches and all(b.images_per_s > 0 and b.lr > 0 for b in batches)
    assert batches[-1].eta_s == pytest.approx(0.0, abs=1e-6), "nothing is left after the last batch"
    assert any(b.eta_s and b.eta_s > 0 for b in batches if b.epoch == 1)
    assert all(b.gpu_memory_mb is None for b in batches), "GPU memory is only reported on CUDA"
    estimate = sink.of(EpochTimeEstimate)
    assert [e.first_epoch for e in estimate] == [1, 2], "made once timed, corrected after epoch 1"
    assert "One epoch should take about" in estimate[0].message and "all 2 epochs about" in estimate[0].message
    assert estimate[1].measured and "One epoch should take about" in estimate[1].message
    assert [e.stale_epochs >= 0 for e in sink.of(EpochEnded)] == [True, True]


def test_a_slow_cpu_run_is_offered_the_cached_features_path(image_folder: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.training.device, "SLOW_CPU_RUN_S", 0.0)  # as if the run would take hours
    weights = make_pretrained_file(tmp_path / "w.safetensors", "mobilenet_v3_small")
    sink = Collector()
    config = tiny_config(image_folder, weights=str(weights), epochs=1, batch_size=4, strategy=Strategy.FULL)
    run_training_job(config, tmp_path / "run", sink)
    estimate = sink.of(EpochTimeEstimate)[0]
    assert estimate.fast_path_seconds is not None and estimate.fast_path_seconds > 0
    assert "features computed once" in estimate.message and "long for this computer" in estimate.message


def test_the_frozen_first_layers_run_without_autograd() -> None:
    model = torchvision.models.resnet18(num_classes=3)
    for name in ("conv1", "bn1", "layer1", "layer2"):
        model.get_submodule(name).requires_grad_(False)
    hooks = NoGradPrefix(model)
    assert hooks.names == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2"]
    seen: dict[str, tuple[bool, bool]] = {}
    model.layer1.register_forward_hook(lambda m, a, out: seen.__setitem__("inside", (torch.is_grad_enabled(),
                                                                                     out.requires_grad)))
    model.layer3.register_forward_pre_hook(lambda m, a: seen.__setitem__("after", (torch.is_grad_enabled(),
                                                                                   a[0].requires_grad)))
    model.train()
    model(torch.randn(2, 3, 32, 32)).sum().backward()
    assert seen["inside"] == (False, False), "no graph, no kept activations for the frozen prefix"
    assert seen["after"][0] is True and model.layer3[0].conv1.weight.grad is not None
    model.eval()
    with torch.no_grad():
        model(torch.randn(1, 3, 32, 32))
    assert torch.is_grad_enabled()
    hooks.remove()


def test_a_trainable_parameter_outside_the_children_disables_the_prefix() -> None:
    vit = torchvision.models.vit_b_16(num_classes=2, image_size=32)
    vit.conv_proj.requires_grad_(False)
    assert frozen_prefix(vit) == [], "the class token is used between children and must keep learning"


def test_a_frozen_plan_is_run_under_no_grad_and_recorded(image_folder: Path, tmp_path: Path) -> None:
    weights = make_pretrained_file(tmp_path / "w.safetensors", "resnet18")
    config = tiny_config(image_folder, weights=str(weights), epochs=1, strategy=Strategy.FULL,
                         model={"arch": "resnet18"}, freeze=FreezePlan(("conv1", "bn1", "layer1")))
    sink = Collector()
    assert run_training_job(config, tmp_path / "run", sink).reason is StopReason.FINISHED
    resolved = json.loads((tmp_path / "run" / "config.json").read_text())["resolved"]
    assert resolved["no_grad_prefix"] == ["conv1", "bn1", "relu", "maxpool", "layer1"]
    assert "run without keeping anything" in " ".join(sink.of(RunStarted)[0].notes)


def test_balanced_sampling_draws_rare_classes_as_often_as_common_ones() -> None:
    labels = [0] * 90 + [1] * 10
    sampler = EpochSampler(len(labels), seed=0, shuffle=True, weights=balanced_weights(labels))
    drawn: Counter[int] = Counter()
    for epoch in range(1, 31):
        sampler.set_epoch(epoch)
        drawn.update(labels[i] for i, _ in sampler)
    assert abs(drawn[0] - drawn[1]) / (drawn[0] + drawn[1]) < 0.05


def test_each_epoch_order_depends_only_on_seed_and_epoch() -> None:
    a, b = EpochSampler(20, seed=3, shuffle=True), EpochSampler(20, seed=3, shuffle=True)
    a.set_epoch(5)
    b.set_epoch(4)
    b.set_epoch(5)
    assert list(a) == list(b)
    b.set_epoch(6)
    assert list(a) != list(b)


def test_a_callback_can_unfreeze_layers_between_epochs(image_folder: Path, tmp_path: Path) -> None:
    from engine.training.callbacks.base import Callback

    weights = make_pretrained_file(tmp_path / "w.safetensors", "mobilenet_v3_small")
    before: dict[str, torch.Tensor] = {}

    class UnfreezeLastBlock(Callback):
        def on_epoch_start(self, trainer, epoch: int) -> None:  # type: ignore[no-untyped-def]
            model = trainer.session.prepared.model
            if epoch == 1:
                before.update({k: v.clone() for k, v in model.features[12].state_dict().items()})
            if epoch == 2:
                model.features[12].requires_grad_(True)
                trainer.session.unfrozen()

    config = tiny_config(image_folder, weights=str(weights), epochs=2, strategy=Strategy.HEAD,
                         data={"augmentation": Augmentation.LIGHT}, early_stopping={"restore_best": False})
    trainer_sink = Collector()
    from engine.training.trainer import Trainer

    trainer = Trainer(config, tmp_path / "run", trainer_sink, callbacks=[UnfreezeLastBlock()])
    assert trainer.run().reason is StopReason.FINISHED
    groups = trainer.session.optimizer.param_groups  # type: ignore[union-attr]
    assert len(groups) == 2 and groups[1]["base_lr"] == pytest.approx(0.001)
    after = trainer.session.prepared.model.features[12].state_dict()  # type: ignore[union-attr]
    assert not torch.equal(after["0.weight"], before["0.weight"]), "the unfrozen block learned in epoch 2"


@pytest.mark.parametrize(("bf16", "dtype", "scaler"), [(True, torch.bfloat16, False), (False, torch.float16, True)])
def test_on_cuda_mixed_precision_channels_last_and_autotuning_are_switched_on(
        monkeypatch: pytest.MonkeyPatch, bf16: bool, dtype: torch.dtype, scaler: bool) -> None:
    # No GPU here: the CUDA decisions are checked with the GPU's answers simulated.
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    for flag in ("benchmark", "deterministic", "allow_tf32"):  # restored after the test
        monkeypatch.setattr(torch.backends.cudnn, flag, getattr(torch.backends.cudnn, flag))
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.benchmark = False
    try:
        _check_cuda_choices(bf16, dtype, scaler)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.use_deterministic_algorithms(False)


def _check_cuda_choices(bf16: bool, dtype: torch.dtype, scaler: bool) -> None:
    model = torchvision.models.resnet18(num_classes=2)
    acc = engine.training.device.accelerate(model, torch.device("cuda"), deterministic=False)
    assert (acc.autocast_dtype, acc.use_scaler, acc.channels_last) == (dtype, scaler, True)
    assert torch.backends.cudnn.benchmark is True
    assert model.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    assert not engine.training.device.accelerate(torchvision.models.vit_b_16(image_size=32), torch.device("cuda"),
                                       deterministic=True).channels_last, "transformers keep their layout"
    assert torch.backends.cudnn.benchmark is False, "deterministic mode switches autotuning off"
    cpu = engine.training.device.accelerate(model, torch.device("cpu"), deterministic=False)
    assert cpu.autocast_dtype is None, "no autocast on the CPU (2.7x slower without bf16 support, measured)"


def test_the_optimizer_is_fused_on_cuda_only() -> None:
    from engine.config import OptimConfig
    from engine.training.optim import build_optimizer

    params = list(torch.nn.Linear(2, 2).parameters())
    assert build_optimizer([{"params": params}], OptimConfig(), torch.device("cuda")).param_groups[0]["fused"]
    assert not build_optimizer([{"params": params}], OptimConfig(), torch.device("cpu")).param_groups[0]["fused"]
