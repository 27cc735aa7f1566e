"""Step 1, Data: choose the image folder and read its health report (class chart, file verdicts, thumbnails,
split settings)."""
