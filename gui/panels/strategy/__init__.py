"""Step 3, Strategy: the advisor's 2x2 chart and plan, Apply, and "Try all three"."""
