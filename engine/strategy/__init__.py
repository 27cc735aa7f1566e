"""engine/strategy."""
