"""Tests of the app's Qt-free model (gui/state): no display, no Qt widgets."""
