"""Step 2, Model: the catalog, the starting weights, and the layer tree with freeze checkboxes."""
