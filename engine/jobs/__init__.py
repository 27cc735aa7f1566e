"""engine/jobs."""
