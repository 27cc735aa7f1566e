"""Issue 16: SyncBatchNorm under several processes — converted only where BatchNorm trains and the GPUs can run it,
and suggested when each process's share of a batch is small."""

from __future__ import annotations

import argparse

from torch import nn

from engine.cli.train import config_from_args, register
from engine.config import DataConfig, ModelConfig, Strategy, TrainConfig
from engine.training.distributed import World
from engine.training.sync_batchnorm import SUGGEST_BELOW, apply_sync_batchnorm

TWO = World(rank=0, size=2)


def _model(frozen: bool = False) -> nn.Module:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    for p in model[1].parameters():
        p.requires_grad_(not frozen)
    return model


def _config(sync: bool, **changes: object) -> TrainConfig:
    return TrainConfig(DataConfig("images"), ModelConfig("resnet18", "none"), strategy=Strategy.FULL,
                       sync_batchnorm=sync, **changes)  # type: ignore[arg-type]


def _kinds(model: nn.Module) -> list[type[nn.Module]]:
    return [type(m) for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def test_trained_batchnorm_is_synchronised_on_gpus_when_asked() -> None:
    model = _model()
    weight = model[1].weight
    note = apply_sync_batchnorm(model, _config(True), TWO, "cuda", 8)
    assert _kinds(model) == [nn.SyncBatchNorm]
    assert model[1].weight is weight  # the optimizer's parameters are the model's still
    assert note is not None and "whole batch of 8 images" in note


def test_frozen_batchnorm_is_left_alone() -> None:
    model = _model(frozen=True)
    assert apply_sync_batchnorm(model, _config(True), TWO, "cuda", 8) is None
    assert _kinds(model) == [nn.BatchNorm2d]


def test_frozen_batchnorm_that_unfreezes_later_is_synchronised() -> None:
    from engine.config.settings import FineTuneSchedule

    model = _model(frozen=True)
    apply_sync_batchnorm(model, _config(True, finetune=FineTuneSchedule(head_warmup_epochs=2)), TWO, "cuda", 8)
    assert _kinds(model) == [nn.SyncBatchNorm]


def test_one_process_or_cpu_processes_keep_plain_batchnorm() -> None:
    model = _model()
    assert apply_sync_batchnorm(model, _config(True), World(), "cuda", 8) is None
    note = apply_sync_batchnorm(model, _config(True), TWO, "cpu", 8)
    assert note is not None and "GPUs only" in note
    assert _kinds(model) == [nn.BatchNorm2d]


def test_a_small_share_per_process_suggests_the_option() -> None:
    model = _model()
    note = apply_sync_batchnorm(model, _config(False), TWO, "cuda", 2 * (SUGGEST_BELOW - 1))
    assert note is not None and f"only {SUGGEST_BELOW - 1} images" in note and "--sync-batchnorm" in note
    assert apply_sync_batchnorm(model, _config(False), TWO, "cuda", 2 * SUGGEST_BELOW) is None
    assert _kinds(model) == [nn.BatchNorm2d]


def test_the_command_line_sets_it() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["train", "images", "--out", "run", "--weights", "none", "--strategy", "full",
                              "--sync-batchnorm"])
    assert config_from_args(args).sync_batchnorm
    assert not config_from_args(parser.parse_args(["train", "images", "--out", "run"])).sync_batchnorm
