"""A saved model's figure next to chance and the majority class, and plain advice when the model is weak."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli.main import main as cli_main
from engine.cli.train import print_assessment
from engine.config import StopReason
from engine.core.run_layout import RunLayout
from engine.evaluation.assessment import Assessment, Baselines, TrainingFacts, assess
from engine.run.events import RunFinished
from engine.run.listing import list_runs, saved_model_label
from tests.trained_run import copy_run, one_torch_thread, shared_run

FOUR_EQUAL = {"a": 10, "b": 10, "c": 10, "d": 10}


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


def test_the_issues_example_is_called_weak_with_what_to_try() -> None:
    # 37.5% on four classes (chance 25%) with a training loss of 4.2 (an even guess: ln 4 = 1.39).
    a = assess(0.375, FOUR_EQUAL, TrainingFacts(pretrained=False, strategy="full", epochs_trained=4,
                                               train_loss=4.2, train_images=160))
    assert a.weak and a.verdict == "failing"
    assert "25.0%" in a.comparison and "4 classes" in a.comparison
    assert "only a little better than guessing" in a.judgement
    assert "training loss (4.20) is far above 1.39" in a.judgement
    advice = " ".join(a.advice)
    for tip in ("learning rate", "pretrained weights", "more epochs (this run trained 4)", "more images"):
        assert tip in advice, tip
    assert a.text().startswith(a.comparison) and "What to try: " in a.text()


def test_barely_above_the_largest_class_is_no_better_than_always_answering_it() -> None:
    counts = {"ants": 40, "bees": 35, "wasps": 25}
    a = assess(0.41, counts, TrainingFacts(strategy="head", pretrained=True, epochs_trained=20, train_images=900))
    assert a.comparison == ("Guessing at random among 3 classes would score 33.3%, and always answering the largest "
                            "class, ants (40 of 100 images), 40.0%.")
    assert a.weak and "no better than always answering ants" in a.judgement
    assert any(t.startswith("Try another strategy: train more than the new classifier") for t in a.advice)
    assert not any("more epochs" in t for t in a.advice), "20 epochs are not few"


def test_a_high_accuracy_that_only_answers_the_largest_class_is_weak_by_its_balanced_accuracy() -> None:
    # 60 of 60 "a" and 14 of 20 "b" right, every "c" to "e" wrong: 74% where always "a" gives 60%.
    counts = {"a": 60, "b": 20, "c": 7, "d": 7, "e": 6}
    a = assess(0.74, counts, balanced_accuracy=0.34)
    assert a.weak and "balanced accuracy (34.0%, the average of the classes' hit rates) is only a little above " \
                      "chance (20.0%)" in a.judgement


def test_a_good_model_gets_no_advice_and_a_fair_one_some() -> None:
    good = assess(0.95, FOUR_EQUAL, TrainingFacts(train_loss=0.2))
    assert good.verdict == "good" and not good.weak and good.advice == ()
    fair = assess(0.6, FOUR_EQUAL, TrainingFacts(train_images=4000, epochs_trained=30, strategy="partial"))
    assert fair.verdict == "fair" and "40% of these images wrong" in fair.judgement and fair.advice


def test_a_loss_near_an_even_guess_means_barely_learning() -> None:
    a = assess(0.9, {"x": 5, "y": 5}, TrainingFacts(train_loss=0.68, epochs_trained=30))
    assert a.verdict == "weak" and "barely started learning" in a.judgement
    assert any("more epochs" in t for t in a.advice)


def test_assessment_round_trips_through_json() -> None:
    a = assess(0.3, FOUR_EQUAL)
    assert Assessment.from_dict(json.loads(json.dumps(a.to_dict()))) == a
    assert Baselines.from_counts({}).chance == 1.0  # no images: nothing to compare, but no crash


def test_a_trained_run_ends_with_its_saved_model_and_the_comparison(tmp_path_factory: pytest.TempPathFactory,
                                                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_run(shared_run(tmp_path_factory), tmp_path / "runs" / "20260101-120000-colours")
    summary = list_runs(tmp_path / "runs")[0]
    card = json.loads(RunLayout(run).model.card.read_text())
    epoch, accuracy = card["metrics"]["best_epoch"], card["metrics"]["val_accuracy"]
    assert summary.saved_model_text == saved_model_label(epoch, accuracy) == (
        f"saved model (epoch {epoch}): val. accuracy {accuracy:.1%}")
    assert summary.finished is not None and summary.finished.assessment is not None
    assert summary.finished.saved_model == f"Saved model (epoch {epoch}): val. accuracy {accuracy:.1%}"
    stored = Assessment.from_dict(summary.finished.assessment)
    # 12 images per colour, a quarter for validation: three equal classes.
    assert stored.comparison.startswith("Guessing at random among 3 classes would score 33.3%, and so would")

    assert cli_main(["evaluate", str(run), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert f"saved model (epoch {epoch}): accuracy" in out
    assert "Guessing at random among 3 classes would score 33.3%" in out


def test_the_train_command_ends_with_the_saved_model_next_to_chance(capsys: pytest.CaptureFixture[str]) -> None:
    # What `python -m engine train` prints after the outcome sentence, from the run's recorded end.
    weak = assess(0.375, FOUR_EQUAL, TrainingFacts(pretrained=False))
    print_assessment(RunFinished(StopReason.EARLY_STOPPED, "Stopped early at epoch 9 (best at epoch 7).",
                                 saved_model="Saved model (epoch 7): val. accuracy 37.5%",
                                 assessment=weak.to_dict()))
    assert capsys.readouterr().out.splitlines() == [
        "Saved model (epoch 7): val. accuracy 37.5%.", weak.comparison, weak.judgement,
        "What to try: " + " ".join(weak.advice)]
    print_assessment(RunFinished(StopReason.FINISHED, "Training finished all 2 epochs; saved model (epoch 2): "
                                 "val. accuracy 37.5%.", saved_model="Saved model (epoch 2): val. accuracy 37.5%",
                                 assessment=weak.to_dict()))
    assert capsys.readouterr().out.splitlines()[0] == weak.comparison  # the label is not said twice
