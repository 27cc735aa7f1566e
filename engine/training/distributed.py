"""One run on several processes through PyTorch's own engine: torchrun + DistributedDataParallel.

``torchrun --nproc_per_node=N -m engine train DATA --out RUN …`` starts N copies of the CLI; each finds its
place in the environment torchrun sets (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``/``PORT``).
NCCL joins them on GPUs (one GPU a process), gloo on CPUs. What that changes, and what it does not:

* **The run folder has one writer**: process 0 (events, metrics.csv, checkpoints, model, evaluation); the others
  only read it (split.json, the checkpoint to resume from). ``config.json`` records ``resolved.world_size``.
* **The batch size is the batch of all processes together**: each global batch is dealt out among the processes
  (:class:`engine.data.loaders.RankShard`) and DDP averages their gradients, so a step is the one-process step
  and the learning rate needs no scaling (docs/cluster.md says why). A run resumes on any number of processes.
* **Figures are the whole epoch's**: each process's loss and accuracy sums are added up (all-reduce) before the
  epoch's figures are made, so every process sees the same numbers.
* **Decisions are made once**: Stop (Ctrl+C, SIGTERM, the window's Stop) is agreed before every batch, and the
  end-of-epoch decision (early stopping, a failure) is process 0's, broadcast, so every process ends at the same
  batch. A process that dies ends the run on every process with one sentence; its last checkpoint is kept.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
from torch import nn

from engine.core.i18n import tr

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a process waits for the others at a collective before it gives up (a hung, not a dead, process).
DEFAULT_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class World:
    """This process's place among those that train one run together (one process: rank 0 of 1).

    Example:
        >>> world_from_env({"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1"})
        World(rank=1, size=2, local_rank=1)
        >>> world_from_env({}).active
        False
    """

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def active(self) -> bool:
        return self.size > 1

    @property
    def is_main(self) -> bool:
        """Process 0, the one writer of the run folder."""
        return self.rank == 0


def world_from_env(env: Mapping[str, str] | None = None) -> World:
    """The :class:`World` torchrun describes in the environment (one process when it says nothing)."""
    env = os.environ if env is None else env
    size = int(env.get("WORLD_SIZE", "1") or 1)
    if size <= 1:
        return World()
    return World(rank=int(env.get("RANK", "0")), size=size, local_rank=int(env.get("LOCAL_RANK", "0")))


def start_world(world: World, use_cuda: bool, timeout_s: float | None = None) -> None:
    """Join the other processes (NCCL on GPUs, one GPU per local rank; gloo on CPUs)."""
    if not world.active or torch.distributed.is_initialized():
        return
    if use_cuda:
        torch.cuda.set_device(world.local_rank)  # "cuda" now means this process's own GPU
    timeout = timeout_s or float(os.environ.get("FINETUNE_STUDIO_DIST_TIMEOUT_S", DEFAULT_TIMEOUT_S))
    torch.distributed.init_process_group("nccl" if use_cuda else "gloo", rank=world.rank,
                                         world_size=world.size, timeout=datetime.timedelta(seconds=timeout))
    log.info("process %d of %d joined (%s)", world.rank + 1, world.size, "nccl" if use_cuda else "gloo")


def end_world() -> None:
    if torch.distributed.is_initialized():
        try:
            torch.distributed.destroy_process_group()
        except Exception as exc:  # noqa: BLE001 - the others may be gone already; nothing is left to do
            log.warning("leaving the process group failed: %s", exc)


class PeerLost(Exception):
    """Another process of the run failed or disappeared; ``str()`` is the sentence to show."""


class Collective:
    """The few things the processes of one run do together; on one process each is the identity.

    Example:
        >>> solo = Collective(World())
        >>> solo.any(True), solo.broadcast("process 0's"), solo.sum([2.0, 3.0])
        (True, "process 0's", [2.0, 3.0])
    """

    def __init__(self, world: World, device: torch.device | None = None) -> None:
        self.world = world
        self.device = device or torch.device("cpu")

    def any(self, flag: bool) -> bool:
        """True on every process when it is true on any (e.g. Stop pressed where one process hears it)."""
        if not self.world.active:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        self._run(torch.distributed.all_reduce, value, op=torch.distributed.ReduceOp.MAX)
        return bool(value.item() > 0)

    def sum(self, values: list[float]) -> list[float]:
        """Each value added up over the processes (float64, so counts stay exact)."""
        if not self.world.active:
            return values
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        self._run(torch.distributed.all_reduce, tensor)
        return [float(v) for v in tensor.tolist()]

    def broadcast(self, value: T) -> T:
        """Process 0's ``value`` on every process (a decision made once)."""
        if not self.world.active:
            return value
        box: list[Any] = [value]
        self._run(torch.distributed.broadcast_object_list, box, src=0)
        return box[0]  # type: ignore[no-any-return]

    def gather(self, value: T) -> list[T]:
        """Every process's ``value``, in rank order."""
        if not self.world.active:
            return [value]
        out: list[Any] = [None] * self.world.size
        self._run(torch.distributed.all_gather_object, out, value)
        return out

    def _run(self, operation: Any, *args: Any, **kwargs: Any) -> None:
        try:
            operation(*args, **kwargs)
        except (RuntimeError, ValueError) as exc:  # gloo/NCCL: a peer closed its connection or timed out
            log.warning("a collective failed: %s", exc)
            raise PeerLost(lost_sentence(self.world)) from exc


def lost_sentence(world: World) -> str:
    return tr("One of the {count} training processes stopped unexpectedly (its own output says why), so the run "
              "stopped on every process.", count=world.size)


def wrap_for_world(world: World, device: torch.device) -> Any:
    """The function that wraps a module in DistributedDataParallel (``None`` on one process).

    Frozen parameters are left out by DDP itself; a module whose trainable set changes (gradual unfreezing) is
    wrapped again (:meth:`engine.training.session.Session.unfrozen`), on every process at the same epoch.
    """
    if not world.active:
        return None

    def wrap(module: nn.Module) -> nn.Module:
        ids = [device.index if device.index is not None else world.local_rank] if device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(module, device_ids=ids)

    return wrap


class SetupAgreement:
    """The two moments every process of a run meets while starting: process 0 has prepared the run folder
    (config.json, split.json, the first checkpoint), then every process is ready. A process that failed says
    so at the next meeting instead of leaving the others waiting, and they end with its sentence."""

    STEPS = 2

    def __init__(self, collective: Collective) -> None:
        self.collective = collective
        self.done = 0

    def meet(self, ok: bool = True, sentence: str = "") -> None:
        """Raises :class:`PeerLost` (with the failed process's sentence) when another process failed."""
        world = self.collective.world
        if not world.active or self.done >= self.STEPS:
            return
        self.done += 1
        results = self.collective.gather((ok, sentence))
        failed = [(rank, said) for rank, (fine, said) in enumerate(results) if not fine]
        if ok and failed:
            rank, said = failed[0]
            raise PeerLost(tr("Process {rank} of {count} could not start: {reason}", rank=rank + 1, count=world.size,
                               reason=said))

    def fail(self, sentence: str) -> None:
        """This process cannot go on: tell the others at every meeting left."""
        if not self.collective.world.active:
            return
        try:
            while self.done < self.STEPS:
                self.meet(False, sentence)
        except PeerLost:  # the others are gone too: nobody is left waiting
            self.done = self.STEPS


def is_peer_failure(exc: BaseException) -> bool:
    """An error raised because another process of the run died (DDP's gradient averaging, gloo, NCCL)."""
    if isinstance(exc, (PeerLost, torch.distributed.DistError)):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(w in text for w in ("gloo", "nccl", "connection", "peer"))
