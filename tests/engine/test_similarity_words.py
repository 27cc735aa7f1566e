"""The similarity explanation says what each check measures and how they make the verdict (issue 13 item 6:
"recognises them with 96% confidence ... internal statistics stay 9% as they were" next to "rather unlike"
read as a contradiction)."""

from __future__ import annotations

from engine.strategy.similarity import SimilarityResult, combine


def _result(recognition: float, separability: float | None, familiarity: float | None, *,
            max_prob: float = 0.5, probe: float | None = 0.9, chance: float = 0.5) -> SimilarityResult:
    return SimilarityResult(mean_max_probability=max_prob, normalized_entropy=0.2, recognition=recognition,
                            probe_accuracy=probe, probe_chance=chance, separability=separability,
                            familiarity=familiarity, score=combine(recognition, separability, familiarity),
                            images_used=40, seconds=1.0)


def test_a_confident_guess_next_to_a_low_verdict_is_explained_not_left_as_a_contradiction() -> None:
    # The case from the issue: the old head guesses confidently, the internal statistics are far off.
    result = _result(0.9, 0.1, 0.08, max_prob=0.96, probe=0.55)
    text = result.explanation()
    lines = text.splitlines()
    assert result.similarity.value == "different"
    assert lines[0].startswith("Your images are unlike the photos this model learned from")
    assert lines[0].endswith("similarity 0.29 of 1 (from 0.50 on, similar).")
    # Each check says what it measures, with its own figure.
    assert any(line.startswith("• Recognition 90%: ImageNet's 1000 everyday categories") and "96% confidence" in line
               for line in lines)
    assert any(line.startswith("• Familiarity 8%: how much the activity inside the model resembles")
               for line in lines)
    assert any(line.startswith("• Separation 10%:") and "55% of the time (chance: 50%)" in line for line in lines)
    # How they combine, and why the confident recognition does not carry the verdict.
    assert "The similarity is their weighted average: familiarity counts half, the others share the rest." in text
    assert lines[-1] == "Recognition points the other way (high), but familiarity and separation weigh more: not similar."
    assert "stay 9% as they were" not in text


def test_when_every_check_agrees_nothing_is_said_to_point_the_other_way() -> None:
    text = _result(0.6, 0.95, 0.85).explanation()
    assert text.startswith("Your images look like the everyday photos this model learned from")
    assert "points the other way" not in text
    assert "Measured on 40 of your images:" in text and text.count("• ") == 3


def test_a_model_without_batchnorm_says_familiarity_is_not_measured() -> None:
    text = _result(0.7, 0.8, None).explanation()
    assert "Familiarity" not in text.replace("familiarity is not measured", "")
    assert "The similarity is their average (this model has no internal statistics to compare" in text
    assert text.count("• ") == 2
