"""``python -m engine``: the same engine as the window, without Qt (engine/cli/main.py); one module a command."""
