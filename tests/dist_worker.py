"""One process of a 2-process run for tests/engine/test_distributed.py, started with torchrun's environment
variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT): ``python -m tests.dist_worker CONFIG RUN WHAT``.

It trains like the CLI does, with one test-only callback on process 2: ``die:E`` ends it abruptly (``os._exit``)
when epoch E starts; ``oom:E`` runs out of memory in its first step; ``stop:E`` presses Stop there (only process 2 hears it); ``pause:E`` presses Pause there and
releases it once process 1 has said it paused (it writes ``RUN.paused``). Each process prints its end, and the
pauses it announced, as one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import torch

from engine.config import TrainConfig
from engine.run.events import Event, RunPaused, event_to_dict
from engine.training.callbacks.base import Callback, Trainer
from engine.training.distributed import end_world, start_world, world_from_env
from engine.training.trainer import run_training

#: How long process 2 waits for process 1 to pause before releasing Pause anyway (the test then fails).
PAUSE_DEADLINE_S = 60


class OnProcessTwo(Callback):
    def __init__(self, what: str, cancel: threading.Event, pause: threading.Event, signal: Path) -> None:
        action, _, epoch = what.partition(":")
        self.action, self.epoch, self.cancel, self.pause, self.signal = action, int(epoch), cancel, pause, signal

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        if epoch != self.epoch or trainer.writes_run_folder:
            return
        if self.action == "die":
            os._exit(3)  # as a process killed by the system would: no goodbye to the others
        if self.action == "oom":  # its GPU runs out of memory in the first step of this epoch
            assert trainer.session is not None
            trainer.session.loss_fn = _out_of_memory
            return
        if self.action == "pause":
            self.pause.set()
            threading.Thread(target=self._release, daemon=True).start()
            return
        self.cancel.set()

    def _release(self) -> None:
        deadline = time.monotonic() + PAUSE_DEADLINE_S
        while not self.signal.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.pause.clear()


def _out_of_memory(*_args: object) -> None:
    raise torch.OutOfMemoryError("CUDA out of memory (a test)")


def main() -> int:
    config = TrainConfig.from_dict(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    world = world_from_env()
    start_world(world, use_cuda=False, timeout_s=60)
    cancel, pause = threading.Event(), threading.Event()
    run = Path(sys.argv[2])
    signal = run.with_name(run.name + ".paused")
    paused: list[list[object]] = []

    def sink(event: Event) -> None:
        if isinstance(event, RunPaused):
            paused.append([event.paused, event.epoch, event.step])
            if event.paused and world.is_main:
                signal.write_text("paused", encoding="utf-8")

    try:
        finished = run_training(config, run, sink, cancel, pause=pause, world=world,
                                callbacks=[OnProcessTwo(sys.argv[3], cancel, pause, signal)], own_process=True)
    finally:
        end_world()
    print(json.dumps({"rank": world.rank, "paused": paused, **event_to_dict(finished)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
