"""engine/models/catalog/layers."""
