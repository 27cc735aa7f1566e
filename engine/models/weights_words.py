"""The sentences that refuse a weights file (engine/models/weights.py): each a whole sentence per case, so
every language can say it in its own order."""

from __future__ import annotations

from engine.core.i18n import tr


def invalid_numbers_message(file: str, bad: list[str]) -> str:
    """The refusal of a weights file whose tensors ``bad`` hold NaN or infinity."""
    fields = {"file": file, "count": len(bad), "example": ", ".join(bad[:2]), "more": len(bad) - 2}
    if len(bad) > 2:
        return tr("The weights file {file} holds invalid numbers (NaN or infinity) in {count} of its layers "
                  "({example} and {more} more), so no model can start from it. Use another weights file, for "
                  "example one saved before the training that produced it went wrong.", **fields)
    return tr("The weights file {file} holds invalid numbers (NaN or infinity) in {count} of its layers "
              "({example}), so no model can start from it. Use another weights file, for example one saved "
              "before the training that produced it went wrong.", **fields)


def different_model_message(source: str, problems: list[str], total: int) -> str:
    """The refusal of weights made for another model: most of the model's ``total`` tensors do not fit."""
    fields = {"source": source, "count": len(problems), "total": total, "example": "; ".join(problems[:2])}
    if not problems:
        return tr("The weights in {source} are for a different model: {count} of this model's {total} weight "
                  "tensors are missing or have another size (for example: none fit). Choose the model they were "
                  "made for.", **fields)
    return tr("The weights in {source} are for a different model: {count} of this model's {total} weight tensors "
              "are missing or have another size (for example: {example}). Choose the model they were made for.",
              **fields)


def unfit_message(source: str, problems: list[str]) -> str:
    """The refusal of weights of which a few layers (``problems``, each in words) do not fit."""
    fields = {"source": source, "count": len(problems), "listed": "; ".join(problems[:5]), "more": len(problems) - 5}
    if len(problems) > 5:
        return tr("The weights in {source} do not fit this model ({count} layers differ): {listed}; and {more} "
                  "more.", **fields)
    return tr("The weights in {source} do not fit this model ({count} layers differ): {listed}.", **fields)
