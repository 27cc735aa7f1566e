"""The report's first half: the data, the model and its starting weights, the strategy, every setting."""

from __future__ import annotations

from typing import Any

from engine.config.enums import Strategy
from engine.data.reasons import reason_label
from engine.report.facts import RunFacts
from engine.report.markup import esc, facts_list, items, para, pct, section, table, warning
from engine.report.settings import flat_settings, flatten, setting_label, setting_text
from engine.strategy.table import Advised

SPLIT_METHODS = {"stratified": "random, with every class keeping its share on each side (stratified)",
                 "grouped": "by group: all images of one group stay on one side",
                 "folder": "the folder's own train/ val/ test/ subfolders"}
GROUPING = {"none": "no grouping", "pattern": "by a pattern in the file names",
            "dicom_patient_id": "by DICOM patient (through a one-way code: no patient ID is recorded)"}
EXCLUDED_SHOWN = 20


def data_section(facts: RunFacts) -> str:
    split = facts.split
    data = facts.section("data")
    if split is None:
        return section("data", "The data", warning(
            "This run's list of images (split.json) is missing or damaged, so the data cannot be described."))
    counts = split.counts()
    numbers = [[counts["train"][n], counts["val"][n], counts["test"][n]] for n in split.classes]
    numbers = [[*row, sum(row)] for row in numbers]
    totals = [sum(row[i] for row in numbers) for i in range(4)]
    rows: list[list[object]] = [[name, *row] for name, row in zip(split.classes, numbers)]
    body = [facts_list([("Image folder", data.get("data_dir", split.root)), ("Classes", len(split.classes)),
                        ("Images used", totals[3])]),
            table(["class", "training", "validation", "test", "total"], [*rows, ["all classes", *totals]]),
            "<h3>How the images were split</h3>", _split_text(split.method, split.extra, split.val_fraction,
                                                              split.test_fraction, split.seed),
            "<h3>What was left out, and why</h3>", _left_out(split.extra)]
    notes = [str(w.get("message", "")) for w in split.extra.get("warnings") or [] if isinstance(w, dict)]
    if notes:
        body += ["<h3>Warnings about the data</h3>", items(notes)]
    return section("data", "The data", "".join(body))


def _split_text(method: str, extra: dict[str, Any], val: float, test: float, seed: int) -> str:
    grouping = extra.get("grouping") or {}
    by = str(grouping.get("by", "none"))
    pairs: list[tuple[str, Any]] = [("Method", SPLIT_METHODS.get(method, method)),
                                    ("Validation share", pct(val, 0)), ("Test share", pct(test, 0)),
                                    ("Seed", seed), ("Grouping", GROUPING.get(by, by))]
    if by != "none":
        pairs += [("Groups", grouping.get("groups", "—")),
                  ("Files without a group", grouping.get("files_without_group", 0))]
    pairs.append(("Look-alike images kept on one side", extra.get("near_duplicates_kept_together", 0)))
    leaks = extra.get("leakage") or []
    if leaks:
        pairs.append(("Look-alike pairs on different sides", len(leaks)))
    return facts_list(pairs)


def _left_out(extra: dict[str, Any]) -> str:
    rows: list[list[Any]] = []
    skipped = extra.get("skipped")
    if isinstance(skipped, dict):
        rows += [[reason_label(code), code, n] for code, n in skipped.items()
                 if code not in ("duplicate", "excluded_by_user")]
    copies = int(extra.get("duplicates_used_once") or 0)
    if copies:
        rows.append([reason_label("duplicate"), "duplicate", copies])
    excluded = [str(p) for p in extra.get("excluded") or []]
    if excluded:
        rows.append([reason_label("excluded_by_user"), "excluded_by_user", len(excluded)])
    parts = [table(["why", "code", "files"], rows) if rows else para("No file was left out.")]
    if excluded:
        shown = excluded[:EXCLUDED_SHOWN]
        more = f" and {len(excluded) - len(shown)} more" if len(excluded) > len(shown) else ""
        parts.append(para(f"Left out by hand: {', '.join(shown)}{more}."))
    if not isinstance(skipped, dict):
        parts.append(para("This run was made by an older version that did not record the files it could not "
                          "read; the data report of the folder (Data tab, or python -m engine scan) lists them."))
    hidden = "System and hidden files (such as .DS_Store or Thumbs.db) are never counted as images."
    return "".join(parts) + f'<p class="note">{esc(hidden)}</p>'


def model_section(facts: RunFacts) -> str:
    model = facts.section("model")
    resolved = facts.section("resolved")
    card = facts.card
    started = facts.started
    pairs: list[tuple[str, Any]] = [("Architecture", model.get("arch", "—")),
                                    ("Starting weights", resolved.get("weights_source") or model.get("weights")),
                                    ("New classifier", resolved.get("head_module") or (card.head_module if card
                                                                                       else "—"))]
    if card is not None:
        pairs += [("Classifier dropout", card.head.dropout), ("Classifier hidden layer", card.head.hidden or "none"),
                  ("Input", f"{card.preprocessing.image_size} x {card.preprocessing.image_size} pixels"),
                  ("Preprocessing", "; ".join(card.preprocessing.to_dict()["steps"])),
                  ("Normalisation mean / std", f"{list(card.preprocessing.mean)} / {list(card.preprocessing.std)}")]
    if started is not None:
        pairs += [("Trainable parameters", f"{started.trainable_params:,} of {started.total_params:,}")]
    frozen = resolved.get("frozen_modules") or []
    pairs.append(("Frozen at the start", ", ".join(map(str, frozen)) if frozen else "nothing"))
    body = facts_list(pairs)
    if card is None:
        body += warning("This run saved no model.")
    return section("model", "The model and its starting weights", body)


def strategy_section(facts: RunFacts) -> str:
    chosen = str(facts.config.get("strategy", ""))
    try:
        label = Strategy(chosen).label
    except ValueError:
        label = chosen
    advice = facts.config.get("advice")
    body = [facts_list([("Strategy", label)])]
    if isinstance(advice, dict):
        body.append(_advice(advice, chosen))
    else:
        body.append(para("The strategy was chosen by hand: the advisor was not asked for this run."))
    if facts.trials:
        body.append(_trials(facts.trials))
    return section("strategy", "The strategy and why it was chosen", "".join(body))


def _advice(advice: dict[str, Any], chosen: str) -> str:
    size = advice.get("size") or {}
    similarity = advice.get("similarity") or {}
    parts = [para(str(line)) for line in str(advice.get("explanation", "")).splitlines() if line.strip()]
    advised = str(advice.get("strategy", ""))
    try:
        recommended = Advised(advised).label
    except ValueError:
        recommended = advised or "—"
    pairs = [("Advisor recommended", recommended),
             ("Data size", f"{size.get('class', '—')} ({size.get('effective_images_per_class', '—')} images "
                           "per class, effective)"),
             ("Similarity to the pretraining images",
              similarity.get("class") or f"not measured ({similarity.get('source') or 'no measurement'})")]
    parts.insert(0, facts_list(pairs))
    if advice.get("risk"):
        parts.append(warning(str(advice["risk"])))
    # "From scratch" is the full strategy without pretrained weights: following it is no override.
    followed = advised == chosen or (advised == Advised.SCRATCH.value and chosen == Strategy.FULL.value)
    if advised and not followed:
        parts.append(para(f"The recommendation was overridden: this run used the strategy \"{chosen}\"."))
    return "".join(parts)


def _trials(trials: dict[str, Any]) -> str:
    rows = [[t.get("title", t.get("strategy")), pct(t.get("best_val_accuracy")), t.get("best_epoch"),
             t.get("outcome", "")] for t in trials.get("trials") or [] if isinstance(t, dict)]
    return ("<h3>\"Try all three\": the strategies compared on the same budget</h3>"
            + table(["strategy", "best validation accuracy", "best epoch", "outcome"], rows))


def settings_section(facts: RunFacts) -> str:
    rows = [[r.label, r.key, r.text] for r in flat_settings(facts.config)]
    resolved = [[setting_label(k), k, setting_text(v)] for k, v in flatten(facts.section("resolved")).items()]
    body = table(["setting", "name", "value"], rows, css="settings")
    if resolved:
        body += ("<h3>What was decided when the run started</h3>"
                 + table(["what", "name", "value"], resolved, css="settings"))
    return section("settings", "Every setting", body)
