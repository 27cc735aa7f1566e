"""The stable reason codes of the data report, each with a short label for people.

Codes appear in ``python -m engine scan --json`` output, in the CSV export and in the data panel. Scripts
rely on them: never rename one, only add. A test checks that every code the engine emits is listed here.

Example:
    >>> REASONS["truncated"]
    'Damaged or incomplete file'
"""

from __future__ import annotations

from engine.core.i18n import tr, tr_later

#: Per-file reasons (accepted, converted, skipped, ignored).
FILE_REASONS: dict[str, str] = {
    # accepted
    "ok": tr_later("Used as it is"),
    "extension_mismatch": tr_later("Read by its content (name says another format)"),
    "very_small": tr_later("Very small image (icon or thumbnail?)"),
    # converted
    "exif_rotated": tr_later("Turned upright (camera orientation)"),
    "cmyk": tr_later("Printer colours (CMYK) converted"),
    "grayscale": tr_later("Grey image converted to colour channels"),
    "one_bit": tr_later("Black-and-white image converted"),
    "palette": tr_later("Palette colours expanded"),
    "transparency": tr_later("Transparent parts put on white"),
    "colour_space": tr_later("Colour space converted to RGB"),
    "high_bit_depth": tr_later("16-bit image rescaled"),
    "float_image": tr_later("Floating-point image rescaled"),
    "first_frame": tr_later("First frame or page used"),
    "dicom": tr_later("DICOM pixels windowed for viewing"),
    # skipped
    "empty_file": tr_later("Empty file (0 bytes)"),
    "truncated": tr_later("Damaged or incomplete file"),
    "not_an_image": tr_later("Not an image"),
    "html_not_image": tr_later("A web page saved with an image name"),
    "text_not_image": tr_later("A text file saved with an image name"),
    "unsupported_format": tr_later("Image format not supported"),
    "heic_unsupported": tr_later("HEIC photo: export as JPEG"),
    "too_large": tr_later("Larger than the app's pixel limit"),
    "missing": tr_later("File disappeared"),
    "unreadable": tr_later("No permission to read"),
    "broken_link": tr_later("Link to a missing file"),
    "not_a_file": tr_later("Not a regular file"),
    "folder_named_like_image": tr_later("Folder named like an image"),
    "symlink_loop": tr_later("Link back to a folder already scanned"),
    "dicom_no_pixels": tr_later("DICOM file without an image"),
    "dicom_undecodable": tr_later("DICOM compression not supported"),
    "duplicate": tr_later("Identical copy (used once)"),
    "outside_class_folder": tr_later("Not inside a class folder"),
    "excluded_by_user": tr_later("Left out at your request"),
    "run_folder": tr_later("Training run folder (not images)"),
    # ignored
    "system_file": tr_later("System file"),
    "system_folder": tr_later("System folder"),
    "hidden_file": tr_later("Hidden file"),
    "hidden_folder": tr_later("Hidden folder"),
    "apple_double": tr_later("macOS resource file (._)"),
    "documentation_file": tr_later("Notes or documentation"),
}

#: Dataset-level warnings and blocking problems.
PROBLEM_REASONS: dict[str, str] = {
    # blocking
    "not_a_folder": tr_later("Folder not found"),
    "no_class_folders": tr_later("Images are not in class folders"),
    "no_classes": tr_later("No class folders"),
    "single_class": tr_later("Only one class"),
    "empty_class": tr_later("A class has no usable image"),
    "too_few_images": tr_later("A class has fewer than 2 images"),
    "class_case_clash": tr_later("Class names differ only in capitals"),
    "duplicate_across_classes": tr_later("Same image in two classes"),
    "presplit_folder": tr_later("Folder already split into train/val"),
    "no_folder_split": tr_later("No train/val subfolders"),
    "presplit_no_train": tr_later("Split folder has no training images"),
    "run_folder_chosen": tr_later("This is a training run's folder"),
    # warnings
    "files_skipped": tr_later("Files skipped"),
    "run_folders_inside": tr_later("Training runs inside the image folder"),
    "files_converted": tr_later("Files converted"),
    "duplicates_in_class": tr_later("Identical copies inside a class"),
    "near_duplicates_across_classes": tr_later("Look-alike images in different classes"),
    "near_duplicates_across_split": tr_later("Look-alike images across train/validation"),
    "class_imbalance": tr_later("Classes of very different sizes"),
    "few_images": tr_later("Very few images in a class"),
    "tiny_images": tr_later("Very small images (icons or thumbnails?)"),
    "float_images": tr_later("Floating-point images"),
    "dicom_privacy": tr_later("DICOM headers are never copied"),
    "presplit_missing_class": tr_later("A class is missing from one split folder"),
    "group_pattern_unmatched": tr_later("Files without a group"),
    "group_too_large": tr_later("One group holds most images"),
    "class_not_split": tr_later("A class could not be split by group"),
}

REASONS: dict[str, str] = {**FILE_REASONS, **PROBLEM_REASONS}


def reason_label(code: str) -> str:
    """The short label for ``code`` in the user's language (the code itself when unknown, so nothing is ever
    blank). The codes stay English: scripts, split.json and the scan cache store the code, never the label."""
    label = REASONS.get(code)
    return tr(label) if label is not None else code.replace("_", " ")
