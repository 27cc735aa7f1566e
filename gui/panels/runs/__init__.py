"""gui/panels/runs."""
