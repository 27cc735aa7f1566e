"""gui/jobs."""
