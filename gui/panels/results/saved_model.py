"""Whose figures the Results tab shows (the saved model, with its epoch) and what they mean next to chance and
the majority class (engine/evaluation/assessment.py). Read in the background with the evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.evaluation.assessment import TrainingFacts, assess_metrics, training_facts
from engine.run.folder import RunFolder
from engine.run.listing import saved_model_label


@dataclass(frozen=True, slots=True)
class SavedModel:
    epoch: int | None
    facts: TrainingFacts

    def subject(self, set_title: str) -> str:
        """``'Saved model (epoch 7), validation set'``."""
        which = f"Saved model (epoch {self.epoch})" if self.epoch else "Saved model"
        return f"{which}, {set_title[:1].lower()}{set_title[1:]}"

    def verdict(self, metrics: dict[str, Any], set_title: str) -> tuple[str, bool]:
        """The labelled figure, the comparison with chance and the majority class, the verdict and what to try;
        and whether the model is weak there."""
        figure = f"accuracy on the {set_title[:1].lower()}{set_title[1:]}"
        label = saved_model_label(self.epoch, float(metrics["accuracy"]), figure, capital=True)
        assessment = assess_metrics(metrics, self.facts)
        return f"{label}. {assessment.text()}", assessment.weak


def read_saved_model(run_dir: Path) -> SavedModel:
    """The saved model's epoch and what its training did (small files of the run folder; off the GUI thread)."""
    card = RunFolder(run_dir).read_model_card()
    return SavedModel(card.best_epoch if card is not None else None, training_facts(run_dir))
