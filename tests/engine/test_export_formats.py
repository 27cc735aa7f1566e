"""ONNX and TorchScript exports of three model families answer as PyTorch does (issue 15, item 5), and a model
an exporter cannot hold gets one sentence, not a traceback.

The families are reduced configurations of torchvision's own classes (a ResNet with one block a stage, the
real MobileNetV3-small, a two-layer ViT) so that each export takes seconds; the exporters see the same
operations as in the full models. The check runs on real (generated) images preprocessed as the app does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
import torch
import torchvision
from torch import nn
from torchvision.models.resnet import BasicBlock, ResNet
from torchvision.models.vision_transformer import VisionTransformer

from engine.data.images.decode import load_image
from engine.data.loaders import Preprocessing, image_to_tensor
from engine.export.check import compare
from engine.export.errors import ExportUnsupported
from engine.export.metadata import preprocessing_record
from engine.export.onnx_format import onnx_bytes, onnx_runner, read_onnx_metadata
from engine.export.samples import CheckImages
from engine.export.torchscript_format import load_torchscript, torchscript_bytes, torchscript_runner
from tests.imagegen import make_image_folder
from tests.trained_run import one_torch_thread

SIZE = 32
CLASSES = ("red", "green", "blue")


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> CheckImages:
    folder = make_image_folder(tmp_path_factory.mktemp("export-images"), {c: 3 for c in CLASSES}, size=44)
    prep = Preprocessing.for_size(SIZE)
    paths = sorted(folder.rglob("*.png"))
    transform = prep.eval_transform()
    inputs = torch.stack([transform(image_to_tensor(load_image(p, min_side=prep.resize_size))) for p in paths])
    return CheckImages(inputs, tuple(p.name for p in paths), "validation")


def _resnet() -> nn.Module:
    return ResNet(BasicBlock, [1, 1, 1, 1], num_classes=len(CLASSES))


def _mobilenet() -> nn.Module:
    return torchvision.models.mobilenet_v3_small(num_classes=len(CLASSES))


def _vit() -> nn.Module:
    return VisionTransformer(image_size=SIZE, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
                             num_classes=len(CLASSES))


FAMILIES: dict[str, Callable[[], nn.Module]] = {"resnet": _resnet, "mobilenet": _mobilenet, "vit": _vit}


def _trained_looking(build: Callable[[], nn.Module]) -> nn.Module:
    """Random weights, with batch-norm statistics that are not the identity (as after training)."""
    torch.manual_seed(0)
    model = build()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    return model.eval()


def _record() -> dict[str, object]:
    return preprocessing_record("test", CLASSES, Preprocessing.for_size(SIZE))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_onnx_export_answers_as_pytorch_on_real_images_at_any_batch_size(family: str, images: CheckImages) -> None:
    model = _trained_looking(FAMILIES[family])
    payload = onnx_bytes(model, SIZE, _record())
    check = compare("ONNX", model, onnx_runner(payload), images)
    assert check.passed, check.sentence()
    assert check.max_abs_diff <= 1e-3 and check.same_top1 == images.count == 9
    assert check.batch_sizes == (9, 1)  # the batch axis is dynamic: 9 at once and 1 alone both run


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_torchscript_export_answers_as_pytorch_on_real_images_at_any_batch_size(family: str,
                                                                                 images: CheckImages) -> None:
    model = _trained_looking(FAMILIES[family])
    payload = torchscript_bytes(model, SIZE, _record())
    check = compare("TorchScript", model, torchscript_runner(payload), images)
    assert check.passed, check.sentence()
    assert check.same_top1 == images.count
    _module, record = load_torchscript(payload)
    assert record["class_names"] == list(CLASSES)


def test_the_onnx_file_carries_the_preprocessing_and_has_a_free_batch_axis() -> None:
    import onnxruntime

    payload = onnx_bytes(_trained_looking(_resnet), SIZE, _record())
    meta = read_onnx_metadata(payload)
    assert meta["class_names"] == '["red", "green", "blue"]'
    assert meta["mean"] == "[0.485, 0.456, 0.406]" and meta["std"] == "[0.229, 0.224, 0.225]"
    assert meta["input"].startswith('{"name": "image"') and '"size": [32, 32]' in meta["input"]
    assert '"short_side": 37' in meta["resize"] and '"interpolation": "bilinear"' in meta["resize"]
    session = onnxruntime.InferenceSession(payload, providers=["CPUExecutionProvider"])
    batch_axis = session.get_inputs()[0].shape[0]
    assert isinstance(batch_axis, str)  # a named, free dimension, not a fixed size
    assert session.run(None, {"image": np.zeros((5, 3, SIZE, SIZE), np.float32)})[0].shape == (5, 3)


class _CumulativeMax(nn.Module):
    """A classifier using ``cummax``, an operation PyTorch's ONNX exporter has no translation for."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(3, len(CLASSES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = x.mean(dim=(2, 3))
        return self.head(torch.cummax(pooled, dim=1).values)


def test_a_model_with_an_operation_onnx_lacks_gets_one_sentence_naming_the_format_and_what_still_works(
        images: CheckImages) -> None:
    model = _CumulativeMax().eval()
    with pytest.raises(ExportUnsupported) as caught:
        onnx_bytes(model, SIZE, _record())
    sentence = str(caught.value)
    assert sentence.startswith("This model cannot be exported to ONNX: it uses the operation \"cummax\"")
    assert "predictions in this app" in sentence and "TorchScript" in sentence
    assert "\n" not in sentence and "Traceback" not in sentence
    # The same model still exports to TorchScript, checked as usual.
    payload = torchscript_bytes(model, SIZE, _record())
    assert compare("TorchScript", model, torchscript_runner(payload), images).passed


class _ReturnsANumber(nn.Module):
    def forward(self, x: torch.Tensor) -> float:
        return float(x.mean())


def test_a_model_that_cannot_be_traced_gets_one_sentence_for_torchscript() -> None:
    with pytest.raises(ExportUnsupported) as caught:
        torchscript_bytes(_ReturnsANumber(), SIZE, _record())
    sentence = str(caught.value)
    assert sentence.startswith("This model cannot be exported to TorchScript: tracing it failed (")
    assert "\n" not in sentence and "still work" in sentence


class _BatchDependent(nn.Module):
    """Answers differently when it sees one image: a trace (made with two) records the wrong branch."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(3, len(CLASSES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.head(x.mean(dim=(2, 3)))
        return logits if x.shape[0] > 1 else -logits


def test_a_trace_that_answers_differently_is_caught_by_the_check(images: CheckImages) -> None:
    torch.manual_seed(0)
    model = _BatchDependent().eval()
    check = compare("TorchScript", model,
                    torchscript_runner(torchscript_bytes(model, SIZE, _record())), images)
    assert not check.passed
    assert check.sentence().startswith("Check failed: on 9 validation images, TorchScript")
