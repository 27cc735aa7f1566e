"""Will it fit: the memory estimate, the suggested batch size and the relative speed of a freeze plan."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from engine.errors import ConfigError
from engine.freeze_state import FreezeState
from engine.layer_tree import analyse_model
from engine.layers import freeze_modules
from engine.memory import (
    GB,
    available_memory,
    estimate_memory,
    measure_training_memory,
    optimizer_slots,
    relative_speed,
)
from engine.models import build_classifier


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


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the probe measures GPU memory")
def test_the_gpu_probe_agrees_with_the_estimate() -> None:
    model, _head = build_classifier("resnet50", 10)
    tree = analyse_model("resnet50", 224, 10)
    measured = measure_training_memory(model, 32, 224, torch.device("cuda"), 10)
    assert measured is not None
    estimated = estimate_memory(tree, (), 32).total
    assert 0.6 < estimated / measured < 1.6
    assert isinstance(model, nn.Module)
