"""gui/panels/results."""
