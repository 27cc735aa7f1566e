""""Try all three": every strategy on the same budget, one table, one end."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import DataConfig, Device, EarlyStoppingConfig, ModelConfig, OptimConfig, Strategy, TrainConfig
from engine.core.errors import ConfigError
from engine.jobs.runner import TRIALS, ThreadRunner
from engine.run.events import EpochEnded, Event, RunFinished
from engine.strategy.table import Advised, SimilarityClass, SizeClass
from engine.strategy.trials import read_trials, trial_configs
from tests.trainkit import make_pretrained_file


def _config(folder: Path, weights: str, epochs: int = 1) -> TrainConfig:
    return TrainConfig(DataConfig(str(folder), image_size=32), ModelConfig("resnet18", weights),
                       OptimConfig(epochs=epochs, batch_size=8), EarlyStoppingConfig(patience=1),
                       strategy=Strategy.HEAD, device=Device.CPU, num_workers=0,
                       advice={"size": {"class": "small"}, "similarity": {"class": "different"}})


def test_trial_configs_differ_only_in_what_each_strategy_changes(tmp_path: Path) -> None:
    configs = trial_configs(_config(tmp_path, "x.safetensors", epochs=4), SizeClass.SMALL,
                            SimilarityClass.DIFFERENT, epochs=4)
    assert list(configs) == [Advised.HEAD, Advised.PARTIAL, Advised.FULL, Advised.SCRATCH]
    for config in configs.values():
        assert config.optim.epochs == 4 and not config.early_stopping.enabled  # the same budget for all
        assert config.data.image_size == 32 and config.optim.batch_size == 8 and config.seed == 0
    head, partial, full, scratch = configs.values()
    assert head.freeze.frozen == ("conv1", "bn1", "layer1", "layer2", "layer3", "layer4")
    assert partial.freeze.frozen == ("conv1", "bn1", "layer1")
    assert full.freeze.frozen == () and full.finetune.head_warmup_epochs >= 1
    assert scratch.model.weights == "none"


def test_trials_need_pretrained_weights(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs pretrained weights"):
        trial_configs(_config(tmp_path, "none").replace(strategy=Strategy.FULL), SizeClass.SMALL, None, 2)


def test_the_trials_job_runs_each_strategy_and_ends_once(image_folder: Path, tmp_path: Path) -> None:
    weights = make_pretrained_file(tmp_path / "pre.safetensors", "resnet18")
    runner = ThreadRunner()
    runner.start(_config(image_folder, str(weights)), tmp_path / "trials", job=TRIALS)
    events: list[Event] = []
    while runner.finished is None:
        events.extend(runner.poll(1.0))
    runner.close()
    ends = [e for e in events if isinstance(e, RunFinished)]
    assert len(ends) == 1 and ends[0].succeeded, ends
    assert "Best on the same budget" in ends[0].detail
    assert len([e for e in events if isinstance(e, EpochEnded)]) == 4  # one epoch per trial
    table = read_trials(tmp_path / "trials")["trials"]
    assert [row["strategy"] for row in table] == ["head", "partial", "full", "scratch"]
    for row in table:
        assert row["best_val_accuracy"] is not None
        assert (Path(row["run_dir"]) / "model" / "model.safetensors").is_file()
