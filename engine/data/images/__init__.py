"""engine/data/images."""
