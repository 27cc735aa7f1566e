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
    """The folder's README: what is in it, how to install and run ``predict.py``, how to use the model itself."""
    size = record["input"]["size"][0]
    classes = ", ".join(record["class_names"])
    return f"""# {record["architecture"]} image classifier ({len(record["class_names"])} classes)

Exported by Finetune Studio. Classes, in output order: {classes}.

{check.sentence()}

## Files

| file | what it is |
|---|---|
| `{files.model.name}` | the model (ONNX, opset {OPSET}; any batch size) |
| `{check_file_of(files.model).name}` | the export check above, in figures |
| `{files.labels.name}` | the class names, one a line, in the order of the model's outputs |
| `{files.preprocessing.name}` | how an image becomes the model's input |
| `{files.script.name}` | classifies an image or a folder of images to a CSV table |

## Classify images

Python 3.9 or later with three packages (onnxruntime {MIN_ONNXRUNTIME} or later runs this model):

```bash
pip install onnxruntime pillow numpy
python {files.script.name} photo.jpg                    # the table on the screen
python {files.script.name} photos/ --csv answers.csv    # every image in a folder and its subfolders
```

The table has one row per image: the file, the predicted class, its probability, the probability of every
class (`p_<class>`), and an error for a file that could not be read.

## Use the model in your own program

Input `{record["input"]["name"]}`: float32, shape `(batch, 3, {size}, {size})`, RGB. Output
`{record["output"]["name"]}`: one logit per class (softmax gives the probabilities). Each image must be
prepared exactly as during training, or the answers get worse without any error:

1. Decode as 8-bit RGB (EXIF orientation applied; transparent pixels on white).
2. Resize so that the short side is {record["resize"]["short_side"]} pixels (bilinear, antialiased; the long
   side rounded down).
3. Cut the centre {size} x {size} pixels.
4. Divide by 255, subtract the mean {record["mean"]} and divide by the standard deviation {record["std"]}
   (per channel, R G B).

`{files.preprocessing.name}` says the same in JSON; the ONNX file carries it too, as metadata.
"""


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
