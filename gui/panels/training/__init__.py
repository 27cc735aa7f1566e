"""gui/panels/training."""
