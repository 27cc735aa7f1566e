"""Step 6, Predict: classify dropped images or folders with a saved model, with Grad-CAM and a CSV table."""
