"""Step 5, Results: the figures that matter, the confusion matrix whose cells open their images, the most
confident mistakes and Grad-CAM."""
