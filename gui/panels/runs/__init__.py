"""Past runs: every run folder with its curves replayed, its results, and Resume."""
