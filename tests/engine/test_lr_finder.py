"""The learning-rate finder: a short range test and its suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import StopReason
from engine.run.events import LrFinderResult
from engine.training.lr_finder import run_lr_finder, suggest_lr
from tests.trainkit import Collector, one_thread, tiny_config

pytestmark = pytest.mark.usefixtures("one_thread")
__all__ = ["one_thread"]


def test_the_suggestion_is_where_the_loss_falls_fastest() -> None:
    lrs = [10 ** (-6 + i / 4) for i in range(25)]  # 1e-6 .. 1
    flat, falling, rising = [2.0] * 8, [2.0 - 0.25 * i for i in range(1, 7)], [0.6 + 0.6 * i for i in range(11)]
    suggested = suggest_lr(lrs, flat + falling + rising)
    assert suggested is not None and 10**-4.5 <= suggested <= 10**-3


def test_no_suggestion_when_the_loss_never_falls() -> None:
    lrs = [10 ** (-6 + i / 4) for i in range(20)]
    assert suggest_lr(lrs, [1.0 + 0.1 * i for i in range(20)]) is None


def test_the_range_test_runs_and_leaves_a_plot_and_a_suggestion(image_folder: Path, tmp_path: Path) -> None:
    sink = Collector()
    finished = run_lr_finder(tiny_config(image_folder, batch_size=4), tmp_path / "lr", sink, steps=24)
    assert finished.reason is StopReason.FINISHED and finished.job == "lr_finder"
    result = sink.of(LrFinderResult)[0]
    assert 5 <= len(result.lrs) <= 24 and list(result.lrs) == sorted(result.lrs)
    assert len(result.losses) == len(result.lrs)
    assert result.suggested_lr is None or result.lrs[0] <= result.suggested_lr <= result.lrs[-1]
    assert result.message == finished.detail
