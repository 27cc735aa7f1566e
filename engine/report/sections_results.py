"""The report's second half: training curves, evaluation, the galleries, versions and seed."""

from __future__ import annotations

from typing import Any

from engine.core.i18n import tr, trn
from engine.core.run_layout import EvaluationSetFiles
from engine.core.versions import versions
from engine.evaluation.evaluate import SetEvaluation
from engine.report.facts import RunFacts
from engine.report.gallery import Gallery
from engine.report.markup import esc, facts_list, figure, grid, num, para, pct, section, set_title, table, warning
from engine.report.pictures import THUMBNAIL_SIDE, curves_png, data_uri, file_uri

EPOCH_ROWS_SHOWN = 200
GALLERY_COLUMNS = 4


def training_section(facts: RunFacts) -> str:
    epochs = facts.epochs
    if not epochs:
        return section("training", tr("Training"), warning(tr("This run recorded no finished epoch.")))
    best = facts.best_epoch
    by_epoch = {e.epoch: e for e in epochs}
    best_row = by_epoch.get(best) if best is not None else None
    pairs: list[tuple[str, Any]] = [(tr("Epochs trained"), len(epochs)),
                                    (tr("Best epoch (the saved model)"), best or "—")]
    if best_row is not None:
        pairs += [(tr("Validation loss at the best epoch"), num(best_row.val_loss)),
                  (tr("Validation accuracy at the best epoch"), pct(best_row.val_accuracy))]
    if facts.finished is not None:
        pairs.append((tr("How it ended"), facts.finished.detail))
    rows = [[e.epoch, num(e.train_loss), pct(e.train_accuracy), num(e.val_loss), pct(e.val_accuracy),
             f"{e.lr:.3g}", f"{e.seconds:.1f}"] for e in epochs[:EPOCH_ROWS_SHOWN]]
    body = (facts_list(pairs)
            + figure(data_uri(curves_png(epochs, best)), tr("Training curves: loss and accuracy per epoch; the "
                                                            "dashed line is the best epoch, whose model was saved."),
                     width=680)
            + table([tr("epoch"), tr("training loss"), tr("training accuracy"), tr("validation loss"),
                     tr("validation accuracy"), tr("learning rate"), tr("seconds")], rows))
    if len(epochs) > EPOCH_ROWS_SHOWN:
        body += para(trn("The table shows the first {shown} of {n} epochs; metrics.csv in the run folder has every "
                         "one.", "The table shows the first {shown} of {n} epochs; metrics.csv in the run folder "
                         "has every one.", len(epochs), shown=EPOCH_ROWS_SHOWN))
    return section("training", tr("Training"), body)


def evaluation_section(facts: RunFacts) -> str:
    evaluation = facts.evaluation
    if evaluation is None:
        return section("evaluation", tr("Evaluation"), warning(tr(
            "The saved model has not been measured yet (or was retrained since): open the run in the Results "
            "tab, or run python -m engine evaluate, then make the report again.")))
    parts = [para(tr("The figures below are the saved model's (epoch {epoch}), measured on images it was never "
                     "trained on. Where a test set exists its figures are the unbiased ones: the validation set "
                     "also chose the best epoch.", epoch=facts.best_epoch))]
    layout = facts.run
    for result in evaluation.sets:
        parts.append(_set_block(result, layout.evaluation_set(result.name)))
    return section("evaluation", tr("Evaluation"), "".join(parts))


def _set_block(result: SetEvaluation, files: EvaluationSetFiles) -> str:
    m = result.metrics
    cal = m.get("calibration") or {}
    pairs: list[tuple[str, Any]] = [(tr("Images"), m.get("n_images")), (tr("Accuracy"), pct(m.get("accuracy"))),
                                    (tr("Balanced accuracy"), pct(m.get("balanced_accuracy"))),
                                    (tr("Macro F1"), num((m.get("macro_avg") or {}).get("f1"))),
                                    (tr("Log loss"), num(m.get("log_loss"))),
                                    (tr("Calibration error (ECE)"), num(cal.get("ece")))]
    if m.get("roc_auc") is not None:
        pairs.append((tr("ROC AUC"), num(m.get("roc_auc"))))
    if m.get("roc_auc_ovr_macro") is not None:
        pairs.append((tr("ROC AUC (each class against the rest, averaged)"), num(m.get("roc_auc_ovr_macro"))))
    per_class = [[name, num(c["precision"]), num(c["recall"]), num(c["f1"]), c["support"]]
                 for name, c in (m.get("per_class") or {}).items()]
    title = set_title(result)
    body = [f"<h3>{esc(title)}</h3>", facts_list(pairs),
            table([tr("class"), tr("precision"), tr("recall"), tr("F1"), tr("images")], per_class, css="per-class"),
            _confusion_table(m.get("confusion_matrix") or [], result.class_names),
            figure(file_uri(files.confusion_figure), tr("Confusion matrix, {set}", set=title.lower()),
                   width=min(720, 380 + 30 * len(result.class_names)))]
    binary = m.get("binary")
    if binary:
        body.append(_binary_block(binary, file_uri(files.roc_figure)))
    body.append(figure(file_uri(files.reliability_figure),
                       tr("Calibration: how often the model is right when it is this sure (the diagonal is "
                          "perfect calibration)"), width=420))
    if result.failed:
        body.append(warning(trn("{n} image(s) could not be read and were left out of these figures.",
                                "{n} image(s) could not be read and were left out of these figures.",
                                len(result.failed))))
    body.extend(warning(n) for n in result.notes)
    return "".join(body)


def _confusion_table(matrix: list[list[int]], names: tuple[str, ...]) -> str:
    rows = [[tr("true {name}", name=name), *row] for name, row in zip(names, matrix)]
    return table(["", *(tr("answered {name}", name=n) for n in names)], rows, css="confusion")


def _binary_block(binary: dict[str, Any], roc_uri: str | None) -> str:
    positive = binary.get("positive_class")
    threshold = binary.get("threshold", 0.5)
    pairs = [(tr("Positive class"), positive),
             (tr("Decision threshold"), tr("{threshold:.2f} (an image is called {positive} when its probability is "
                                           "at least this)", threshold=threshold, positive=positive)),
             (tr("Sensitivity (positives found)"), pct(binary.get("sensitivity"))),
             (tr("Specificity (negatives recognised)"), pct(binary.get("specificity"))),
             (tr("Positive predictive value"), pct(binary.get("ppv"))),
             (tr("Negative predictive value"), pct(binary.get("npv"))),
             (tr("True / false positives"), f"{binary.get('tp')} / {binary.get('fp')}"),
             (tr("True / false negatives"), f"{binary.get('tn')} / {binary.get('fn')}")]
    heading = esc(tr("Two classes: ROC curve and threshold"))
    return (f"<h4>{heading}</h4>" + facts_list(pairs)
            + figure(roc_uri, tr("ROC curve; the dot is the decision threshold above"), width=420))


def gallery_section(anchor: str, title: str, intro: str, gallery: Gallery) -> str:
    cells = [f'<img src="{p.uri}" width="{THUMBNAIL_SIDE}" alt="{esc(p.caption[0])}"><br>'
             f'<span class="caption">{"<br>".join(esc(line) for line in p.caption)}</span>' for p in gallery.pictures]
    body = para(intro) + (grid(cells, GALLERY_COLUMNS) if cells else "")
    if gallery.note:
        body += f'<p class="note">{esc(gallery.note)}</p>'
    return section(anchor, title, body)


def versions_section(facts: RunFacts) -> str:
    recorded = facts.config.get("versions") or {}
    saved = (facts.card.data.get("versions") if facts.card is not None else None) or {}
    now = versions()
    names = list(dict.fromkeys([*recorded, *saved, *now]))
    rows = [[n, recorded.get(n, "—"), saved.get(n, "—"), now.get(n, "—")] for n in names]
    resolved = facts.section("resolved")
    pairs = [(tr("Seed"), facts.config.get("seed", "—")),
             (tr("Deterministic algorithms"), tr("yes") if facts.config.get("deterministic") else tr("no")),
             (tr("Device"), resolved.get("device") or facts.config.get("device", "—")),
             (tr("Mixed precision"), resolved.get("mixed_precision") or tr("no"))]
    body = facts_list(pairs) + table([tr("software"), tr("training started with"), tr("model saved with"),
                                      tr("this report made with")], rows)
    return section("versions", tr("Versions and seed"), body)
