"""Will it fit: the memory estimate, the suggested batch size and the relative speed of a freeze plan."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import engine.models.memory
from engine.core.errors import ConfigError
from engine.models.catalog import build_classifier
from engine.models.layers.freeze_state import FreezeState
from engine.models.layers.freezing import freeze_modules
from engine.models.layers.tree import analyse_model
from engine.models.memory import (
    GB,
    available_memory,
    estimate_memory,
    measure_plan_memory,
    measure_training_memory,
    optimizer_slots,
    relative_speed,
)


def _real_saved_bytes(arch: str, size: int, frozen: list[str], batch: int = 2) -> int:
    """Bytes autograd really keeps for backward on the CPU (tensors sharing storage counted once)."""
    torch.manual_seed(0)
    model, head = build_classifier(arch, 3, image_size=size)
    freeze_modules(model, frozen, head)
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(torch.randn(batch, 3, size, size))
    return sum(storages.values()) // batch


@pytest.mark.parametrize("arch, frozen", [("resnet18", []), ("resnet18", ["conv1", "bn1", "layer1", "layer2"]),
                                          ("mobilenet_v3_small", ["features.0", "features.1", "features.2"])])
def test_activation_estimate_matches_what_autograd_keeps(arch: str, frozen: list[str]) -> None:
    tree = analyse_model(arch, 64, 3)
    state = FreezeState(tree, frozen)
    estimated = estimate_memory(tree, state.frozen_params, batch_size=1).activations
    assert estimated == pytest.approx(_real_saved_bytes(arch, 64, frozen), rel=0.1)


def test_memory_grows_with_the_batch_and_shrinks_with_freezing() -> None:
    tree = analyse_model("resnet50", 224, 10)
    state = FreezeState(tree)
    full16, full32 = (estimate_memory(tree, state.frozen_params, b) for b in (16, 32))
    assert full32.activations == 2 * full16.activations and full32.weights == full16.weights
    assert full16.gradients == full16.optimizer_state == full16.weights  # SGD with momentum: one slot
    state.freeze_stages(3)
    partial = estimate_memory(tree, state.frozen_params, 16)
    state.freeze_base()
    head_only = estimate_memory(tree, state.frozen_params, 16)
    assert full16.total > partial.total > head_only.total
    assert head_only.gradients == tree.nodes["fc"].params * 4
    # ResNet-50 keeps roughly 80-110 MB of float32 activations per 224-pixel image for its backward pass.
    assert 80 * 1024 ** 2 < full16.activations / 16 < 110 * 1024 ** 2


def test_a_batch_that_does_not_fit_gets_a_suggestion_in_words() -> None:
    tree = analyse_model("resnet50", 224, 10)
    estimate = estimate_memory(tree, (), 64, device="cuda", available=4 * GB)
    assert estimate.fits is False and estimate.suggested_batch is not None and 1 <= estimate.suggested_batch < 64
    fitting = estimate_memory(tree, (), estimate.suggested_batch, device="cuda", available=4 * GB)
    assert fitting.fits
    assert f"Use batches of {estimate.suggested_batch} or fewer images" in estimate.summary()
    assert "The GPU has 4.0 GB free: it does not fit" in estimate.summary()
    tiny = estimate_memory(tree, (), 1, available=10 * 1024 ** 2)
    assert tiny.suggested_batch == 0 and "not fit even one image" in tiny.summary()
    roomy = estimate_memory(tree, (), 8, available=64 * GB)
    assert roomy.fits and "batches of up to" in roomy.summary()


def test_relative_speed_of_freeze_plans() -> None:
    tree = analyse_model("resnet18", 64, 3)
    state = FreezeState(tree)
    assert relative_speed(tree, state.frozen_params) == 1.0
    state.freeze_stages(3)
    partial = relative_speed(tree, state.frozen_params)
    state.freeze_base()
    head_only = relative_speed(tree, state.frozen_params)
    assert 1.0 < partial < head_only and 2.5 < head_only < 3.1  # forward only vs forward + backward


def test_optimizer_state_sizes() -> None:
    assert (optimizer_slots("sgd", 0.9), optimizer_slots("sgd", 0.0), optimizer_slots("adamw")) == (1, 0, 2)


def test_free_memory_of_this_computer_is_known() -> None:
    free = available_memory("cpu")
    assert free is not None and free > 100 * 1024 ** 2


def test_measuring_needs_a_gpu() -> None:
    model, _ = build_classifier("resnet18", 3)
    with pytest.raises(ConfigError, match="NVIDIA GPU"):
        measure_training_memory(model, 2, 32, torch.device("cpu"), 3)


class FakeCuda:
    """Stands in for torch.cuda's memory functions, so the GPU probe's path runs on any computer (CI has no GPU).

    The training step itself really runs (on the CPU); the fake records the order of the memory calls and which
    parameters had gradients when the step was over.
    """

    def __init__(self, model: nn.Module, peak: int) -> None:
        self.model, self.peak = model, peak
        self.calls: list[str] = []
        self.with_grads: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "empty_cache", lambda: self.calls.append("empty_cache"))
        monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", lambda device=None: self.calls.append("reset"))
        monkeypatch.setattr(torch.cuda, "synchronize", self._synchronize)
        monkeypatch.setattr(torch.cuda, "max_memory_allocated", self._max_memory_allocated)
        # Tensors for the "GPU" are made where the model is (the CPU).
        for name in ("randn", "randint"):
            real = getattr(torch, name)
            monkeypatch.setattr(torch, name, lambda *a, _real=real, device=None, **k: _real(*a, **k))
        monkeypatch.setattr(self.model, "to", lambda device: self.model)

    def _synchronize(self, device: object = None) -> None:
        self.calls.append("synchronize")
        self.with_grads = [n for n, p in self.model.named_parameters() if p.grad is not None]

    def _max_memory_allocated(self, device: object = None) -> int:
        self.calls.append("read")
        return self.peak


def test_the_gpu_probe_measures_one_full_training_step_and_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    model, head = build_classifier("resnet18", 3)
    freeze_modules(model, ["conv1", "bn1", "layer1"], head)
    cuda = FakeCuda(model, peak=123 * 1024 ** 2)
    cuda.install(monkeypatch)

    peak = measure_training_memory(model, 2, 32, torch.device("cuda"), 3)

    assert peak == 123 * 1024 ** 2  # the peak replaces the estimate in the layers panel
    # the peak is reset before the step and read once the step (forward, backward, update) has finished
    assert cuda.calls == ["empty_cache", "reset", "synchronize", "read", "empty_cache"]
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert set(cuda.with_grads) == trainable and not any(n.startswith("layer1.") for n in cuda.with_grads)
    assert all(p.grad is None for p in model.parameters())  # nothing kept on the GPU after the probe


def test_a_probe_that_runs_out_of_gpu_memory_answers_none_and_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    model, _head = build_classifier("resnet18", 3)
    cuda = FakeCuda(model, peak=1)
    cuda.install(monkeypatch)

    def out_of_memory(*args: object) -> torch.Tensor:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(model.layer4, "forward", out_of_memory)
    assert measure_training_memory(model, 2, 32, torch.device("cuda"), 3) is None  # the panel says it in words
    assert cuda.calls == ["empty_cache", "reset", "empty_cache"]


def test_measuring_a_plan_builds_it_frozen_and_without_a_gpu_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match="only be measured on an NVIDIA GPU; elsewhere the app estimates it"):
        measure_plan_memory("resnet18", 3, 32, ["conv1"], 2)
    seen: list[tuple[list[str], bool, str]] = []

    def probe(model: nn.Module, batch: int, size: int, device: torch.device, classes: int, slots: int) -> int:
        frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
        seen.append((frozen, model.bn1.training, device.type))
        return 42

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(engine.models.memory, "measure_training_memory", probe)
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    assert measure_plan_memory("resnet18", 3, 32, ["conv1", "bn1"], 2) == 42
    assert seen == [(["conv1.weight", "bn1.weight", "bn1.bias"], False, "cuda")]  # frozen BatchNorm stays in eval
