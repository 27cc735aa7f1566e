"""SyncBatchNorm for a distributed run whose per-GPU batch is small (``--sync-batchnorm``, docs/cluster.md).

Each process of a DistributedDataParallel run normalises its BatchNorm layers over its own share of the batch
only: with 4 images per GPU those statistics are noisy and training suffers. SyncBatchNorm computes them over
every process's share (the whole batch), at the cost of one exchange per BatchNorm layer and step. It matters only
where BatchNorm trains: frozen BatchNorm layers stay in eval mode (engine/models/layers/freezing.py) and use
their pretrained statistics, so with the base frozen nothing is converted. PyTorch runs SyncBatchNorm on GPUs
only, so CPU (gloo) processes keep their own statistics, and are told so.
"""

from __future__ import annotations

from torch import nn

from engine.config import TrainConfig
from engine.core.i18n import tr
from engine.training.distributed import World

#: Below this many images per process the app suggests SyncBatchNorm (BatchNorm's statistics get noisy; the
#: usual advice, e.g. Wu & He 2018, is that batch statistics need about 16 images or more).
SUGGEST_BELOW = 16


def batchnorm_trains(module: nn.Module, config: TrainConfig) -> bool:
    """True when a BatchNorm layer of ``module`` trains now, or may once the fine-tuning schedule unfreezes
    layers (a head warm-up or gradual unfreezing).

    Example:
        >>> batchnorm_trains(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)), config)  # doctest: +SKIP
        True
    """
    later = config.finetune.head_warmup_epochs > 0 or config.finetune.unfreeze_every > 0
    for layer in module.modules():
        if isinstance(layer, nn.modules.batchnorm._BatchNorm):
            params = list(layer.parameters(recurse=False))
            if params and (later or any(p.requires_grad for p in params)):
                return True
    return False


def apply_sync_batchnorm(module: nn.Module, config: TrainConfig, world: World, device_type: str,
                         batch_size: int) -> str | None:
    """Convert ``module``'s BatchNorm layers to SyncBatchNorm in place when ``config.sync_batchnorm`` asks for it
    and it can help (several processes on GPUs, BatchNorm trains); returns a sentence for the run's notes: what
    was done, or the suggestion when each process's share of a batch is small (``None``: nothing to say).

    Example:
        >>> apply_sync_batchnorm(model, config, World(rank=0, size=4), "cuda", 32)  # doctest: +SKIP
        'BatchNorm is synchronised across the 4 processes (SyncBatchNorm): …'
    """
    if not world.active or not batchnorm_trains(module, config):
        return None
    share = max(1, batch_size // world.size)
    if not config.sync_batchnorm:
        if share < SUGGEST_BELOW:
            return tr("Each of the {count} processes takes only {share} images of every batch, too few for steady "
                      "BatchNorm statistics; --sync-batchnorm computes them over the whole batch.",
                      count=world.size, share=share)
        return None
    if device_type != "cuda":
        return tr("SyncBatchNorm runs on GPUs only: these processes run on the CPU, so each keeps its own "
                  "BatchNorm statistics.")
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(module)  # type: ignore[no-untyped-call]
    if converted is not module:  # only a bare BatchNorm layer is replaced as a whole; a classifier never is
        # not translated: a programming error (classifiers are never a bare BatchNorm layer)
        raise ValueError("a model that is one BatchNorm layer cannot be synchronised in place")
    return tr("BatchNorm is synchronised across the {count} processes (SyncBatchNorm): its statistics come from "
              "the whole batch of {batch} images, not each process's {share}.", count=world.size, batch=batch_size,
              share=share)
