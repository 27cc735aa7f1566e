"""gui/panels/predict."""
