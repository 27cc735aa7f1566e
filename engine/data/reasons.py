"""The stable reason codes of the data report, each with a short label for people.

Codes appear in ``python -m engine scan --json`` output, in the CSV export and in the data panel. Scripts
rely on them: never rename one, only add. A test checks that every code the engine emits is listed here.

Example:
    >>> REASONS["truncated"]
    'Damaged or incomplete file'
"""

from __future__ import annotations

#: Per-file reasons (accepted, converted, skipped, ignored).
FILE_REASONS: dict[str, str] = {
    # accepted
    "ok": "Used as it is",
    "extension_mismatch": "Read by its content (name says another format)",
    "very_small": "Very small image (icon or thumbnail?)",
    # converted
    "exif_rotated": "Turned upright (camera orientation)",
    "cmyk": "Printer colours (CMYK) converted",
    "grayscale": "Grey image converted to colour channels",
    "one_bit": "Black-and-white image converted",
    "palette": "Palette colours expanded",
    "transparency": "Transparent parts put on white",
    "colour_space": "Colour space converted to RGB",
    "high_bit_depth": "16-bit image rescaled",
    "float_image": "Floating-point image rescaled",
    "first_frame": "First frame or page used",
    "dicom": "DICOM pixels windowed for viewing",
    # skipped
    "empty_file": "Empty file (0 bytes)",
    "truncated": "Damaged or incomplete file",
    "not_an_image": "Not an image",
    "html_not_image": "A web page saved with an image name",
    "text_not_image": "A text file saved with an image name",
    "unsupported_format": "Image format not supported",
    "heic_unsupported": "HEIC photo: export as JPEG",
    "too_large": "Larger than the app's pixel limit",
    "missing": "File disappeared",
    "unreadable": "No permission to read",
    "broken_link": "Link to a missing file",
    "not_a_file": "Not a regular file",
    "folder_named_like_image": "Folder named like an image",
    "symlink_loop": "Link back to a folder already scanned",
    "dicom_no_pixels": "DICOM file without an image",
    "dicom_undecodable": "DICOM compression not supported",
    "duplicate": "Identical copy (used once)",
    "outside_class_folder": "Not inside a class folder",
    "excluded_by_user": "Left out at your request",
    "run_folder": "Training run folder (not images)",
    # ignored
    "system_file": "System file",
    "system_folder": "System folder",
    "hidden_file": "Hidden file",
    "hidden_folder": "Hidden folder",
    "apple_double": "macOS resource file (._)",
    "documentation_file": "Notes or documentation",
}

#: Dataset-level warnings and blocking problems.
PROBLEM_REASONS: dict[str, str] = {
    # blocking
    "not_a_folder": "Folder not found",
    "no_class_folders": "Images are not in class folders",
    "no_classes": "No class folders",
    "single_class": "Only one class",
    "empty_class": "A class has no usable image",
    "too_few_images": "A class has fewer than 2 images",
    "class_case_clash": "Class names differ only in capitals",
    "duplicate_across_classes": "Same image in two classes",
    "presplit_folder": "Folder already split into train/val",
    "no_folder_split": "No train/val subfolders",
    "presplit_no_train": "Split folder has no training images",
    "run_folder_chosen": "This is a training run's folder",
    # warnings
    "files_skipped": "Files skipped",
    "run_folders_inside": "Training runs inside the image folder",
    "files_converted": "Files converted",
    "duplicates_in_class": "Identical copies inside a class",
    "near_duplicates_across_classes": "Look-alike images in different classes",
    "near_duplicates_across_split": "Look-alike images across train/validation",
    "class_imbalance": "Classes of very different sizes",
    "few_images": "Very few images in a class",
    "tiny_images": "Very small images (icons or thumbnails?)",
    "float_images": "Floating-point images",
    "dicom_privacy": "DICOM headers are never copied",
    "presplit_missing_class": "A class is missing from one split folder",
    "group_pattern_unmatched": "Files without a group",
    "group_too_large": "One group holds most images",
    "class_not_split": "A class could not be split by group",
}

REASONS: dict[str, str] = {**FILE_REASONS, **PROBLEM_REASONS}


def reason_label(code: str) -> str:
    """The short label for ``code`` (the code itself when unknown, so nothing is ever blank)."""
    return REASONS.get(code, code.replace("_", " "))
