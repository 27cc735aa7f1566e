"""How good a model is, and what it says: metrics, evaluating a run's saved model on its validation (and
test) images or a new folder, figures, prediction, Grad-CAM.

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.evaluation.evaluate import (
        RunEvaluation as RunEvaluation,
    )
    from engine.evaluation.evaluate import (
        SetEvaluation as SetEvaluation,
    )
    from engine.evaluation.evaluate import (
        evaluate_after_training as evaluate_after_training,
    )
    from engine.evaluation.evaluate import (
        evaluate_run as evaluate_run,
    )
    from engine.evaluation.evaluate import (
        folder_label_set as folder_label_set,
    )
    from engine.evaluation.evaluate import (
        load_evaluation as load_evaluation,
    )
    from engine.evaluation.evaluate import (
        require_model as require_model,
    )
    from engine.evaluation.explain import (
        Explanation as Explanation,
    )
    from engine.evaluation.explain import (
        GradCam as GradCam,
    )
    from engine.evaluation.explain import (
        explain_image as explain_image,
    )
    from engine.evaluation.explain import (
        find_target_layer as find_target_layer,
    )
    from engine.evaluation.explain import (
        model_view as model_view,
    )
    from engine.evaluation.explain import (
        overlay as overlay,
    )
    from engine.evaluation.metrics import (
        at_threshold as at_threshold,
    )
    from engine.evaluation.metrics import (
        binary_figures as binary_figures,
    )
    from engine.evaluation.metrics import (
        calibration as calibration,
    )
    from engine.evaluation.metrics import (
        default_positive_class as default_positive_class,
    )
    from engine.evaluation.metrics import (
        predicted_labels as predicted_labels,
    )
    from engine.evaluation.metrics import (
        roc as roc,
    )
    from engine.evaluation.metrics import (
        row_normalised as row_normalised,
    )
    from engine.evaluation.metrics import (
        scores_from_confusion as scores_from_confusion,
    )
    from engine.evaluation.metrics import (
        summarize as summarize,
    )
    from engine.evaluation.predict import (
        Prediction as Prediction,
    )
    from engine.evaluation.predict import (
        PredictionCancelled as PredictionCancelled,
    )
    from engine.evaluation.predict import (
        expand_image_paths as expand_image_paths,
    )
    from engine.evaluation.predict import (
        predict_images as predict_images,
    )
    from engine.evaluation.predict import (
        write_predictions_csv as write_predictions_csv,
    )

_EXPORTS = {
    "RunEvaluation": "engine.evaluation.evaluate",
    "SetEvaluation": "engine.evaluation.evaluate",
    "evaluate_after_training": "engine.evaluation.evaluate",
    "evaluate_run": "engine.evaluation.evaluate",
    "folder_label_set": "engine.evaluation.evaluate",
    "load_evaluation": "engine.evaluation.evaluate",
    "require_model": "engine.evaluation.evaluate",
    "Explanation": "engine.evaluation.explain",
    "GradCam": "engine.evaluation.explain",
    "explain_image": "engine.evaluation.explain",
    "find_target_layer": "engine.evaluation.explain",
    "model_view": "engine.evaluation.explain",
    "overlay": "engine.evaluation.explain",
    "at_threshold": "engine.evaluation.metrics",
    "binary_figures": "engine.evaluation.metrics",
    "calibration": "engine.evaluation.metrics",
    "default_positive_class": "engine.evaluation.metrics",
    "predicted_labels": "engine.evaluation.metrics",
    "roc": "engine.evaluation.metrics",
    "row_normalised": "engine.evaluation.metrics",
    "scores_from_confusion": "engine.evaluation.metrics",
    "summarize": "engine.evaluation.metrics",
    "Prediction": "engine.evaluation.predict",
    "PredictionCancelled": "engine.evaluation.predict",
    "expand_image_paths": "engine.evaluation.predict",
    "predict_images": "engine.evaluation.predict",
    "write_predictions_csv": "engine.evaluation.predict",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
