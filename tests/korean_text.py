"""Is a text Korean through and through? The English words left in it that are not names (tests of issue 17)."""

from __future__ import annotations

import re

#: A Korean syllable (Hangul), what every Korean translation holds.
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: Words that stay as they are in Korean text: names, units and abbreviations (docs/translation-ko.md).
NAMES = {
    "finetune", "studio", "imagenet", "gpu", "gpus", "cpu", "onnx", "torchscript", "dicom", "grad", "cam",
    "roc", "auc", "sgd", "adamw", "adam", "csv", "pdf", "html", "ram", "vram", "timm", "torchvision", "hugging",
    "face", "hub", "hf", "pytorch", "cuda", "mps", "english", "px", "mb", "gb", "kb", "ms", "png", "jpeg", "jpg",
    "tiff", "heic", "bmp", "webp", "json", "jsonl", "safetensors", "cosine", "onecycle", "mixup", "cutmix",
    "efficientnet", "resnet", "mobilenet", "convnext", "vit", "regnet", "densenet", "lite", "fp", "bf", "amp",
    "relu", "silu", "gelu", "conv", "linear", "batchnorm", "dropout", "lr", "id", "ok", "mri", "ct", "uid",
    "top", "bicubic", "bilinear", "nccl", "gloo", "torchrun", "lbfgs", "rmsprop", "apache", "mit", "bsd",
    "cc", "by", "nc", "sa", "llama", "red", "green", "blue", "grad-cam", "nvidia", "apple", "one-cycle",
    "patientid", "gflops", "ctrl", "shift", "alt", "ppv", "npv", "mean", "std", "resnet-",
}
#: An English term in brackets right after its Korean one, as docs/translation-ko.md asks: "과적합(overfitting)".
_GLOSSED = re.compile(r"(?<=[\uac00-\ud7a3])\s?\([^()]*\)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_TAG = re.compile(r"<[^<>]*>")
_NAME_LIKE = re.compile(r"\S*[\d_./\\:@]\S*")  # model and file names, paths, layer names, versions


def english_words(text: str) -> list[str]:
    """The English words of ``text`` a Korean reader would have to translate.

    Example:
        >>> english_words("학습 시작"), english_words("resnet18 모델 (ImageNet)"), english_words("Train now")
        ([], [], ['Train', 'now'])
        >>> english_words("조기 종료(early stopping)"), english_words("Stop early (조기 종료)")
        ([], ['Stop', 'early'])
    """
    bare = _NAME_LIKE.sub(" ", _GLOSSED.sub(" ", _TAG.sub(" ", text.replace("&", ""))))
    return [w for w in _WORD.findall(bare) if w.lower().strip("'-") not in NAMES and len(w) > 1]


def has_hangul(text: str) -> bool:
    return bool(HANGUL.search(text))
