"""The report's first half: the data, the model and its starting weights, the strategy, every setting."""

from __future__ import annotations

import html
from typing import Any

from engine.config.enums import Strategy
from engine.core.i18n import tr, tr_later, trn
from engine.data.reasons import reason_label
from engine.report.facts import RunFacts
from engine.report.markup import esc, facts_list, items, para, pct, section, table, warning
from engine.report.settings import flat_settings, flatten, setting_label, setting_text
from engine.strategy.table import Advised

SPLIT_METHODS = {"stratified": tr_later("random, with every class keeping its share on each side (stratified)"),
                 "grouped": tr_later("by group: all images of one group stay on one side"),
                 "folder": tr_later("the folder's own train/ val/ test/ subfolders")}
GROUPING = {"none": tr_later("no grouping"), "pattern": tr_later("by a pattern in the file names"),
            "dicom_patient_id": tr_later("by DICOM patient (through a one-way code: no patient ID is recorded)")}
EXCLUDED_SHOWN = 20


def data_section(facts: RunFacts) -> str:
    split = facts.split
    data = facts.section("data")
    if split is None:
        return section("data", tr("The data"), warning(tr(
            "This run's list of images (split.json) is missing or damaged, so the data cannot be described.")))
    counts = split.counts()
    numbers = [[counts["train"][n], counts["val"][n], counts["test"][n]] for n in split.classes]
    numbers = [[*row, sum(row)] for row in numbers]
    totals = [sum(row[i] for row in numbers) for i in range(4)]
    rows: list[list[object]] = [[name, *row] for name, row in zip(split.classes, numbers)]
    body = [facts_list([(tr("Image folder"), data.get("data_dir", split.root)), (tr("Classes"), len(split.classes)),
                        (tr("Images used"), totals[3])]),
            table([tr("class"), tr("training"), tr("validation"), tr("test"), tr("total")],
                  [*rows, [tr("all classes"), *totals]]),
            _heading(tr("How the images were split")),
            _split_text(split.method, split.extra, split.val_fraction, split.test_fraction, split.seed),
            _heading(tr("What was left out, and why")), _left_out(split.extra)]
    notes = [str(w.get("message", "")) for w in split.extra.get("warnings") or [] if isinstance(w, dict)]
    if notes:
        body += [_heading(tr("Warnings about the data")), items(notes)]
    return section("data", tr("The data"), "".join(body))


def _heading(text: str) -> str:
    return f"<h3>{html.escape(text, quote=False)}</h3>"


def _split_text(method: str, extra: dict[str, Any], val: float, test: float, seed: int) -> str:
    grouping = extra.get("grouping") or {}
    by = str(grouping.get("by", "none"))
    pairs: list[tuple[str, Any]] = [(tr("Method"), tr(SPLIT_METHODS[method]) if method in SPLIT_METHODS else method),
                                    (tr("Validation share"), pct(val, 0)), (tr("Test share"), pct(test, 0)),
                                    (tr("Seed"), seed), (tr("Grouping"), tr(GROUPING[by]) if by in GROUPING else by)]
    if by != "none":
        pairs += [(tr("Groups"), grouping.get("groups", "—")),
                  (tr("Files without a group"), grouping.get("files_without_group", 0))]
    pairs.append((tr("Look-alike images kept on one side"), extra.get("near_duplicates_kept_together", 0)))
    leaks = extra.get("leakage") or []
    if leaks:
        pairs.append((tr("Look-alike pairs on different sides"), len(leaks)))
    return facts_list(pairs)


def _left_out(extra: dict[str, Any]) -> str:
    rows: list[list[Any]] = []
    skipped = extra.get("skipped")
    if isinstance(skipped, dict):
        rows += [[tr(reason_label(code)), code, n] for code, n in skipped.items()
                 if code not in ("duplicate", "excluded_by_user")]
    copies = int(extra.get("duplicates_used_once") or 0)
    if copies:
        rows.append([tr(reason_label("duplicate")), "duplicate", copies])
    excluded = [str(p) for p in extra.get("excluded") or []]
    if excluded:
        rows.append([tr(reason_label("excluded_by_user")), "excluded_by_user", len(excluded)])
    parts = [table([tr("why"), tr("code"), tr("files")], rows) if rows else para(tr("No file was left out."))]
    if excluded:
        shown = excluded[:EXCLUDED_SHOWN]
        if len(excluded) > len(shown):
            parts.append(para(trn("Left out by hand: {files} and {n} more.", "Left out by hand: {files} and {n} more.",
                                  len(excluded) - len(shown), files=", ".join(shown))))
        else:
            parts.append(para(tr("Left out by hand: {files}.", files=", ".join(shown))))
    if not isinstance(skipped, dict):
        parts.append(para(tr("This run was made by an older version that did not record the files it could not "
                             "read; the data report of the folder (Data tab, or python -m engine scan) lists them.")))
    hidden = tr("System and hidden files (such as .DS_Store or Thumbs.db) are never counted as images.")
    return "".join(parts) + f'<p class="note">{esc(hidden)}</p>'


def model_section(facts: RunFacts) -> str:
    model = facts.section("model")
    resolved = facts.section("resolved")
    card = facts.card
    started = facts.started
    pairs: list[tuple[str, Any]] = [(tr("Architecture"), model.get("arch", "—")),
                                    (tr("Starting weights"), resolved.get("weights_source") or model.get("weights")),
                                    (tr("New classifier"), resolved.get("head_module") or (card.head_module if card
                                                                                           else "—"))]
    if card is not None:
        size = card.preprocessing.image_size
        pairs += [(tr("Classifier dropout"), card.head.dropout),
                  (tr("Classifier hidden layer"), card.head.hidden or tr("none")),
                  (tr("Input"), tr("{size} x {size} pixels", size=size)),
                  (tr("Preprocessing"), "; ".join(card.preprocessing.to_dict()["steps"])),
                  (tr("Normalisation mean / std"), f"{list(card.preprocessing.mean)} / {list(card.preprocessing.std)}")]
    if started is not None:
        pairs += [(tr("Trainable parameters"), tr("{trainable:,} of {total:,}", trainable=started.trainable_params,
                                                  total=started.total_params))]
    frozen = resolved.get("frozen_modules") or []
    pairs.append((tr("Frozen at the start"), ", ".join(map(str, frozen)) if frozen else tr("nothing")))
    body = facts_list(pairs)
    if card is None:
        body += warning(tr("This run saved no model."))
    return section("model", tr("The model and its starting weights"), body)


def strategy_section(facts: RunFacts) -> str:
    chosen = str(facts.config.get("strategy", ""))
    try:
        label = tr(Strategy(chosen).label)
    except ValueError:
        label = chosen
    advice = facts.config.get("advice")
    body = [facts_list([(tr("Strategy"), label)])]
    if isinstance(advice, dict):
        body.append(_advice(advice, chosen))
    else:
        body.append(para(tr("The strategy was chosen by hand: the advisor was not asked for this run.")))
    if facts.trials:
        body.append(_trials(facts.trials))
    return section("strategy", tr("The strategy and why it was chosen"), "".join(body))


def _advice(advice: dict[str, Any], chosen: str) -> str:
    size = advice.get("size") or {}
    similarity = advice.get("similarity") or {}
    parts = [para(str(line)) for line in str(advice.get("explanation", "")).splitlines() if line.strip()]
    advised = str(advice.get("strategy", ""))
    try:
        recommended = tr(Advised(advised).label)
    except ValueError:
        recommended = advised or "—"
    measured = similarity.get("class")
    pairs = [(tr("Advisor recommended"), recommended),
             (tr("Data size"), tr("{size} ({per_class} images per class, effective)", size=size.get("class", "—"),
                                  per_class=size.get("effective_images_per_class", "—"))),
             (tr("Similarity to the pretraining images"),
              measured or tr("not measured ({why})", why=similarity.get("source") or tr("no measurement")))]
    parts.insert(0, facts_list(pairs))
    if advice.get("risk"):
        parts.append(warning(str(advice["risk"])))
    # "From scratch" is the full strategy without pretrained weights: following it is no override.
    followed = advised == chosen or (advised == Advised.SCRATCH.value and chosen == Strategy.FULL.value)
    if advised and not followed:
        parts.append(para(tr("The recommendation was overridden: this run used the strategy \"{strategy}\".",
                             strategy=chosen)))
    return "".join(parts)


def _trials(trials: dict[str, Any]) -> str:
    rows = [[t.get("title", t.get("strategy")), pct(t.get("best_val_accuracy")), t.get("best_epoch"),
             t.get("outcome", "")] for t in trials.get("trials") or [] if isinstance(t, dict)]
    return (_heading(tr("\"Try all three\": the strategies compared on the same budget"))
            + table([tr("strategy"), tr("best validation accuracy"), tr("best epoch"), tr("outcome")], rows))


def settings_section(facts: RunFacts) -> str:
    rows = [[r.label, r.key, r.text] for r in flat_settings(facts.config)]
    resolved = [[setting_label(k), k, setting_text(v)] for k, v in flatten(facts.section("resolved")).items()]
    body = table([tr("setting"), tr("name"), tr("value")], rows, css="settings")
    if resolved:
        body += (_heading(tr("What was decided when the run started"))
                 + table([tr("what"), tr("name"), tr("value")], resolved, css="settings"))
    return section("settings", tr("Every setting"), body)
