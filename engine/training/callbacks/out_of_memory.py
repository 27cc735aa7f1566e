"""Out-of-memory recovery: halve the batch and run the epoch again from the last checkpoint."""

from __future__ import annotations

import gc
import threading

import torch

from engine.core.errors import StudioError
from engine.core.i18n import tr
from engine.run.events import Notice
from engine.training.callbacks.base import Callback, Trainer
from engine.training.checkpoint import load_checkpoint, load_into


class OutOfMemoryRecovery(Callback):
    """Puts the model, optimizer and scaler back to the end of the previous epoch and halves the batch.

    Raises (from :meth:`on_out_of_memory`) :class:`StudioError` when one image per batch is already too many.
    """

    def on_out_of_memory(self, trainer: Trainer, epoch: int) -> None:
        s = trainer.session
        assert s is not None
        old = s.batch_size
        gpu = s.device.type == "cuda"
        if s.world.active:
            # The other processes are inside this step's gradient exchange: a retry here with another batch
            # would meet them at the wrong collective. This process ends; they end with it at once.
            fields = {"per_process": max(old // s.world.size, 1), "smaller": max(old // 2, 1)}
            raise StudioError(tr(
                "The GPU of one training process ran out of memory with its share of {per_process} images per "
                "batch. With several GPUs the batch cannot be halved on one of them alone: start the run again "
                "with a smaller batch size (for example {smaller}) or a smaller image size.", **fields) if gpu
                else tr("One training process ran out of memory with its share of {per_process} images per batch. "
                        "With several processes the batch cannot be halved on one of them alone: start the run "
                        "again with a smaller batch size (for example {smaller}) or a smaller image size.", **fields))
        if old <= 1:
            raise StudioError(tr("The GPU ran out of memory even with one image per batch. Choose a smaller "
                                 "image size or a smaller model.") if gpu else
                              tr("The computer ran out of memory even with one image per batch. Choose a smaller "
                                 "image size or a smaller model."))
        s.optimizer.zero_grad(set_to_none=True)
        # Only on the main thread (the training child, the CLI): in the window's process a collection on a worker
        # thread could destroy Qt objects off the GUI thread, which deadlocks (gui/gui_thread_gc.py).
        if threading.current_thread() is threading.main_thread():
            gc.collect()
        if s.device.type == "cuda":
            torch.cuda.empty_cache()
        checkpoint = load_checkpoint(trainer.folder.last_checkpoint)
        load_into(s.prepared.model, s.optimizer, checkpoint)
        if checkpoint.state.get("scaler") and s.scaler.is_enabled():
            s.scaler.load_state_dict(checkpoint.state["scaler"])
        s.rebuild_sources(old // 2)
        fields = {"old": old, "new": old // 2, "epoch": epoch}
        message = (tr("The GPU ran out of memory with batches of {old} images, so the batch size is now {new} and "
                      "epoch {epoch} starts again.", **fields) if gpu else
                   tr("The computer ran out of memory with batches of {old} images, so the batch size is now {new} "
                      "and epoch {epoch} starts again.", **fields))
        trainer.emit(Notice("warning", message))
