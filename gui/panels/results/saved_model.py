"""Whose figures the Results tab shows (the saved model, with its epoch) and what they mean next to chance and
the majority class (engine/evaluation/assessment.py). Read in the background with the evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.core.i18n import tr, tr_later
from engine.evaluation.assessment import TrainingFacts, assess_metrics, training_facts
from engine.run.folder import RunFolder
from engine.run.listing import saved_model_label

#: The titles of a run's own sets as the run folder keeps them (English), translated where they are shown.
RUN_SET_TITLES = (tr_later("Validation set"), tr_later("Test set"))
FOLDER_TITLE = "Folder "  # not translated: how the engine's stored title of a folder evaluation begins


def shown_title(title: str) -> str:
    """A set's stored title (``'Validation set'``, ``'Folder new'``) in the user's language."""
    if title in RUN_SET_TITLES:
        return tr(title)
    if title.startswith(FOLDER_TITLE):
        return tr("Folder {name}", name=title.removeprefix(FOLDER_TITLE))
    return title


def _lowered(title: str) -> str:
    return f"{title[:1].lower()}{title[1:]}"


@dataclass(frozen=True, slots=True)
class SavedModel:
    epoch: int | None
    facts: TrainingFacts

    def subject(self, set_title: str) -> str:
        """``'Saved model (epoch 7), validation set'``."""
        e = self.epoch
        if set_title == RUN_SET_TITLES[0]:
            return (tr("Saved model (epoch {epoch}), validation set", epoch=e) if e
                    else tr("Saved model, validation set"))
        if set_title == RUN_SET_TITLES[1]:
            return tr("Saved model (epoch {epoch}), test set", epoch=e) if e else tr("Saved model, test set")
        if set_title.startswith(FOLDER_TITLE):
            name = set_title.removeprefix(FOLDER_TITLE)
            return (tr("Saved model (epoch {epoch}), folder {name}", epoch=e, name=name) if e
                    else tr("Saved model, folder {name}", name=name))
        return (tr("Saved model (epoch {epoch}), {set}", epoch=e, set=_lowered(set_title)) if e
                else tr("Saved model, {set}", set=_lowered(set_title)))

    def verdict(self, metrics: dict[str, Any], set_title: str) -> tuple[str, bool]:
        """The labelled figure, the comparison with chance and the majority class, the verdict and what to try;
        and whether the model is weak there."""
        if set_title == RUN_SET_TITLES[0]:
            figure = tr("accuracy on the validation set")
        elif set_title == RUN_SET_TITLES[1]:
            figure = tr("accuracy on the test set")
        elif set_title.startswith(FOLDER_TITLE):
            figure = tr("accuracy on the folder {name}", name=set_title.removeprefix(FOLDER_TITLE))
        else:
            figure = tr("accuracy on the {set}", set=_lowered(set_title))
        label = saved_model_label(self.epoch, float(metrics["accuracy"]), figure, capital=True)
        assessment = assess_metrics(metrics, self.facts)
        return f"{label}. {assessment.text()}", assessment.weak


def read_saved_model(run_dir: Path) -> SavedModel:
    """The saved model's epoch and what its training did (small files of the run folder; off the GUI thread)."""
    card = RunFolder(run_dir).read_model_card()
    return SavedModel(card.best_epoch if card is not None else None, training_facts(run_dir))
