"""The in-app guide (Help menu): fine-tuning in a few pages, and what each tab is for.

Plain text in sections (the window lays them out), marked with ``tr_later`` and translated by :func:`guide`.
Each tab of the window has a section whose ``key`` is the tab's (``data``, ``model``, ``strategy``, ``train``,
``results``, ``predict``, ``runs``), so that the Help menu can open the page of the tab in front.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.i18n import tr, tr_later
from engine.help.glossary import LAYER_TYPES, TERMS, term


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...]


FINE_TUNING = (
    Section("fine-tuning", tr_later("What fine-tuning is"), (
        tr_later("A pretrained model has already learnt to see from about a million everyday photos (ImageNet): its "
                 "lower layers find edges and textures, its upper layers shapes and objects. Fine-tuning keeps what "
                 "it learnt and teaches it your classes, so a few hundred images can be enough where training from "
                 "nothing would need tens of thousands."),
        tr_later("The app replaces the model's last layer by a new classifier with one output per class in your "
                 "folder, then trains on your images while watching images it never trains on (the validation "
                 "images)."),
    )),
    Section("strategies", tr_later("The three strategies"), (
        tr_later("1 · Train the whole model: every layer learns, the pretrained ones gently (at a fraction of the "
                 "learning rate). The most flexible, the slowest, and the one that needs the most images."),
        tr_later("2 · Freeze the lower layers, train the upper ones: the general edge and texture detectors are "
                 "kept, the layers that know objects adapt to your images. A middle way for most datasets."),
        tr_later("3 · Train only the new classifier: everything pretrained stays frozen. Fast (seconds an epoch once "
                 "the frozen features are cached) and safe with few images, but limited when your images look unlike "
                 "photos."),
        tr_later("Without pretrained weights there is a fourth way, training from scratch: every layer starts "
                 "random. It needs many images and is mostly a comparison point."),
    )),
    Section("situations", tr_later("Four situations: size × similarity"), (
        tr_later("Two questions decide the strategy: how many images you have per class (size), and how much they "
                 "look like everyday photos, which the pretrained model knows (similarity)."),
        tr_later("Few images, like everyday photos: train only the new classifier (strategy 3); more would memorise "
                 "them."),
        tr_later("Few images, unlike everyday photos (X-rays, scans, microscopy): freeze the lower layers and train "
                 "the upper ones (strategy 2), with augmentation, because the upper layers must adapt."),
        tr_later("Many images, like everyday photos: freeze the lower layers and refine the upper ones (strategy 2)."),
        tr_later("Many images, unlike everyday photos: train the whole model (strategy 1), still starting from the "
                 "pretrained weights."),
        tr_later("The Strategy tab measures both questions on your images and recommends one; \"Try all three\" "
                 "trains each strategy for a few epochs on the same budget so that you can see which works on your "
                 "data."),
    )),
    Section("overfitting", tr_later("Overfitting, and how the app fights it"), (
        tr_later("A model overfits when it memorises the training images instead of learning what the classes look "
                 "like: the training curve keeps improving while the validation curve gets worse. The more trainable "
                 "weights and the fewer images, the sooner it happens."),
        tr_later("The app fights it in several ways: validation images that are never trained on; early stopping, "
                 "which ends training once the validation figure stops improving and keeps the best epoch's model "
                 "(the saved model); augmentation (random crops, flips and colour changes of the training images); "
                 "freezing pretrained layers; weight decay, dropout and label smoothing; and a warning on the Train "
                 "tab when overfitting begins, with the epoch it began at."),
    )),
    Section("metrics", tr_later("Which figure to read when"), (
        tr_later("Accuracy first, but always next to chance (one in the number of classes) and to the largest "
                 "class's share: 90% means little when 90% of the images are one class. The app shows both beside "
                 "every result and says when a model is weak."),
        tr_later("Unequal classes: read balanced accuracy and macro F1, which weigh every class the same, and the "
                 "per-class recall to see which class is missed."),
        tr_later("Two classes where one matters (a disease, a defect): read sensitivity (how many are found) and "
                 "specificity (how many false alarms are avoided), and move the decision threshold to trade one for "
                 "the other; ROC AUC sums up every threshold at once."),
        tr_later("When you will act on the model's confidence: read the calibration error (ECE) and the calibration "
                 "plot."),
        tr_later("During training: the validation loss tells more than the training loss; a training loss far above "
                 "ln of the number of classes (1.39 for four) means training went wrong, usually a learning rate "
                 "that is too high."),
    )),
)

TABS = (
    Section("data", tr_later("1 · Data"), (
        tr_later("Choose a folder with one subfolder per class (cats/, dogs/…). The app reads every file, reports "
                 "what it cannot use and why, shows the classes' sizes and example images, and offers one-click "
                 "fixes (for example leaving out duplicates filed under two classes)."),
        tr_later("The split says which images train, which validate and which are kept for a final test; images of "
                 "one patient or subject can be kept together."),
    )),
    Section("model", tr_later("2 · Model"), (
        tr_later("Pick a pretrained model: the list shows its size, its ImageNet accuracy and how fast it trains. "
                 "Choose the starting weights (ImageNet, a weights file, or a previous run's model) and the new "
                 "output layer."),
        tr_later("The layer tree shows every layer; a ticked layer is frozen (keeps its pretrained weights). Hover a "
                 "layer's type for what it does."),
    )),
    Section("strategy", tr_later("3 · Strategy"), (
        tr_later("The advisor measures how many images you have and how familiar they look to the model, places your "
                 "data on the 2x2 chart and recommends a strategy with its reasons; Apply sets the layer tree and "
                 "the training settings, which you can still change."),
        tr_later("If the measurement cannot run (no pretrained weights here), say what your images are like with the "
                 "two choices below it. \"Try all three\" compares the strategies on your data."),
    )),
    Section("train", tr_later("4 · Train"), (
        tr_later("Set the training options (every one has a plain line under it and an example in its tooltip), then "
                 "Train. The plots show loss and accuracy for the training and validation images; the dashed line "
                 "marks the best epoch, a shaded band where overfitting began. Pause, Stop and Resume never lose the "
                 "best model."),
        tr_later("At the end the Train tab says which model was saved, how it compares with chance and the largest "
                 "class, and what to try when it is weak."),
    )),
    Section("results", tr_later("5 · Results"), (
        tr_later("The saved model measured on the validation (and test) images: the headline figures next to chance, "
                 "the per-class table, the confusion matrix (click a cell to see its images), the ROC curve and "
                 "calibration plot, the most confident mistakes and Grad-CAM (where the model looked)."),
        tr_later("With two classes, the threshold slider trades found cases against false alarms. \"Evaluate on "
                 "another folder\" measures the model on new labelled images."),
    )),
    Section("predict", tr_later("6 · Predict"), (
        tr_later("Choose images or a folder (or drop them on the window) to see the model's answer and its "
                 "probability for each class; \"Save table as CSV\" keeps the answers. \"Use another run\" predicts "
                 "with another saved model."),
    )),
    Section("runs", tr_later("Past runs"), (
        tr_later("Every training run on this computer, newest first, with its saved model's validation accuracy and "
                 "epoch. Select one to replay its curves; Show results opens it in the Results tab; Resume continues "
                 "a run that was stopped or cut short."),
    )),
)

#: Tab order of the window, for the Help menu's "this tab" page.
TAB_KEYS = tuple(section.key for section in TABS)


def words() -> Section:
    """Every term and layer type of the glossary, as one section of the guide (in the language spoken now)."""
    terms = tuple(f"{t.name}: {t.tip}" for t in sorted((term(key) for key in TERMS), key=lambda t: t.name.lower()))
    layers = tuple(f"{name}: {tr(text)}" for name, text in sorted(LAYER_TYPES.items()) if not name.startswith("_"))
    return Section("words", tr("Words used in the app"), terms + layers)


def translated(section: Section) -> Section:
    """``section`` in the language spoken now."""
    return Section(section.key, tr(section.title), tuple(tr(paragraph) for paragraph in section.paragraphs))


def guide() -> tuple[Section, ...]:
    """The whole guide, in reading order.

    Example:
        >>> [s.key for s in guide()][:3]
        ['fine-tuning', 'strategies', 'situations']
    """
    return (*(translated(section) for section in (*FINE_TUNING, *TABS)), words())
