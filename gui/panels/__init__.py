"""One package per step of the workflow, each standing alone (the main window wires them together):
data, model, strategy, training, results, predict, and past runs."""
