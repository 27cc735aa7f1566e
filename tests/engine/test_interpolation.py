"""Images are resized with the interpolation the pretrained weights were evaluated with (bicubic for timm's
EfficientNets and torchvision's EfficientNet and Swin), everywhere an image becomes a model input: training,
validation, the image cache, Grad-CAM's picture, model.json and the deployment folder's predict.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.transforms.v2 import functional as F

from engine.config import AugmentConfig
from engine.data.image_cache import build_image_cache
from engine.data.loaders import ImageListDataset, Preprocessing, image_to_tensor
from engine.evaluation.explain import model_view
from engine.export import predict_script as script  # the deployment folder's predict.py
from engine.export.metadata import preprocessing_record
from engine.models.sources import preprocessing_for
from tests.hubgen import make_hub_folder

BICUBIC = Preprocessing(image_size=32, resize_size=34, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
                        interpolation="bicubic")


def _noisy(path: Path, size: tuple[int, int] = (97, 61), seed: int = 0) -> Path:
    """Fine detail (noise) makes bilinear and bicubic resizing tell apart."""
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def _by_hand(array: np.ndarray, pre: Preprocessing, mode: F.InterpolationMode) -> torch.Tensor:
    resized = F.resize(image_to_tensor(array), [pre.resize_size], interpolation=mode, antialias=True)
    return F.center_crop(resized, [pre.image_size])


@pytest.mark.parametrize(("interpolation", "expected"), [("bicubic", "bicubic"), ("bilinear", "bilinear"),
                                                         ("random", "bilinear"), (None, "bilinear")])
def test_a_hub_folders_interpolation_is_the_runs(tmp_path: Path, interpolation: str | None, expected: str) -> None:
    hub = make_hub_folder(tmp_path / "hub")
    config = json.loads((hub / "config.json").read_text(encoding="utf-8"))
    config["pretrained_cfg"]["interpolation"] = interpolation
    (hub / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert preprocessing_for("timm:test_efficientnet", str(hub), 32).interpolation == expected


def test_torchvision_models_resize_as_their_imagenet_weights_were_evaluated() -> None:
    assert preprocessing_for("efficientnet_b0", "imagenet", 224).interpolation == "bicubic"
    assert preprocessing_for("swin_t", "imagenet", 224).interpolation == "bicubic"
    assert preprocessing_for("resnet18", "imagenet", 224).interpolation == "bilinear"
    assert preprocessing_for("timm:efficientnet_lite0", "imagenet", 224).interpolation == "bicubic"


def test_model_json_keeps_the_interpolation_and_older_ones_mean_bilinear() -> None:
    assert Preprocessing.from_dict(BICUBIC.to_dict()) == BICUBIC
    older = {k: v for k, v in BICUBIC.to_dict().items() if k != "interpolation"}
    assert Preprocessing.from_dict(older).interpolation == "bilinear", "runs from before were resized bilinearly"
    record = preprocessing_record("timm:test_efficientnet", ("a", "b"), BICUBIC)
    assert record["resize"]["interpolation"] == "bicubic" and "(bicubic)" in record["steps"][1]


def test_validation_training_the_cache_and_grad_cam_resize_bicubically(tmp_path: Path) -> None:
    path = _noisy(tmp_path / "images" / "a" / "one.png")
    array = np.array(Image.open(path).convert("RGB"))
    bicubic, bilinear = (_by_hand(array, BICUBIC, mode) for mode in (F.InterpolationMode.BICUBIC,
                                                                      F.InterpolationMode.BILINEAR))
    assert not torch.equal(bicubic, bilinear), "the image must tell the two apart"
    expected = F.normalize(F.to_dtype(bicubic, torch.float32, scale=True), list(BICUBIC.mean), list(BICUBIC.std))

    assert torch.allclose(BICUBIC.eval_transform()(image_to_tensor(array)), expected)
    assert torch.allclose(BICUBIC.train_transform(AugmentConfig())(image_to_tensor(array)), expected), \
        "without augmentation the training pixels are the validation ones"
    assert np.array_equal(model_view(array, BICUBIC), bicubic.permute(1, 2, 0).numpy())

    items = [("a/one.png", 0)]
    cache = build_image_cache(tmp_path / "images", ["a/one.png"], BICUBIC.resize_size, directory=tmp_path / "cache",
                              name="val", interpolation=BICUBIC.resize_mode)
    assert cache is not None
    plain = ImageListDataset(tmp_path / "images", items, BICUBIC.eval_transform(), BICUBIC.resize_size)
    cached = ImageListDataset(tmp_path / "images", items, BICUBIC.eval_transform(), BICUBIC.resize_size, cache=cache)
    assert torch.equal(plain[0][0], cached[0][0]), "cached pixels are the decoded ones"


@pytest.mark.parametrize("interpolation", ["bicubic", "bilinear"])
def test_the_deployment_script_resizes_as_the_app(tmp_path: Path, interpolation: str) -> None:
    pre = Preprocessing(image_size=32, resize_size=34, interpolation=interpolation)
    record = preprocessing_record("timm:test_efficientnet", ("a", "b"), pre)
    array = np.array(Image.open(_noisy(tmp_path / "one.png", seed=3)).convert("RGB"))
    app = pre.eval_transform()(image_to_tensor(array)).numpy()
    deployed = script.preprocess(array, record)
    other = "bilinear" if interpolation == "bicubic" else "bicubic"
    record_other = {**record, "resize": {**record["resize"], "interpolation": other}}
    step = 1 / 255 / min(pre.std)  # one grey level, normalised
    # Pillow and torchvision round an antialiased resize differently in a few pixels: a grey level at most.
    assert np.abs(deployed - app).max() <= step * 1.01
    assert np.abs(script.preprocess(array, record_other) - app).max() > 5 * step, "the record's filter is used"
