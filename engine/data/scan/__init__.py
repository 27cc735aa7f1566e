"""engine/data/scan."""
