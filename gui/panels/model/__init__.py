"""gui/panels/model."""
