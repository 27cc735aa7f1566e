"""The report's second half: training curves, evaluation, the galleries, versions and seed."""

from __future__ import annotations

from typing import Any

from engine.core.run_layout import EvaluationSetFiles
from engine.core.versions import versions
from engine.evaluation.evaluate import SetEvaluation
from engine.report.facts import RunFacts
from engine.report.gallery import Gallery
from engine.report.markup import esc, facts_list, figure, grid, num, para, pct, section, table, warning
from engine.report.pictures import THUMBNAIL_SIDE, curves_png, data_uri, file_uri

EPOCH_ROWS_SHOWN = 200
GALLERY_COLUMNS = 4


def training_section(facts: RunFacts) -> str:
    epochs = facts.epochs
    if not epochs:
        return section("training", "Training", warning("This run recorded no finished epoch."))
    best = facts.best_epoch
    by_epoch = {e.epoch: e for e in epochs}
    best_row = by_epoch.get(best) if best is not None else None
    pairs: list[tuple[str, Any]] = [("Epochs trained", len(epochs)), ("Best epoch (the saved model)", best or "—")]
    if best_row is not None:
        pairs += [("Validation loss at the best epoch", num(best_row.val_loss)),
                  ("Validation accuracy at the best epoch", pct(best_row.val_accuracy))]
    if facts.finished is not None:
        pairs.append(("How it ended", facts.finished.detail))
    rows = [[e.epoch, num(e.train_loss), pct(e.train_accuracy), num(e.val_loss), pct(e.val_accuracy),
             f"{e.lr:.3g}", f"{e.seconds:.1f}"] for e in epochs[:EPOCH_ROWS_SHOWN]]
    body = (facts_list(pairs)
            + figure(data_uri(curves_png(epochs, best)), "Training curves: loss and accuracy per epoch; the dashed "
                                                         "line is the best epoch, whose model was saved.",
                     width=680)
            + table(["epoch", "training loss", "training accuracy", "validation loss", "validation accuracy",
                     "learning rate", "seconds"], rows))
    if len(epochs) > EPOCH_ROWS_SHOWN:
        body += para(f"The table shows the first {EPOCH_ROWS_SHOWN} of {len(epochs)} epochs; metrics.csv in the "
                     "run folder has every one.")
    return section("training", "Training", body)


def evaluation_section(facts: RunFacts) -> str:
    evaluation = facts.evaluation
    if evaluation is None:
        return section("evaluation", "Evaluation", warning(
            "The saved model has not been measured yet (or was retrained since): open the run in the Results "
            "tab, or run python -m engine evaluate, then make the report again."))
    parts = [para(f"The figures below are the saved model's (epoch {facts.best_epoch}), measured on images it "
                  "was never trained on. Where a test set exists its figures are the unbiased ones: the "
                  "validation set also chose the best epoch.")]
    layout = facts.run
    for result in evaluation.sets:
        parts.append(_set_block(result, layout.evaluation_set(result.name)))
    return section("evaluation", "Evaluation", "".join(parts))


def _set_block(result: SetEvaluation, files: EvaluationSetFiles) -> str:
    m = result.metrics
    cal = m.get("calibration") or {}
    pairs: list[tuple[str, Any]] = [("Images", m.get("n_images")), ("Accuracy", pct(m.get("accuracy"))),
                                    ("Balanced accuracy", pct(m.get("balanced_accuracy"))),
                                    ("Macro F1", num((m.get("macro_avg") or {}).get("f1"))),
                                    ("Log loss", num(m.get("log_loss"))),
                                    ("Calibration error (ECE)", num(cal.get("ece")))]
    if m.get("roc_auc") is not None:
        pairs.append(("ROC AUC", num(m.get("roc_auc"))))
    if m.get("roc_auc_ovr_macro") is not None:
        pairs.append(("ROC AUC (each class against the rest, averaged)", num(m.get("roc_auc_ovr_macro"))))
    per_class = [[name, num(c["precision"]), num(c["recall"]), num(c["f1"]), c["support"]]
                 for name, c in (m.get("per_class") or {}).items()]
    body = [f"<h3>{esc(result.title)}</h3>", facts_list(pairs),
            table(["class", "precision", "recall", "F1", "images"], per_class, css="per-class"),
            _confusion_table(m.get("confusion_matrix") or [], result.class_names),
            figure(file_uri(files.confusion_figure), f"Confusion matrix, {result.title.lower()}",
                   width=min(720, 380 + 30 * len(result.class_names)))]
    binary = m.get("binary")
    if binary:
        body.append(_binary_block(binary, file_uri(files.roc_figure)))
    body.append(figure(file_uri(files.reliability_figure),
                       "Calibration: how often the model is right when it is this sure (the diagonal is "
                       "perfect calibration)", width=420))
    if result.failed:
        body.append(warning(f"{len(result.failed)} image(s) could not be read and were left out of these figures."))
    body.extend(warning(n) for n in result.notes)
    return "".join(body)


def _confusion_table(matrix: list[list[int]], names: tuple[str, ...]) -> str:
    rows = [[f"true {name}", *row] for name, row in zip(names, matrix)]
    return table(["", *(f"answered {n}" for n in names)], rows, css="confusion")


def _binary_block(binary: dict[str, Any], roc_uri: str | None) -> str:
    positive = binary.get("positive_class")
    threshold = binary.get("threshold", 0.5)
    pairs = [("Positive class", positive), ("Decision threshold", f"{threshold:.2f} (an image is called "
                                                                  f"{positive} when its probability is at least this)"),
             ("Sensitivity (positives found)", pct(binary.get("sensitivity"))),
             ("Specificity (negatives recognised)", pct(binary.get("specificity"))),
             ("Positive predictive value", pct(binary.get("ppv"))),
             ("Negative predictive value", pct(binary.get("npv"))),
             ("True / false positives", f"{binary.get('tp')} / {binary.get('fp')}"),
             ("True / false negatives", f"{binary.get('tn')} / {binary.get('fn')}")]
    return ("<h4>Two classes: ROC curve and threshold</h4>" + facts_list(pairs)
            + figure(roc_uri, "ROC curve; the dot is the decision threshold above", width=420))


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
    pairs = [("Seed", facts.config.get("seed", "—")),
             ("Deterministic algorithms", "yes" if facts.config.get("deterministic") else "no"),
             ("Device", resolved.get("device") or facts.config.get("device", "—")),
             ("Mixed precision", resolved.get("mixed_precision") or "no")]
    body = facts_list(pairs) + table(["software", "training started with", "model saved with", "this report made with"],
                                     rows)
    return section("versions", "Versions and seed", body)
