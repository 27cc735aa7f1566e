"""gui/panels/strategy."""
