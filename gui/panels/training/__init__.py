"""Step 4, Train: every setting with its explanation, Train / Pause / Stop / Resume, live figures and plots."""
