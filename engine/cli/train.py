"""``python -m engine train DATA_DIR --out RUN_DIR [options]``: writes the run folder, one line per epoch.

``--prepare-only`` writes the run folder's settings and split and stops; ``train --config RUN/config.json``
trains such a prepared folder (also under torchrun, on a cluster: docs/cluster.md).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from engine.core.i18n import tr

if TYPE_CHECKING:
    from engine.run.events import RunFinished


#: The settings of the first group of ``train --help``, in its order (the others: train_options.py and co.).
BASIC_OPTIONS = ("optim.epochs", "optim.batch_size", "optim.lr", "data.image_size", "data.val_fraction", "seed",
                 "device", "early_stopping.patience", "early_stopping.enabled", "data.augmentation", "num_workers")


def register(sub: Any) -> None:
    from engine.cli.option_args import add_options

    parser = sub.add_parser("train", help=tr("train a model into a run folder"))
    parser.add_argument("data_dir", nargs="?", help=tr("the image folder (not needed with --resume)"))
    parser.add_argument("--out", metavar="RUN_DIR", help=tr("the run folder to create (required unless --resume)"))
    parser.add_argument("--resume", metavar="RUN_DIR", help=tr("continue an interrupted run in place"))
    parser.add_argument("--config", metavar="RUN_CONFIG",
                        help=tr("a prepared run folder (or its config file): train it as --prepare-only left it "
                                "(no other options)"))
    parser.add_argument("--prepare-only", action="store_true",
                        help=tr("write the run folder's config.json and split.json and stop without training, to "
                                "start it later with --config (e.g. with torchrun on a cluster)"))
    add_options(parser, ("model.arch", "model.weights"))  # --arch not given: a model folder names its own
    # Written by hand: "auto" (ask the advisor) is no value of the strategy setting.
    parser.add_argument("--strategy", default="head", choices=["auto", "head", "partial", "full"],
                        help=tr("auto: let the advisor measure your data and choose; head: train only the new "
                                "classifier; partial: freeze the lower half; full: train everything"))
    add_options(parser, BASIC_OPTIONS)
    from engine.cli.train_options import add_training_options

    add_training_options(parser)
    from engine.cli.model_options import add_model_options

    add_model_options(parser)
    from engine.cli.strategy_options import add_split_options

    add_split_options(parser)
    parser.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> Any:
    """The config every option of the table gives (at once: rules that tie settings together see them all).

    The augmentation transforms go on top of the chosen preset; the fine-tuning schedule waits for the advisor
    (:func:`engine.cli.strategy_options.apply_strategy_option`).
    """
    from engine.cli.option_args import option_values
    from engine.cli.train_options import augment_from_args
    from engine.config import DataConfig, TrainConfig, option, with_options
    from engine.models.sources import arch_for_weights

    values = option_values(args)
    plain = {path: value for path, value in values.items() if not option(path).cli_unset}
    plain["model.arch"] = arch_for_weights(args.arch, args.weights)  # --weights DIR: read from its config.json
    config = with_options(TrainConfig(DataConfig(args.data_dir)), {**plain, "strategy": _initial_strategy(args)})
    return config.replace(augment=augment_from_args(config, values))


def _initial_strategy(args: argparse.Namespace) -> Any:
    from engine.config import Strategy

    if args.strategy == "auto":  # decided by the advisor once the data is known
        return Strategy.HEAD if args.weights != "none" else Strategy.FULL
    return Strategy(args.strategy)


def run(args: argparse.Namespace) -> int:
    from engine.data.report import scan_image_folder

    if args.config:
        return _train_prepared(args)
    if args.resume:
        given = _options_beside(args, "resume")
        if given:
            print(tr("error: --resume continues {run} and keeps every setting the run was started with, so "
                     "{options} cannot be used with it; to train with other settings, start a new run "
                     "(--weights {run} starts it from this run's model).", run=args.resume, options=", ".join(given)),
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        return _train(None, Path(args.resume))
    if not args.data_dir or not args.out:
        print(tr("error: give the image folder and --out RUN_DIR (or --resume RUN_DIR)."), file=sys.stderr)
        return EXIT_BAD_INPUT
    from engine.run.location import check_run_location

    check_run_location(args.data_dir, args.out)  # before anything is read or written
    config = config_from_args(args)
    from engine.cli.model_options import apply_freeze_options

    config = apply_freeze_options(config, args)  # --freeze, --freeze-upto
    from engine.cli.strategy_options import apply_exclude_option, apply_strategy_option

    config = apply_exclude_option(config, args)
    # Refuse an unusable folder before creating a run folder, with the same exit code as `scan`.
    scan_image_folder(args.data_dir, use_folder_split=config.data.use_folder_split,
                      exclude=config.data.exclude).require_trainable()
    config = apply_strategy_option(config, args)
    if args.prepare_only:
        return _prepare(config, Path(args.out))
    return _train(config, Path(args.out))


def _prepare(config: Any, run_dir: Path) -> int:
    from engine.training.distributed import world_from_env
    from engine.training.prepared import prepare_run_folder

    if not world_from_env().is_main:  # started by torchrun: process 0 prepares the one folder
        return EXIT_OK
    split = prepare_run_folder(config, run_dir)  # a StudioError is one sentence (engine/cli/main.py)
    print(tr("Prepared {run}: {train} training and {val} validation images of {classes} classes, nothing trained "
             "yet. Start it with: python -m engine train --config {config} (or torchrun --nproc_per_node=N -m "
             "engine train --config …).", run=run_dir, train=len(split.train), val=len(split.val),
             classes=len(split.classes), config=_config_path(run_dir)))
    return EXIT_OK


def _config_path(run_dir: Path) -> Path:
    from engine.core.run_layout import RunLayout

    return RunLayout(run_dir).config


def _train_prepared(args: argparse.Namespace) -> int:
    """``--config RUN/config.json`` (or ``RUN``): train the folder a ``--prepare-only`` wrote, on its split."""
    given = _options_beside(args, "config")
    if given:
        print(tr("error: --config trains {config} with the settings it was prepared with, so {options} cannot be "
                 "used with it; prepare the run again with other settings.", config=args.config,
                 options=", ".join(given)), file=sys.stderr)
        return EXIT_BAD_INPUT
    path = Path(args.config).expanduser()
    run_dir = path if path.is_dir() else path.parent
    from engine.run.folder import RunFolder
    from engine.run.start import is_unstarted

    folder = RunFolder(run_dir)
    config = folder.read_config()  # a ConfigError says the folder is no run folder, in words
    if not is_unstarted(run_dir):
        print(tr("error: {run} has already been trained; continue it with --resume {run} instead.", run=run_dir),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    return _train(config, run_dir, prepared=True)


def _options_beside(args: argparse.Namespace, kept: str) -> list[str]:
    """The options given beside ``--resume`` or ``--config`` (``kept``: its dest) that would be ignored: those
    that differ from the default."""
    sub = argparse.ArgumentParser().add_subparsers()
    register(sub)  # a fresh parser of this command: its defaults are what "not given" means
    parser = sub.choices["train"]
    given = []
    for action in parser._actions:
        if action.dest in ("help", kept, "func") or getattr(args, action.dest, None) == action.default:
            continue
        given.append(action.option_strings[0] if action.option_strings else tr("an image folder"))
    return given


def _train(config: Any, run_dir: Path, *, prepared: bool = False) -> int:
    """Train (``config``) or continue (``config=None``) ``run_dir``; Ctrl+C or SIGTERM stops within one batch.
    ``prepared``: ``run_dir`` was written by ``--prepare-only`` (its split is kept)."""
    from engine.config import StopReason
    from engine.jobs.training_job import run_training_job
    from engine.training.distributed import world_from_env

    resume = config is None
    if resume:
        from engine.training.resume import load_run_config

        config = load_run_config(run_dir)
    world = world_from_env()  # started by torchrun: one of several processes (engine/training/distributed.py)
    cancel, pause = threading.Event(), threading.Event()
    with _stop_on_signals(cancel, pause), _joined(world, config) as config:
        finished = run_training_job(config, run_dir, print_event if world.is_main else _quiet, cancel,
                                    pause=pause, resume=resume, own_process=True, world=world, prepared=prepared)
    if world.is_main:  # the outcome sentence goes to stdout, but a failure's to stderr (scripts read errors there)
        print(finished.detail, file=sys.stderr if finished.reason is StopReason.FAILED else sys.stdout)
    else:  # one line per other process, so that a log shows they all ended alike
        # English keeps "1 epochs": a log line scripts compare across processes (the reason is its code).
        print(tr("process {rank} of {size}: {reason} after {epochs} epochs", rank=world.rank + 1, size=world.size,
                 reason=finished.reason.value, epochs=finished.epochs_completed), file=sys.stderr)
    if world.is_main:
        print_assessment(finished)
    if finished.succeeded:
        return EXIT_OK
    return EXIT_BAD_INPUT if finished.input_error else EXIT_FAILED


def print_assessment(finished: RunFinished) -> None:
    """The saved model next to chance and the majority class, and what to try when it is weak (one line each)."""
    assessment = finished.assessment
    if not assessment:
        return
    from engine.evaluation.assessment import Assessment

    label = finished.saved_model
    if label and label.lower() not in finished.detail.lower():
        print(f"{label}.")
    for sentence in Assessment.from_dict(assessment).sentences:
        print(sentence)


@contextlib.contextmanager
def _joined(world: Any, config: Any) -> Iterator[Any]:
    """Join the other processes of a torchrun launch (gloo on CPUs, NCCL on GPUs) for the run, and train them
    all on process 0's config; on one process, nothing to do."""
    if not world.active:
        yield config
        return
    import torch

    from engine.training.distributed import Collective, end_world, start_world

    start_world(world, use_cuda=torch.cuda.is_available() and config.device.value in ("auto", "cuda"))
    try:
        yield Collective(world).broadcast(config)
    finally:
        end_world()


def _quiet(event: Any) -> None:
    """The other processes of a distributed run print nothing while training: process 0 speaks for the run."""


@contextlib.contextmanager
def _stop_on_signals(cancel: threading.Event, pause: threading.Event) -> Iterator[None]:
    """Ctrl+C (SIGINT) and SIGTERM (``kill``, a session manager, a job scheduler) stop within one batch and keep
    the best model, instead of ending the process with nothing saved. SIGUSR1 pauses and SIGUSR2 continues
    (the window's Pause for a run on several GPUs, engine/jobs/torchrun_runner.py)."""
    handlers: dict[int, Any] = {signal.SIGINT: lambda *_: cancel.set(), signal.SIGTERM: lambda *_: cancel.set()}
    if hasattr(signal, "SIGUSR1"):  # not on Windows
        handlers[signal.SIGUSR1] = lambda *_: pause.set()
        handlers[signal.SIGUSR2] = lambda *_: pause.clear()
    previous = {number: signal.signal(number, handler) for number, handler in handlers.items()}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def print_event(event: Any) -> None:
    from engine.run.events import EpochEnded, EpochTimeEstimate, Notice, OverfitWarning, RunStarted

    if isinstance(event, RunStarted):
        print(tr("training {classes} classes on {device}: {train} training images, {val} validation images",
                 classes=len(event.classes), device=event.device, train=event.train_images, val=event.val_images),
              flush=True)
    elif isinstance(event, EpochEnded):
        line = tr("epoch {epoch:3d}  train loss {train_loss:.4f} acc {train_accuracy:.3f}  val loss {val_loss:.4f} "
                  "acc {val_accuracy:.3f}  {seconds:.1f}s", epoch=event.epoch, train_loss=event.train_loss,
                  train_accuracy=event.train_accuracy, val_loss=event.val_loss, val_accuracy=event.val_accuracy,
                  seconds=event.seconds)
        print(tr("{line}  *best", line=line) if event.is_best else line, flush=True)
    elif isinstance(event, Notice):
        if event.level == "warning":
            print(tr("warning: {message}", message=event.message), file=sys.stderr, flush=True)
        else:
            print(tr("info: {message}", message=event.message), file=sys.stderr, flush=True)
    elif isinstance(event, (EpochTimeEstimate, OverfitWarning)):
        print(tr("note: {message}", message=event.message), file=sys.stderr, flush=True)
