"""Start Finetune Studio: `python main.py [IMAGE_FOLDER]` (opens the bundled sample data by default)."""

import sys

if __name__ == "__main__":
    # Imported here, not at the top: the training child (spawned) re-imports this file as __mp_main__
    # and must not load Qt.
    from gui.app import main

    sys.exit(main())
