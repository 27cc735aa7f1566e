"""The whole report as one HTML page: a header, a contents list and the sections, with print-friendly CSS.

The CSS keeps to what both a browser and Qt's rich-text engine (QTextDocument, used to print the PDF in the
window) understand: tables, borders, colours, fixed image widths.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from engine.core.i18n import current_language, tr, tr_later, trn
from engine.core.versions import __version__
from engine.report.facts import RunFacts, read_facts
from engine.report.gallery import Gallery, gradcam_gallery, mistake_gallery
from engine.report.markup import esc, pct, set_title
from engine.report.model_card import model_card_section
from engine.report.sections_results import evaluation_section, gallery_section, training_section, versions_section
from engine.report.sections_setup import data_section, model_section, settings_section, strategy_section

#: (anchor, title) of every section, in order; the test opens the page in Chromium and finds each one.
SECTIONS = (("data", tr_later("The data")), ("model", tr_later("The model and its starting weights")),
            ("strategy", tr_later("The strategy and why it was chosen")), ("settings", tr_later("Every setting")),
            ("training", tr_later("Training")), ("evaluation", tr_later("Evaluation")),
            ("mistakes", tr_later("The most confident mistakes")),
            ("gradcam", tr_later("Grad-CAM: where the model looked")), ("versions", tr_later("Versions and seed")),
            ("model-card", tr_later("Model card")))
TITLES = dict(SECTIONS)

# not translated: markup (CSS)
CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #1d1d1f; margin: 24px;
       max-width: 1000px; }
h1 { font-size: 18pt; margin-bottom: 2px; } h2 { font-size: 14pt; border-bottom: 2px solid #3a6ea5;
     padding-bottom: 2px; margin-top: 26px; color: #1d3f66; } h3 { font-size: 11pt; margin-top: 14px; }
h4 { font-size: 10pt; }
table { border-collapse: collapse; margin: 6px 0 10px 0; }
th, td { border: 1px solid #c9d1db; padding: 3px 7px; text-align: left; vertical-align: top; }
thead th { background: #eef2f7; } td.n { text-align: right; }
table.facts th { background: #f6f8fa; font-weight: normal; color: #444; width: 260px; }
table.settings td:nth-child(2) { font-family: monospace; color: #555; }
p.figure { margin: 8px 0; } img { max-width: 100%; height: auto; }
.caption { font-size: 9pt; color: #555; }
table.grid td { border: none; padding: 4px 10px 8px 0; }
p.note { color: #555; font-size: 9pt; }
p.warning { background: #fff4e5; border: 1px solid #ffd8a8; color: #7a4b00; padding: 6px; }
p.medical { background: #fdecea; border: 1px solid #f5c2bd; color: #8a1c12; }
nav li { display: inline; margin-right: 12px; }
@media print { body { margin: 0; } section { page-break-inside: auto; } h2 { page-break-after: avoid; } }
"""


@dataclass(frozen=True)
class Galleries:
    mistakes: Gallery
    gradcam: Gallery


def build_galleries(facts: RunFacts) -> Galleries:
    """The mistakes' thumbnails and the Grad-CAM overlays (the slow part: it opens images and the model)."""
    if facts.evaluation is None or facts.card is None:
        none = Gallery((), tr("The saved model has not been measured yet, so there is nothing to show."))
        return Galleries(none, none)
    result = facts.evaluation.primary
    return Galleries(mistake_gallery(result, facts.card.preprocessing), gradcam_gallery(facts.run.path, result))


def report_html(facts: RunFacts, galleries: Galleries | None = None) -> str:
    """The report page of a run.

    Example:
        >>> page = report_html(read_facts("runs/20260101-120000-flowers"))  # doctest: +SKIP
        >>> '<section id="model-card">' in page  # doctest: +SKIP
        True
    """
    galleries = galleries or build_galleries(facts)
    sections = [data_section(facts), model_section(facts), strategy_section(facts), settings_section(facts),
                training_section(facts), evaluation_section(facts),
                gallery_section("mistakes", tr(TITLES["mistakes"]), _mistakes_intro(facts), galleries.mistakes),
                gallery_section("gradcam", tr(TITLES["gradcam"]),
                                tr("The warm areas are those that made the model give its answer. A model that "
                                   "looks at the background, a ruler or a label rather than the subject has "
                                   "learnt a shortcut."), galleries.gradcam),
                versions_section(facts), model_card_section(facts)]
    return _page(facts, "".join(sections))


def _mistakes_intro(facts: RunFacts) -> str:
    """The gallery's first sentence, one message for each set it can show."""
    if facts.evaluation is None:
        return tr("The wrong answers the model was surest of, on the evaluated images: look at their labels "
                  "first, a confident mistake is often a mislabelled image.")
    primary = facts.evaluation.primary
    if primary.name == "validation":
        return tr("The wrong answers the model was surest of, on the validation set: look at their labels "
                  "first, a confident mistake is often a mislabelled image.")
    if primary.name == "test":
        return tr("The wrong answers the model was surest of, on the test set: look at their labels "
                  "first, a confident mistake is often a mislabelled image.")
    return tr("The wrong answers the model was surest of, on the {set}: look at their labels first, a "
              "confident mistake is often a mislabelled image.", set=primary.title.lower())


def _page(facts: RunFacts, body: str) -> str:
    nav = "".join(f'<li><a href="#{anchor}">{esc(tr(title))}</a></li>' for anchor, title in SECTIONS)
    headline = ""
    if facts.evaluation is not None:
        primary = facts.evaluation.primary
        line = trn("{set}: accuracy {accuracy}, balanced accuracy {balanced} on {n} images.",
                   "{set}: accuracy {accuracy}, balanced accuracy {balanced} on {n} images.",
                   len(primary.labels), set=set_title(primary), accuracy=pct(primary.metrics.get("accuracy")),
                   balanced=pct(primary.metrics.get("balanced_accuracy")))
        headline = f"<p><b>{esc(line)}</b></p>"
    if facts.medical_signs():
        warning = tr('<b>Not a medical device.</b> This model is for research and education only; the <a '
                     'href="#model-card">model card</a> says why and what it cannot do.')
        headline += f'<p class="warning medical">{warning}</p>'
    model = facts.section("model").get("arch", "?")
    made = time.strftime("%Y-%m-%d %H:%M")
    title = tr("Report: {name}", name=esc(facts.name))
    heading = tr("Report of the training run {name}", name=esc(facts.name))
    note = tr("{model} · classes: {classes} · made {made} by Finetune Studio {version}", model=esc(model),
              classes=esc(", ".join(facts.class_names)), made=esc(made), version=esc(__version__))
    return (f'<!DOCTYPE html><html lang="{current_language()}"><head><meta charset="utf-8">'
            f'<title>{title}</title><style>{CSS}</style></head><body>'
            f'<header><h1>{heading}</h1>'
            f'<p class="note">{note}</p>{headline}</header>'
            f"<nav><ul>{nav}</ul></nav>{body}</body></html>")


def build_report_html(run_dir: str) -> str:
    """:func:`report_html` of a run folder (read, galleries drawn)."""
    return report_html(read_facts(run_dir))
