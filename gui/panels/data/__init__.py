"""gui/panels/data."""
