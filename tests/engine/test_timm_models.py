"""timm models from Hugging Face hub folders: everything that works for torchvision models works for them.

The models are timm's own tiny test architectures with random weights, saved as hub folders
(tests/hubgen.py): no network, nothing from ../shared.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import timm
import torch

from engine.cli.main import main
from engine.config import (
    Augmentation,
    DataConfig,
    Device,
    EarlyStoppingConfig,
    FineTuneSchedule,
    FreezePlan,
    ModelConfig,
    OptimConfig,
    StopReason,
    Strategy,
    TrainConfig,
)
from engine.core.errors import WeightsError
from engine.evaluation.explain import explain_image
from engine.evaluation.predict import predict_images
from engine.jobs.training_job import run_training_job
from engine.models.catalog import build_classifier, check_image_size, model_info
from engine.models.hub_import import import_model_folder
from engine.models.layers.freeze_state import FreezeState
from engine.models.layers.freezing import parameter_groups, plan_for_strategy
from engine.models.layers.stages import _covers_base, model_stages
from engine.models.layers.tree import analyse_model
from engine.models.memory import estimate_memory
from engine.models.saved import load_exported_model
from engine.models.sources import arch_for_weights, preprocessing_for
from engine.models.weights import apply_weights, load_starting_weights, read_weights_file
from engine.run.events import BatchEnded, Notice, RunStarted, read_events
from engine.training.resume import load_run_config
from tests.hubgen import make_hub_folder
from tests.imagegen import make_image_folder
from tests.trained_run import one_torch_thread
from tests.trainkit import CancelAfter, Collector

ARCH = "timm:test_efficientnet"


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


def _config(images: Path, weights: Path | str, **changes: object) -> TrainConfig:
    config = TrainConfig(DataConfig(str(images), image_size=32, augmentation=Augmentation.NONE, val_fraction=0.25),
                         ModelConfig(ARCH, str(weights)), OptimConfig(epochs=2, batch_size=8, lr=0.01),
                         EarlyStoppingConfig(enabled=False), strategy=Strategy.HEAD, device=Device.CPU, seed=0,
                         num_workers=0)
    return config.replace(**changes)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Collector]:
    """A head-only run from a hub folder (trained once for the module): ``(hub folder, run folder, events)``."""
    root = tmp_path_factory.mktemp("timm")
    hub = make_hub_folder(root / "hub")
    images = make_image_folder(root / "images")
    events = Collector()
    with one_torch_thread():
        finished = run_training_job(_config(images, hub), root / "run", events)
    assert finished.succeeded, finished.detail
    return hub, root / "run", events


# -- the command line ---------------------------------------------------------------------------------------


def test_a_hub_folder_trains_head_only_from_the_command_line(tmp_path: Path, image_folder: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    hub = make_hub_folder(tmp_path / "hub")
    run = tmp_path / "run"
    code = main(["train", str(image_folder), "--out", str(run), "--weights", str(hub), "--epochs", "1",
                 "--image-size", "32", "--device", "cpu", "--workers", "0", "--augmentation", "none"])
    out = capsys.readouterr()
    assert code == 0, out.err
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["arch"] == ARCH, "the architecture comes from the folder's config.json"
    card = json.loads((run / "model" / "model.json").read_text())
    origin = card["origin"]
    assert (card["architecture"], origin["source"], origin["timm_architecture"]) == (ARCH, "timm", "test_efficientnet")
    assert origin["folder"] == str(hub) and origin["weights_file"] == "model.safetensors"
    assert origin["sha256"] == hashlib.sha256((hub / "model.safetensors").read_bytes()).hexdigest()
    assert card["preprocessing"]["mean"] == [0.5, 0.5, 0.5], "the folder's pretrained_cfg, not ImageNet's"
    [started] = [e for e in read_events(run / "events.jsonl") if isinstance(e, RunStarted)]
    assert any("features were computed once" in note for note in started.notes), "head-only on cached features"


def test_the_architecture_named_must_agree_with_the_folder(tmp_path: Path, image_folder: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    hub = make_hub_folder(tmp_path / "hub")
    assert arch_for_weights("test_efficientnet", str(hub)) == ARCH == arch_for_weights(ARCH, str(hub))
    code = main(["train", str(image_folder), "--out", str(tmp_path / "run"), "--weights", str(hub),
                 "--arch", "resnet18"])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "run").exists()
    assert 'holds "test_efficientnet", but the chosen model is "resnet18"' in err and "Traceback" not in err


def _unknown_arch(folder: Path) -> Path:
    return make_hub_folder(folder, config={"architecture": "no_such_network_v9"})


def _no_weights(folder: Path) -> Path:
    return make_hub_folder(folder, weights=False)


def _other_weights(folder: Path) -> Path:
    make_hub_folder(folder)
    vit = make_hub_folder(folder.parent / "vit", "test_vit")
    shutil.copyfile(vit / "model.safetensors", folder / "model.safetensors")
    return folder


@pytest.mark.parametrize(("make", "words"), [
    (_unknown_arch, 'is for the architecture "no_such_network_v9", which timm'),
    (_no_weights, "has no weights file (model.safetensors)"),
    (_other_weights, "are for a different model"),
])
def test_an_unusable_folder_gets_one_plain_sentence(tmp_path: Path, image_folder: Path, make: object, words: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    hub = make(tmp_path / "hub")  # type: ignore[operator]
    with pytest.raises(WeightsError, match=re.escape(words)):
        import_model_folder(hub)  # "Import model folder…" says it before any training
    code = main(["train", str(image_folder), "--out", str(tmp_path / "run"), "--weights", str(hub), "--epochs", "1",
                 "--image-size", "32", "--device", "cpu", "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err


def test_a_folder_without_config_is_not_taken_for_a_model(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(WeightsError, match="has no config.json"):
        import_model_folder(tmp_path / "empty")


# -- the model: catalog, layers, stages, head, memory ---------------------------------------------------------


def test_catalog_facts_come_from_timm() -> None:
    info = model_info("timm:efficientnet_lite0")
    cfg = timm.models.get_pretrained_cfg("efficientnet_lite0")
    assert (info.mean, info.std, info.crop_size, info.interpolation) == (cfg.mean, cfg.std, cfg.input_size[-1],
                                                                          cfg.interpolation)
    assert info.licence == cfg.license and info.weights_name == cfg.hf_hub_id and info.source == "timm"
    assert info.params == sum(p.numel() for p in timm.create_model("efficientnet_lite0").parameters())
    assert info.imagenet_top1 is None, "timm publishes no accuracy offline: none is made up"
    assert info.title == "efficientnet_lite0 (timm)" and info.speed_class == "very fast"


def test_the_recorded_shortlist_is_what_this_timm_says() -> None:
    # The facts, not the version number, must agree: a newer timm that describes these models the same way is
    # fine; one that changed them fails here with "regenerate: python -m engine.models.timm_record".
    from engine.models.timm_facts import FACTS
    from engine.models.timm_models import SHORTLIST, live_pretrained_cfg, measure_facts, pretrained_cfg

    assert sorted(FACTS) == sorted(SHORTLIST)
    for name in SHORTLIST:
        live = live_pretrained_cfg("timm:" + name)
        assert pretrained_cfg("timm:" + name) == {k: live[k] for k in pretrained_cfg("timm:" + name)}, name
    recorded = FACTS["deit_tiny_patch16_224"]
    params, gflops, size = measure_facts("timm:deit_tiny_patch16_224", 224)
    assert (params, size) == (recorded["params"], recorded["weights_bytes"])
    assert gflops == pytest.approx(recorded["gflops"], abs=1e-3)


def test_the_layer_tree_stages_and_head_come_from_timm() -> None:
    tree = analyse_model(ARCH, 32, 3)
    assert tree.head == "classifier" and tree.nodes["classifier"].output_shape == (3,)
    model, head = build_classifier(ARCH, 3, meta=True)
    stages = model_stages(model, ARCH, head)
    assert [s.label for s in stages][:2] == ["Stem", "Stage 1"] and _covers_base(model, head, stages)
    assert stages[0].modules == ("conv_stem", "bn1") and stages[1].modules == ("blocks.0",)
    partial = plan_for_strategy(model, head, "partial", ARCH)
    assert partial and set(partial) < {n for s in stages for n in s.modules}
    state = FreezeState(tree, partial)
    assert state.stage_count() == len(stages) // 2, "the freeze slider speaks timm's stages"
    partial_memory = estimate_memory(tree, state.frozen_params, 8)
    state.freeze_base()
    head_only = estimate_memory(tree, state.frozen_params, 8)
    assert partial_memory.total > head_only.total and head_only.gradients == tree.nodes["classifier"].params * 4


def test_a_vit_from_a_hub_folder_works_at_another_image_size(tmp_path: Path) -> None:
    hub = make_hub_folder(tmp_path / "vit", "test_vit")  # built for 160 pixels
    check_image_size("timm:test_vit", 64)
    model, head = build_classifier("timm:test_vit", 2, image_size=64)
    report = apply_weights(model, read_weights_file(hub / "model.safetensors"), head, "vit")
    assert report.skipped_head == ("head.weight", "head.bias"), "timm resized the position table; the head is new"


# -- training, saving, reloading --------------------------------------------------------------------------


def test_the_saved_model_reloads_predicts_and_explains_without_the_hub_folder(
        trained: tuple[Path, Path, Collector], tmp_path: Path) -> None:
    hub, run, _ = trained
    moved = shutil.move(str(hub), str(tmp_path / "gone"))
    try:
        exported = load_exported_model(run)
        image = run.parent / "images" / "red" / "img_000.png"
        [prediction] = predict_images(exported, [image])
        assert not prediction.error and prediction.top[0][0] in ("red", "green", "blue")
        explanation = explain_image(exported, image)
        assert explanation.heat.shape == (32, 32) and explanation.layer.startswith(("blocks", "conv_head", "bn2"))
    finally:
        shutil.move(moved, str(hub))
    assert (run / "evaluation" / "validation").is_dir(), "the saved model was evaluated"


def test_head_only_training_used_cached_features(trained: tuple[Path, Path, Collector]) -> None:
    _, run, events = trained
    [started] = events.of(RunStarted)
    assert any("features were computed once" in note for note in started.notes)
    recorded = json.loads((run / "model" / "model.json").read_text())["preprocessing"]
    assert recorded["std"] == [0.5, 0.5, 0.5] and recorded["interpolation"] == "bicubic", "the hub folder's cfg"


def test_partial_fine_tuning_with_warm_up_gradual_unfreezing_and_stage_rates(tmp_path: Path,
                                                                             image_folder: Path) -> None:
    hub = make_hub_folder(tmp_path / "hub")
    model, head = build_classifier(ARCH, 3, meta=True)
    stages = model_stages(model, ARCH, head)
    frozen = tuple(n for s in stages[:2] for n in s.modules)
    config = _config(image_folder, hub, strategy=Strategy.PARTIAL, freeze=FreezePlan(frozen),
                     finetune=FineTuneSchedule(head_warmup_epochs=1, unfreeze_every=1), optim=OptimConfig(
                         epochs=3, batch_size=8, lr=0.01, pretrained_lr_ratio=0.1))
    notices = Collector()
    finished = run_training_job(config, tmp_path / "run", notices)
    assert finished.succeeded, finished.detail
    messages = [n.message for n in notices.of(Notice)]
    assert any("finished its warm-up" in m for m in messages), messages
    assert any(f"Gradual unfreezing: {stages[-2].label}" in m for m in messages), messages
    real, head = build_classifier(ARCH, 3)
    for name, p in real.named_parameters():
        p.requires_grad = not name.startswith(frozen)
    rates = {g["name"]: g["lr"] for g in parameter_groups(real, head, 0.01, 0.1, 0.0, pretrained=True)}
    assert rates == {"head": 0.01, "base": pytest.approx(0.001)}


def test_an_interrupted_timm_run_resumes(tmp_path: Path, image_folder: Path) -> None:
    hub = make_hub_folder(tmp_path / "hub")
    config = _config(image_folder, hub, strategy=Strategy.FULL, feature_cache=False, optim=OptimConfig(
        epochs=2, batch_size=8, lr=0.01))
    cancel = CancelAfter()

    def stop_in_epoch_2(event: object) -> None:
        if isinstance(event, BatchEnded) and event.epoch == 2:
            cancel.set()
    run = tmp_path / "run"
    first = run_training_job(config, run, Collector(stop_in_epoch_2), cancel)
    assert first.reason is StopReason.CANCELLED and first.resumable
    resumed = Collector()
    finished = run_training_job(load_run_config(run), run, resumed, resume=True)
    assert finished.reason is StopReason.FINISHED, finished.detail
    assert resumed.of(RunStarted)[0].resumed_from_epoch == 1


# -- the hub: offline ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["hf-hub:timm/efficientnet_lite0.ra_in1k", "imagenet"])
def test_a_hub_model_without_internet_gets_the_plain_offline_sentence(spec: str) -> None:
    with pytest.raises(WeightsError) as caught:
        load_starting_weights(spec, "timm:efficientnet_lite0")
    message = str(caught.value)
    assert "could not be downloaded from the Hugging Face hub (is this computer offline?)" in message
    assert "https://huggingface.co/timm/efficientnet_lite0.ra_in1k" in message and "Import model folder" in message


def test_preprocessing_follows_the_weights(tmp_path: Path) -> None:
    hub = make_hub_folder(tmp_path / "hub", mean=(0.1, 0.2, 0.3), std=(0.4, 0.5, 0.6))
    pre = preprocessing_for(ARCH, str(hub), 64)
    assert (pre.mean, pre.std, pre.image_size) == ((0.1, 0.2, 0.3), (0.4, 0.5, 0.6), 64)
    default = preprocessing_for("timm:efficientnet_lite0", "imagenet", 224)  # timm's registry, nothing cached
    assert default.mean == (0.485, 0.456, 0.406) and default.resize_size == 256
    assert torch.tensor(pre.mean).shape == (3,)


def test_a_run_started_from_a_previous_timm_run_keeps_its_preprocessing(trained: tuple[Path, Path, Collector]) -> None:
    from engine.models.sources import hub_model_args, weights_origin

    hub, run, _ = trained
    assert preprocessing_for(ARCH, str(run), 48).mean == (0.5, 0.5, 0.5), "the run's, not timm's ImageNet default"
    assert hub_model_args(ARCH, str(run)) == {}
    origin = weights_origin(ARCH, str(run))
    assert origin["previous_run"] == str(run / "model") and origin["started_from"]["folder"] == str(hub)
