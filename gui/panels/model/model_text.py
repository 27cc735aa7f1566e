"""The model panel's longer texts: a catalog model's description and the new output layer in words."""

from __future__ import annotations

from typing import Any

from engine.core.i18n import tr, trn
from engine.models.heads import HeadOptions


def shown(text: str) -> str:
    """An engine text (a family note, a speed class) in the current language; ``""`` stays empty."""
    return tr(text) if text else ""


def model_details(info: Any) -> str:
    """What a catalog model is (a ``ModelInfo``): size, accuracy, download, speed and the images it expects."""
    timm = info.source == "timm"
    if timm:
        top = tr("ImageNet accuracy not published in timm's metadata")
    elif info.imagenet_top5:
        top = tr("ImageNet top-1 {top1:.1f}%, top-5 {top5:.1f}%", top1=info.imagenet_top1, top5=info.imagenet_top5)
    else:
        top = tr("ImageNet accuracy unknown")
    facts = " · ".join((
        tr("{millions:.1f} million parameters", millions=info.params / 1e6), top,
        tr("{size:.0f} MB download", size=info.download_mb or 0),
        tr("{gflops:.1f} GFLOPs per image ({speed})", gflops=info.gflops or 0, speed=shown(info.speed_class))))
    fields = {"size": info.crop_size, "preprocessing": info.preprocessing_text}
    trained = (tr("timm's default weights were trained on {size}×{size} images: {preprocessing}.", **fields)
               if timm else tr("Trained on {size}×{size} images: {preprocessing}.", **fields))
    text = f"<b>{info.title}</b>: {shown(info.note)}<br>{facts}<br>{trained}"
    if timm:
        weights = (tr("From timm; default weights {weights} on the Hugging Face hub", weights=info.weights_name)
                   if info.weights_name else tr("From timm; default weights none published on the Hugging Face hub"))
        licence = tr("licence {licence}", licence=info.licence) if info.licence else tr("licence not stated")
        text += f"<br>{weights} · {licence}"
    return text


def head_sentence(options: HeadOptions) -> str:
    """The new output layer, input to output, as the line under its settings shows it."""
    fields = {"dropout": options.dropout, "hidden": options.hidden}
    if options.dropout and options.hidden:
        return tr("New output layer: dropout {dropout:.0%} → pretrained features → {hidden} (ReLU) → "
                  "dropout {dropout:.0%} → your classes", **fields)
    if options.dropout:
        return tr("New output layer: dropout {dropout:.0%} → pretrained features → your classes", **fields)
    if options.hidden:
        return tr("New output layer: pretrained features → {hidden} (ReLU) → your classes", **fields)
    return tr("New output layer: pretrained features → your classes")


def run_choice_text(run: Any, saved_model_label: Any) -> str:
    """A previous run (``engine.models.weights.PreviousRun``) as the list of starting weights names it."""
    fields = {"run": run.name, "arch": run.arch}
    if run.val_accuracy is not None:
        return trn("{run} ({arch}, {n:,} class, {accuracy})", "{run} ({arch}, {n:,} classes, {accuracy})",
                   len(run.class_names), accuracy=saved_model_label(None, run.val_accuracy), **fields)
    return trn("{run} ({arch}, {n:,} class)", "{run} ({arch}, {n:,} classes)", len(run.class_names), **fields)
