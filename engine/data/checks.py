"""Dataset-level checks of the data report: blocking problems (each saying what to do) and warnings.

Kept apart from :mod:`engine.data.report` so each rule is a small function with its own sentence.

Example:
    >>> [p.code for p in blocking_problems({"cats": ("cats/1.jpg", "cats/2.jpg")}, loose=0)]
    ['single_class']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import TYPE_CHECKING

from engine.core.i18n import tr, trn
from engine.data.images.decode import HIGH_DEPTH_RULE
from engine.data.images.dicom import PRIVACY_NOTE
from engine.data.reasons import reason_label
from engine.data.scan.duplicates import NearDuplicate
from engine.data.scan.records import FileRecord, Problem

if TYPE_CHECKING:
    from engine.data.dataset import FileOutcome

#: Folder names (lower-case) that mean "this folder is one side of a split".
SPLIT_FOLDER_NAMES = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val",
                      "test": "test", "testing": "test"}
#: Largest/smallest class size from which imbalance is called out.
IMBALANCE_RATIO = 3.0
#: Below this many images a class gets a warning (it can still be trained on).
FEW_IMAGES = 10
_EXAMPLES = 3
#: The side of the images the model sees unless told otherwise (the default of DataConfig.image_size).
DEFAULT_INPUT_SIDE = 224
#: Images whose shorter side is under 1/16 of the model's input are "very small". Stretched to the input,
#: each of their pixels becomes a block of 16 x 16 or more, and the last feature grid of the usual networks
#: (7 x 7 at 224) gets about two of their pixels a cell: nothing is left to learn from. Photos are never that
#: small; icons, tracking pixels and thumbnails are. Digit scans (28 pixels) and CIFAR-sized images (32) stay
#: clear of it at 224, so a dataset of small images that are meant does not get a warning for each.
VERY_SMALL_FRACTION = 16


def presplit_available(folders: Sequence[str]) -> bool:
    """True when the top-level folders are only train/val/test (any spelling) with class folders inside."""
    top = [f for f in folders if "/" not in f]
    subsets = {SPLIT_FOLDER_NAMES.get(f.lower()) for f in top}
    if not top or None in subsets or "train" not in subsets or not subsets & {"val", "test"}:
        return False
    return any(f.count("/") == 1 for f in folders)


def _problem(code: str, message: str) -> Problem:
    return Problem(code, message)


def _names(names: Sequence[str]) -> str:
    quoted = ", ".join(f'"{n}"' for n in names[:_EXAMPLES])
    return _and_more(quoted, len(names) - _EXAMPLES)


def _and_more(shown: str, more: int) -> str:
    """``shown`` (a list of examples) followed by how many more there are."""
    return tr("{shown} and {n} more", shown=shown, n=more) if more > 0 else shown


def blocking_problems(classes: Mapping[str, Sequence[str]], *, loose: int, layout: str = "classes",
                      presplit: bool = False, use_folder_split: bool = False,
                      cross_class: Sequence[Sequence[str]] = (), subsets: Mapping[str, str] | None = None,
                      ) -> list[Problem]:
    """Everything that stops training, in the order the user should fix it."""
    if use_folder_split and not presplit:
        return [_problem("no_folder_split", tr("This folder has no train/ and val/ (or test/) subfolders holding "
                                               "class folders, so its own split cannot be used. Turn off \"Use the "
                                               "folder's own split\" or choose the folder that holds train/ and "
                                               "val/."))]
    if presplit and not use_folder_split:
        names = ", ".join(f'"{n}"' for n in list(classes)[:_EXAMPLES]) + (", ..." if len(classes) > _EXAMPLES else "")
        return [_problem("presplit_folder", tr("This folder is already split: its train/ and val/ (or test/) "
                                               "folders each hold the class folders ({names}). Use the folder's own "
                                               "split (one click in the Data tab, or --use-folder-split), or choose "
                                               "one of them.", names=names))]
    if not classes:
        if loose:
            return [_problem("no_class_folders", tr("The images ({loose}) are directly in this folder. Put each "
                                                    "class's images in a subfolder named after the class (for "
                                                    "example cats/ and dogs/) and choose the folder above them.",
                                                    loose=loose))]
        return [_problem("no_classes", tr("This folder has no class subfolders. Choose a folder that contains one "
                                          "subfolder per class, each holding that class's images."))]
    problems: list[Problem] = []
    if len(classes) == 1:
        problems.append(_problem("single_class", tr('Only one class was found ("{name}"). A classifier needs at '
                                                    "least two classes: add a subfolder for each other kind of "
                                                    "image.", name=next(iter(classes)))))
    problems += _class_size_problems(classes)
    problems += _case_clash(list(classes))
    if cross_class:
        problems.append(_cross_class_problem(cross_class))
    if layout == "folders":
        no_train = [n for n, files in classes.items() if files and not any(
            (subsets or {}).get(p) == "train" for p in files)]
        if no_train:
            problems.append(_problem("presplit_no_train", tr("The class(es) {names} have no images in train/. Move "
                                                             "some of their images into train/<class>/.",
                                                             names=_names(no_train))))
    return problems


def very_small_side(image_size: int) -> int:
    """Images with a shorter side under this many pixels are called very small (see VERY_SMALL_FRACTION).

    Example:
        >>> very_small_side(224), very_small_side(32)
        (14, 2)
    """
    return max(2, image_size // VERY_SMALL_FRACTION)


def very_small_message(width: int, height: int, image_size: int) -> str:
    return tr("Very small: {width}×{height} pixels, far below the {size}-pixel images the model sees; likely an "
              "icon or a thumbnail. Leave it out if it is not one of your pictures.", width=width, height=height,
              size=image_size)


def run_folder_problem(root: str) -> Problem:
    """The chosen folder is a run folder (the app's output), not an image folder."""
    return _problem("run_folder_chosen", tr("{root} is a training run's folder (its settings, checkpoints and "
                                            "plots), not an image folder: choose the folder that holds your class "
                                            "folders.", root=root))


def _class_size_problems(classes: Mapping[str, Sequence[str]]) -> list[Problem]:
    problems = []
    for name, files in classes.items():
        if not files:
            problems.append(_problem("empty_class", tr('The class folder "{name}" has no usable image. Add images '
                                                       "to it or remove the folder (the list of skipped files says "
                                                       "why its files could not be used).", name=name)))
        elif len(files) == 1:
            problems.append(_problem("too_few_images", tr('The class "{name}" has 1 usable image; each class needs '
                                                          "at least 2 (one to train on, one to check with). Add "
                                                          "images or remove the folder.", name=name)))
    return problems


def _case_clash(names: list[str]) -> list[Problem]:
    by_fold: dict[str, list[str]] = {}
    for name in names:
        by_fold.setdefault(name.casefold(), []).append(name)
    clashes = [group for group in by_fold.values() if len(group) > 1]
    if not clashes:
        return []
    pairs = "; ".join(reduce(_and, [f'"{n}"' for n in group]) for group in clashes[:_EXAMPLES])
    return [_problem("class_case_clash", tr("Class folders whose names differ only in capitals: {pairs}. They "
                                            "would be two classes on this computer and one on others. Merge them "
                                            "into one folder, or rename one.", pairs=pairs))]


def _and(first: str, second: str) -> str:
    return tr("{first} and {second}", first=first, second=second)


def _cross_class_problem(groups: Sequence[Sequence[str]]) -> Problem:
    examples = "; ".join(" = ".join(group) for group in groups[:_EXAMPLES])
    if len(groups) > _EXAMPLES:
        examples = tr("{shown} (and {n} more)", shown=examples, n=len(groups) - _EXAMPLES)
    count = sum(len(g) for g in groups)
    return _problem("duplicate_across_classes", tr("The same image is filed under two classes: {examples}. The "
                                                   "model cannot learn both answers. Leave out both copies ({count} "
                                                   "files; one click in the Data tab, or --exclude), or delete the "
                                                   "wrong copy.", examples=examples, count=count))


def dataset_warnings(files: Sequence[FileOutcome], classes: Mapping[str, Sequence[str]],
                     near: Sequence[NearDuplicate], usable: Mapping[str, FileRecord], *, layout: str = "classes",
                     subsets: Mapping[str, str] | None = None, image_size: int = DEFAULT_INPUT_SIDE
                     ) -> list[Problem]:
    """Things the user should know that do not stop training."""
    class_of = {f.path: f.class_name for f in files}
    warnings = _file_warnings(files)
    warnings += _very_small_warning(files, image_size)
    warnings += _near_warnings(near, class_of, subsets or {})
    warnings += _size_warnings(classes)
    floats = sum(1 for r in usable.values() if "float_image" in r.codes)
    if floats:
        warnings.append(_problem("float_images", tr("{n} floating-point image(s) were converted by a fixed rule "
                                                    "({rule}). Check in the thumbnails that they look right.",
                                                    n=floats, rule=tr(HIGH_DEPTH_RULE))))
    if any(r.source_format == "DICOM" for r in usable.values()):
        warnings.append(_problem("dicom_privacy", tr(PRIVACY_NOTE)))
    if layout == "folders":
        warnings += _presplit_coverage(classes, subsets or {})
    return warnings


def _file_warnings(files: Sequence[FileOutcome]) -> list[Problem]:
    warnings = []
    skipped = Counter(f.reason for f in files
                      if f.outcome.value == "skipped" and f.reason not in ("duplicate", "run_folder"))
    if skipped:
        total = sum(skipped.values())
        kinds = sorted(skipped.items(), key=lambda kv: (-kv[1], reason_label(kv[0])))
        items = [tr("{n} {reason}", n=n, reason=_lower_first(reason_label(code))) for code, n in kinds[:_EXAMPLES + 1]]
        if len(kinds) > _EXAMPLES + 1:
            items.append(tr("{n} for other reasons", n=sum(n for _, n in kinds[_EXAMPLES + 1:])))
        warnings.append(_problem("files_skipped", tr("{n} file(s) will not be used ({detail}). The list of skipped "
                                                     "files says why and what to do.", n=total,
                                                     detail=", ".join(items))))
    converted = sum(1 for f in files if f.outcome.value == "converted")
    if converted:
        warnings.append(_problem("files_converted", tr("{n} file(s) were converted to the colour images the model "
                                                       "sees (the list says what was done to each).", n=converted)))
    duplicates = sum(1 for f in files if f.reason == "duplicate")
    if duplicates:
        warnings.append(_problem("duplicates_in_class", tr("{n} identical cop(ies) inside a class are used once, so "
                                                           "no image counts double.", n=duplicates)))
    return warnings + _run_folder_warning(files)


def _run_folder_warning(files: Sequence[FileOutcome]) -> list[Problem]:
    runs = [f.path for f in files if f.reason == "run_folder"]
    if not runs:
        return []
    return [_problem("run_folders_inside", trn(
        "{n} training run's folder is inside your image folder ({names}) and was left out: its plots and "
        "checkpoints are not your images. Move run folders out of your image folder.",
        "{n} training runs' folders are inside your image folder ({names}) and were left out: their plots and "
        "checkpoints are not your images. Move run folders out of your image folder.", len(runs),
        names=_names(runs)))]


def _very_small_warning(files: Sequence[FileOutcome], image_size: int) -> list[Problem]:
    tiny = [f.path for f in files if f.reason == "very_small"]
    if not tiny:
        return []
    fields = {"size": image_size, "side": very_small_side(image_size), "names": _names(tiny)}
    return [_problem("tiny_images", trn(
        "{n} image is far smaller than the {size}-pixel images the model sees (under {side} pixels on a side: "
        "{names}), likely icons or thumbnails; check them in the list of files and leave out those that are not "
        "meant (one click in the Data tab, or --exclude).",
        "{n} images are far smaller than the {size}-pixel images the model sees (under {side} pixels on a side: "
        "{names}), likely icons or thumbnails; check them in the list of files and leave out those that are not "
        "meant (one click in the Data tab, or --exclude).", len(tiny), **fields))]


def _lower_first(label: str) -> str:
    """"Empty file" -> "empty file", but "DICOM file" stays as it is."""
    first = label.split(" ", 1)[0]
    return label if len(first) > 1 and first.isupper() else label[:1].lower() + label[1:]


def _near_warnings(near: Sequence[NearDuplicate], class_of: Mapping[str, str],
                   subsets: Mapping[str, str]) -> list[Problem]:
    warnings = []
    across = [n for n in near if class_of.get(n.first) != class_of.get(n.second)]
    if across:
        warnings.append(_problem("near_duplicates_across_classes", tr(
            "{n} pair(s) of look-alike images are in different classes: {pairs}. Check that they are filed in the "
            "right class.", n=len(across), pairs=_pairs(across))))
    leaks = [n for n in near if class_of.get(n.first) == class_of.get(n.second)
             and subsets.get(n.first, "") != subsets.get(n.second, "")]
    if leaks:
        warnings.append(_problem("near_duplicates_across_split", tr(
            "{n} pair(s) of look-alike images are on both sides of the folder's split: {pairs}. Validation will "
            "look better than it is; move one of each pair so both are on the same side.", n=len(leaks),
            pairs=_pairs(leaks))))
    return warnings


def _pairs(pairs: Sequence[NearDuplicate]) -> str:
    shown = "; ".join(f"{n.first} ~ {n.second}" for n in pairs[:_EXAMPLES])
    return _and_more(shown, len(pairs) - _EXAMPLES)


def _size_warnings(classes: Mapping[str, Sequence[str]]) -> list[Problem]:
    counts = {n: len(f) for n, f in classes.items() if f}
    warnings = []
    if len(counts) >= 2:
        big, small = max(counts, key=lambda n: counts[n]), min(counts, key=lambda n: counts[n])
        ratio = counts[big] / counts[small]
        if ratio >= IMBALANCE_RATIO:
            warnings.append(_problem("class_imbalance", imbalance_sentence(big, counts[big], small, counts[small])))
    few = [n for n, c in counts.items() if 2 <= c < FEW_IMAGES]
    if few:
        warnings.append(_problem("few_images", tr("The class(es) {names} have fewer than {few} images; results "
                                                  "for them will be unreliable. Aim for 20 or more per class.",
                                                  names=_names(few), few=FEW_IMAGES)))
    return warnings


def imbalance_sentence(big: str, big_n: int, small: str, small_n: int) -> str:
    """The imbalance call-out: the ratio, what it means, what the app does about it."""
    return tr('The largest class ("{big}", {big_n} images) is {ratio:.0f} times the smallest ("{small}", '
              '{small_n}). A model trained on this tends to answer "{big}" and its accuracy looks better than it is. '
              'Training offers class weights (Train tab, "Unequal classes") so every class counts equally; more '
              'images of "{small}" help most.', big=big, big_n=big_n, ratio=big_n / small_n, small=small,
              small_n=small_n)


def _presplit_coverage(classes: Mapping[str, Sequence[str]], subsets: Mapping[str, str]) -> list[Problem]:
    present = set(subsets.values())
    missing = []
    for name, files in classes.items():
        have = {subsets.get(p) for p in files}
        missing += [tr('"{name}" in {side}/', name=name, side=side) for side in ("val", "test")
                    if side in present and side not in have]
    if not missing:
        return []
    return [_problem("presplit_missing_class", tr("Some classes are missing from a split folder ({missing}); their "
                                                  "results there cannot be measured.", missing=", ".join(missing)))]
