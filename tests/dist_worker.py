"""One process of a 2-process run for tests/engine/test_distributed.py, started with torchrun's environment
variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT): ``python -m tests.dist_worker CONFIG RUN WHAT``.

It trains like the CLI does, with one test-only callback on process 2: ``die:E`` ends it abruptly (``os._exit``)
when epoch E starts; ``stop:E`` presses Stop there (only process 2 hears it). Each process prints its end as one
JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

from engine.config import TrainConfig
from engine.run.events import event_to_dict
from engine.training.callbacks.base import Callback, Trainer
from engine.training.distributed import end_world, start_world, world_from_env
from engine.training.trainer import run_training


class OnProcessTwo(Callback):
    def __init__(self, what: str, cancel: threading.Event) -> None:
        action, _, epoch = what.partition(":")
        self.action, self.epoch, self.cancel = action, int(epoch), cancel

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        if epoch != self.epoch or trainer.writes_run_folder:
            return
        if self.action == "die":
            os._exit(3)  # as a process killed by the system would: no goodbye to the others
        self.cancel.set()


def main() -> int:
    config = TrainConfig.from_dict(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    world = world_from_env()
    start_world(world, use_cuda=False, timeout_s=60)
    cancel = threading.Event()
    try:
        finished = run_training(config, Path(sys.argv[2]), lambda event: None, cancel, world=world,
                                callbacks=[OnProcessTwo(sys.argv[3], cancel)], own_process=True)
    finally:
        end_world()
    print(json.dumps({"rank": world.rank, **event_to_dict(finished)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
