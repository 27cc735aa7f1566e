"""engine/training/callbacks."""
