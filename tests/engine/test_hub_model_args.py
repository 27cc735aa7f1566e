"""A hub model that timm builds with extra arguments (config.json's ``model_args``, e.g. a UNI-like ViT with
LayerScale and register tokens) is the same model everywhere: in the layer tree, the stages, the advisor's
similarity check and the step-time estimate, not only in training."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.models.catalog import build_classifier
from engine.models.layers.stages import _covers_base, architecture_stages
from engine.models.layers.tree import analyse_model
from engine.models.sources import hub_model_args
from engine.strategy.similarity import measure_similarity
from tests.hubgen import make_hub_folder
from tests.imagegen import make_image_folder
from tests.trained_run import one_torch_thread

ARCH = "timm:test_vit"
ARGS = {"init_values": 1e-5, "reg_tokens": 2}  # LayerScale gammas and two register tokens


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_hub_folder(tmp_path_factory.mktemp("hub") / "vit", "test_vit", model_args=ARGS)


def _trained_names(hub: Path, classes: int = 3, size: int = 64) -> list[str]:
    """The parameters of the model training builds (it has always used the folder's model_args)."""
    model, _ = build_classifier(ARCH, classes, image_size=size, meta=True, model_args=hub_model_args(ARCH, str(hub)))
    return [name for name, _ in model.named_parameters()]


def test_the_layer_tree_shows_the_model_that_trains(hub: Path) -> None:
    tree = analyse_model(ARCH, 64, 3, weights=str(hub))
    assert tree.nodes["blocks.0.ls1"].params == 64, "the LayerScale the published model has"
    assert list(tree.param_numel) == _trained_names(hub), "the freeze checkboxes name the trained model's layers"
    plain = analyse_model(ARCH, 64, 3)
    assert plain.nodes["blocks.0.ls1"].params == 0 and plain.total_params < tree.total_params


def test_the_stages_cover_the_model_that_trains(hub: Path) -> None:
    model, head = build_classifier(ARCH, 2, image_size=64, meta=True, model_args=hub_model_args(ARCH, str(hub)))
    stages = architecture_stages(ARCH, 64, weights=str(hub))
    assert _covers_base(model, head, stages)
    assert sum(stage.params for stage in stages) == sum(p.numel() for n, p in model.named_parameters()
                                                         if not n.startswith(head + "."))


def test_the_advisor_measures_similarity_with_the_published_model(hub: Path, tmp_path: Path) -> None:
    images = make_image_folder(tmp_path / "images", {"red": 6, "green": 6}, size=40)
    items = [(f"{name}/{p.name}", i) for i, name in enumerate(("green", "red"))
             for p in sorted((images / name).iterdir())]
    result = measure_similarity(ARCH, str(hub), images, items, 2, per_class=6)
    assert result.images_used == 12 and 0.0 <= result.score <= 1.0
