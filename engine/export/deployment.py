"""The deployment folder: everything needed to run the model elsewhere, without this app.

::

    model.onnx             the model (engine/export/onnx_format.py)
    model.onnx.check.json  its check against PyTorch on the run's validation images
    labels.txt             the class names, one a line, in output order
    preprocessing.json     how an image becomes the model's input (engine/export/metadata.py)
    predict.py             classifies an image or a folder to CSV: onnxruntime + Pillow + numpy only
    README.md              how to use it

The file names come from engine/core/run_layout.py; ``predict.py`` is engine/export/predict_script.py with
them filled in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.core.i18n import tr, trn
from engine.core.run_layout import DeploymentFiles, check_file_of
from engine.export.check import ExportCheck
from engine.export.onnx_format import MIN_ONNXRUNTIME, OPSET

_SCRIPT = Path(__file__).with_name("predict_script.py")


def deployment_payloads(files: DeploymentFiles, model: bytes, check: ExportCheck,
                        record: dict[str, Any]) -> dict[Path, bytes]:
    """Every file of the folder and its bytes (written by the caller, each atomically).

    Example:
        >>> payloads = deployment_payloads(DeploymentFiles(Path("out")), onnx, check, record)  # doctest: +SKIP
        >>> sorted(p.name for p in payloads)  # doctest: +SKIP
        ['README.md', 'labels.txt', 'model.onnx', 'model.onnx.check.json', 'predict.py', 'preprocessing.json']
    """
    return {
        files.model: model,
        check_file_of(files.model): _json(check.to_dict()),
        files.labels: "".join(f"{name}\n" for name in record["class_names"]).encode("utf-8"),
        files.preprocessing: _json(record),
        files.script: predict_script(files).encode("utf-8"),
        files.readme: readme(files, check, record).encode("utf-8"),
    }


def predict_script(files: DeploymentFiles) -> str:
    """The source of ``predict.py`` for this folder's file names."""
    source = _SCRIPT.read_text(encoding="utf-8")
    return source.replace("@MODEL_FILE@", files.model.name).replace("@PREPROCESSING_FILE@", files.preprocessing.name)


def readme(files: DeploymentFiles, check: ExportCheck, record: dict[str, Any]) -> str:
    """The folder's README: what is in it, how to install and run ``predict.py``, how to use the model itself
    (in the user's language; the commands, file names and figures stay as they are)."""
    size = record["input"]["size"][0]
    names = record["class_names"]
    script = files.script.name
    rows = [(files.model.name, tr("the model (ONNX, opset {opset}; any batch size)", opset=OPSET)),
            (check_file_of(files.model).name, tr("the export check above, in figures")),
            (files.labels.name, tr("the class names, one a line, in the order of the model's outputs")),
            (files.preprocessing.name, tr("how an image becomes the model's input")),
            (script, tr("classifies an image or a folder of images to a CSV table"))]
    file_column, what_column = tr("file"), tr("what it is")
    on_screen, whole_folder = tr("the table on the screen"), tr("every image in a folder and its subfolders")
    table = "\n".join([f"| {file_column} | {what_column} |", "|---|---|",
                       *(f"| `{name}` | {what} |" for name, what in rows)])
    # not translated: shell commands (their comments are translated)
    commands = "\n".join(["```bash", "pip install onnxruntime pillow numpy",
                          f"python {script} photo.jpg                    # {on_screen}",
                          f"python {script} photos/ --csv answers.csv    # {whole_folder}", "```"])
    blocks = [
        "# " + trn("{arch} image classifier ({n} classes)", "{arch} image classifier ({n} classes)", len(names),
                   arch=record["architecture"]),
        tr("Exported by Finetune Studio. Classes, in output order: {classes}.", classes=", ".join(names)),
        check.sentence(),
        "## " + tr("Files"),
        table,
        "## " + tr("Classify images"),
        tr("Python 3.9 or later with three packages (onnxruntime {version} or later runs this model):",
           version=MIN_ONNXRUNTIME),
        commands,
        tr("The table has one row per image: the file, the predicted class, its probability, the probability of "
           "every\nclass (`p_<class>`), and an error for a file that could not be read."),
        "## " + tr("Use the model in your own program"),
        tr("Input `{input}`: float32, shape `(batch, 3, {size}, {size})`, RGB. Output\n`{output}`: one logit per "
           "class (softmax gives the probabilities). Each image must be\nprepared exactly as during training, or the "
           "answers get worse without any error:", input=record["input"]["name"], size=size,
           output=record["output"]["name"]),
        "\n".join([
            "1. " + tr("Decode as 8-bit RGB (EXIF orientation applied; transparent pixels on white)."),
            "2. " + tr("Resize so that the short side is {short} pixels ({interpolation}, antialiased; the\n   long "
                       "side rounded down).", short=record["resize"]["short_side"],
                       interpolation=record["resize"].get("interpolation", "bilinear")),
            "3. " + tr("Cut the centre {size} x {size} pixels.", size=size),
            "4. " + tr("Divide by 255, subtract the mean {mean} and divide by the standard deviation {std}\n   (per "
                       "channel, R G B).", mean=record["mean"], std=record["std"])]),
        tr("`{file}` says the same in JSON; the ONNX file carries it too, as metadata.",
           file=files.preprocessing.name),
    ]
    return "\n\n".join(blocks) + "\n"


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
