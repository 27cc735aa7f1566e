"""Grad-CAM where the evidence is known: models trained to find a bright square must look at the square."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
import torchvision.models as tvm
from torch import nn
from torchvision.models.vision_transformer import VisionTransformer

from engine.evaluation.explain import GradCam, explain_image, find_target_layer, overlay
from engine.models.saved import load_exported_model
from tests.trained_run import one_torch_thread, shared_run

SIZE, SQUARE = 48, 10


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


def square_images(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, list[tuple[int, int]]]:
    """Dim noise; label 1 images have a bright SQUARE x SQUARE patch at a random place (returned)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.3, 0.1, (n, 3, SIZE, SIZE)).astype(np.float32)
    y = rng.integers(0, 2, n)
    corners = []
    for i in range(n):
        r, c = (int(v) for v in rng.integers(0, SIZE - SQUARE, 2))
        corners.append((r, c))
        if y[i]:
            x[i, :, r:r + SQUARE, c:c + SQUARE] = rng.uniform(0.9, 1.0)
    return torch.from_numpy(x), torch.from_numpy(y), corners


def train(model: nn.Module, epochs: int, lr: float) -> nn.Module:
    torch.manual_seed(0)
    x, y, _ = square_images(400, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for start in range(0, len(x), 32):
            idx = order[start:start + 32]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def squares_to_explain(model: nn.Module, count: int) -> list[tuple[torch.Tensor, tuple[int, int]]]:
    x, y, corners = square_images(80, seed=1)
    with torch.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert accuracy > 0.9, "the model did not learn the task; the heat would mean nothing"
    return [(x[i:i + 1], corners[i]) for i in np.flatnonzero(y.numpy() == 1)[:count]]


def test_cnn_heat_lies_on_the_bright_square() -> None:
    torch.manual_seed(0)
    cnn = train(nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1, stride=2), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 2)),
        epochs=6, lr=3e-3)
    cam = GradCam(cnn, image_size=SIZE)
    assert cam.target.name == "5" and cam.target.layout == "nchw"  # the last ReLU before pooling
    for image, (r, c) in squares_to_explain(cnn, 10):
        heat, _probs = cam.heatmap(image, class_index=1)
        assert heat.shape == (SIZE, SIZE) and heat.max() == pytest.approx(1.0)
        peak = np.unravel_index(int(heat.argmax()), heat.shape)
        assert r - 1 <= peak[0] <= r + SQUARE and c - 1 <= peak[1] <= c + SQUARE, (peak, (r, c))
        inside = np.zeros_like(heat, dtype=bool)
        inside[r:r + SQUARE, c:c + SQUARE] = True
        assert heat[inside].mean() > 5 * heat[~inside].mean()


def test_vit_heat_lies_on_the_bright_square() -> None:
    torch.manual_seed(0)
    vit = train(VisionTransformer(image_size=SIZE, patch_size=6, num_layers=2, num_heads=2, hidden_dim=32,
                                  mlp_dim=64, num_classes=2), epochs=15, lr=1e-3)
    cam = GradCam(vit, image_size=SIZE)
    assert cam.target.name == "encoder.layers.encoder_layer_1.ln_1"
    assert cam.target.layout == "tokens" and cam.target.prefix_tokens == 1  # the class token is not a patch
    hits = 0
    cases = squares_to_explain(vit, 20)
    for image, (r, c) in cases:
        heat, _ = cam.heatmap(image, class_index=1)
        pr, pc = (int(v) // 6 for v in np.unravel_index(int(heat.argmax()), heat.shape))
        hits += (6 * pr < r + SQUARE and r < 6 * pr + 6) and (6 * pc < c + SQUARE and c < 6 * pc + 6)
    assert hits >= 0.9 * len(cases)  # the hottest patch overlaps the square


@pytest.mark.parametrize("arch, size, layer, layout", [
    ("resnet18", 64, "layer4", "nchw"),
    ("mobilenet_v3_small", 64, "features", "nchw"),
    ("densenet121", 64, "features", "nchw"),  # its forward applies an in-place ReLU after the features
    ("vgg11", 64, "features", "nchw"),  # not the 7x7 adaptive pool, which would only upsample
    ("swin_t", 64, "permute", "nchw"),  # channels-last blocks, turned to (N, C, H, W) before pooling
    ("vit_b_16", 224, "encoder.layers.encoder_layer_11.ln_1", "tokens"),  # zero-initialised head
])
def test_target_layer_per_family(arch: str, size: int, layer: str, layout: str) -> None:
    torch.manual_seed(0)
    model = tvm.get_model(arch, weights=None).eval()
    target = find_target_layer(model, size)
    assert (target.name, target.layout) == (layer, layout)
    heat, probs = GradCam(model, image_size=size, target=target).heatmap(torch.randn(1, 3, size, size))
    assert heat.shape == (size, size) and np.isfinite(heat).all() and probs.shape == (1000,)


def test_frozen_weights_still_explain() -> None:
    torch.manual_seed(0)
    model = tvm.get_model("resnet18", weights=None).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    heat, _ = GradCam(model, image_size=64).heatmap(torch.randn(1, 3, 64, 64))
    assert heat.max() == pytest.approx(1.0)


def test_explain_an_image_with_a_trained_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    run = shared_run(tmp_path_factory)
    exported = load_exported_model(run)
    image = run.parent / "images" / "red" / "img_000.png"
    explanation = explain_image(exported, image)
    assert explanation.image.shape == (32, 32, 3) and explanation.heat.shape == (32, 32)
    assert explanation.class_name == exported.class_names[int(explanation.probabilities.argmax())]
    assert explanation.layer == "layer3"  # at 32 pixels layer4 is 1x1: nothing left to point at
    other = explain_image(exported, image, class_index=0)
    assert other.class_index == 0 and other.class_name == "blue"


def test_overlay_opacity() -> None:
    image = np.full((4, 4, 3), 200, np.uint8)
    heat = np.zeros((4, 4), np.float32)
    heat[0, 0] = 1.0
    assert (overlay(image, heat, 0.0) == image).all()
    full = overlay(image, heat, 1.0)
    assert (full[1:, 1:] == image[1:, 1:]).all()  # no heat, no colour: the image stays readable
    assert full[0, 0].tolist() == [128, 0, 0]  # full heat at full opacity: the hot colour
    with pytest.raises(ValueError):
        overlay(image, np.zeros((2, 2), np.float32), 0.5)
