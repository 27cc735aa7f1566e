"""Widgets more than one panel uses: message labels and tables (common), live plots, the image gallery and the
Grad-CAM view."""
