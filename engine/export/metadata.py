"""What an exported model needs beside its weights: the classes and the exact preprocessing, in one record.

The same record goes into the ONNX file (its metadata), the TorchScript file (an extra file) and the deployment
folder (``preprocessing.json``), so whoever runs the model elsewhere does what the app does: decode as RGB,
resize the short side (bilinear, antialiased, the long side rounded down), centre crop, scale to 0..1,
normalise, and read the output as logits (softmax gives the probabilities).
"""

from __future__ import annotations

from typing import Any

from engine.data.loaders import Preprocessing

#: Marks our records and their version (a later app may add fields, never change these).
RECORD_FORMAT = "finetune-studio-export"
RECORD_VERSION = 1
INPUT_NAME = "image"
OUTPUT_NAME = "logits"


def preprocessing_record(arch: str, class_names: tuple[str, ...] | list[str],
                         preprocessing: Preprocessing) -> dict[str, Any]:
    """The record of how to feed and read an exported model.

    Example:
        >>> record = preprocessing_record("resnet18", ("ants", "bees"), Preprocessing.for_size(224))
        >>> record["input"]["size"], record["resize"]["short_side"], record["class_names"]
        ([224, 224], 256, ['ants', 'bees'])
    """
    size = preprocessing.image_size
    # not translated: a file format record, read by programs on other machines
    return {
        "format": RECORD_FORMAT,
        "format_version": RECORD_VERSION,
        "architecture": arch,
        "class_names": list(class_names),
        "input": {"name": INPUT_NAME, "layout": "NCHW", "dtype": "float32", "size": [size, size],
                  "colour": "RGB", "batch": "any"},
        "resize": {"short_side": preprocessing.resize_size, "interpolation": preprocessing.interpolation,
                   "antialias": True,
                   "long_side": "floor(short_side * long / short)"},
        "crop": {"centre": [size, size]},
        "scale": "pixel / 255",
        "mean": list(preprocessing.mean),
        "std": list(preprocessing.std),
        "output": {"name": OUTPUT_NAME, "meaning": "logits, one per class in class_names order; softmax gives "
                                                   "the probabilities"},
        "steps": preprocessing.to_dict()["steps"],
    }


def onnx_metadata(record: dict[str, Any]) -> dict[str, str]:
    """The record as ONNX ``metadata_props`` (string to string): each top-level field as JSON text.

    Example:
        >>> props = onnx_metadata(preprocessing_record("resnet18", ("a", "b"), Preprocessing.for_size(32)))
        >>> props["class_names"], props["mean"]
        ('["a", "b"]', '[0.485, 0.456, 0.406]')
    """
    import json

    return {key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            for key, value in record.items()}
