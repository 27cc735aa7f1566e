"""How good a model is, and what it says: metrics, evaluating a run's saved model on its validation (and
test) images or a new folder, figures, prediction, Grad-CAM.

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.evaluation.evaluate import (
        RunEvaluation as RunEvaluation,
        SetEvaluation as SetEvaluation,
        evaluate_after_training as evaluate_after_training,
        evaluate_run as evaluate_run,
        folder_label_set as folder_label_set,
        load_evaluation as load_evaluation,
        require_model as require_model,
    )
    from engine.evaluation.explain import (
        Explanation as Explanation,
        GradCam as GradCam,
        explain_image as explain_image,
        find_target_layer as find_target_layer,
        model_view as model_view,
        overlay as overlay,
    )
    from engine.evaluation.metrics import (
        at_threshold as at_threshold,
        binary_figures as binary_figures,
        calibration as calibration,
        default_positive_class as default_positive_class,
        predicted_labels as predicted_labels,
        roc as roc,
        row_normalised as row_normalised,
        scores_from_confusion as scores_from_confusion,
        summarize as summarize,
    )
    from engine.evaluation.predict import (
        Prediction as Prediction,
        PredictionCancelled as PredictionCancelled,
        expand_image_paths as expand_image_paths,
        predict_images as predict_images,
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
