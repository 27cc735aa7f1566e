"""``python -m engine train DATA_DIR --out RUN_DIR [options]``: writes the run folder, one line per epoch."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.cli.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser("train", help="train a model into a run folder")
    parser.add_argument("data_dir", nargs="?", help="the image folder (not needed with --resume)")
    parser.add_argument("--out", metavar="RUN_DIR", help="the run folder to create (required unless --resume)")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run in place")
    parser.add_argument("--arch", default="resnet18")
    parser.add_argument("--weights", default="imagenet", help="imagenet | none | PATH (weights file or run folder)")
    parser.add_argument("--strategy", default="head", choices=["auto", "head", "partial", "full"],
                        help="auto: let the advisor measure your data and choose; head: train only the new "
                             "classifier; partial: freeze the lower half; full: train everything")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    parser.add_argument("--patience", type=int, default=3, help="epochs without improvement before stopping")
    parser.add_argument("--no-early-stopping", action="store_true")
    parser.add_argument("--augmentation", default="light", choices=["none", "light", "strong", "medical"],
                        help="preset: none, light (crops, flips), strong, medical (no flips, no colour changes)")
    parser.add_argument("--workers", type=int, default=-1, help="image loader processes (-1: automatic)")
    from engine.cli.train_options import add_training_options

    add_training_options(parser)
    from engine.cli.model_options import add_model_options

    add_model_options(parser)
    from engine.cli.strategy_options import add_split_options

    add_split_options(parser)
    parser.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> Any:
    from engine.config import (Augmentation, DataConfig, Device, EarlyStoppingConfig, ModelConfig, OptimConfig,
                               TrainConfig)

    return TrainConfig(
        data=DataConfig(args.data_dir, val_fraction=args.val_fraction, image_size=args.image_size,
                        augmentation=Augmentation(args.augmentation)),
        model=ModelConfig(args.arch, args.weights),
        optim=OptimConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr),
        early_stopping=EarlyStoppingConfig(enabled=not args.no_early_stopping, patience=args.patience),
        strategy=_initial_strategy(args), device=Device(args.device), seed=args.seed, num_workers=args.workers,
    )


def _initial_strategy(args: argparse.Namespace) -> Any:
    from engine.config import Strategy

    if args.strategy == "auto":  # decided by the advisor once the data is known
        return Strategy.HEAD if args.weights != "none" else Strategy.FULL
    return Strategy(args.strategy)


def run(args: argparse.Namespace) -> int:
    from engine.cli.train_options import apply_training_options
    from engine.data.report import scan_image_folder

    if args.resume:
        given = _options_beside_resume(args)
        if given:
            print(f"error: --resume continues {args.resume} and keeps every setting the run was started with, so "
                  f"{', '.join(given)} cannot be used with it; to train with other settings, start a new run "
                  f"(--weights {args.resume} starts it from this run's model).", file=sys.stderr)
            return EXIT_BAD_INPUT
        return _train(None, Path(args.resume))
    if not args.data_dir or not args.out:
        print("error: give the image folder and --out RUN_DIR (or --resume RUN_DIR).", file=sys.stderr)
        return EXIT_BAD_INPUT
    from engine.run.location import check_run_location

    check_run_location(args.data_dir, args.out)  # before anything is read or written
    config = apply_training_options(config_from_args(args), args)
    from engine.cli.model_options import apply_model_options

    config = apply_model_options(config, args)  # --freeze, --freeze-upto, --head-dropout, --head-hidden
    from engine.cli.strategy_options import apply_split_options, apply_strategy_option

    config = apply_split_options(config, args)
    # Refuse an unusable folder before creating a run folder, with the same exit code as `scan`.
    scan_image_folder(args.data_dir, use_folder_split=config.data.use_folder_split,
                      exclude=config.data.exclude).require_trainable()
    config = apply_strategy_option(config, args)
    return _train(config, Path(args.out))


def _options_beside_resume(args: argparse.Namespace) -> list[str]:
    """The options given with ``--resume`` that a resume would ignore (those that differ from the default)."""
    sub = argparse.ArgumentParser().add_subparsers()
    register(sub)  # a fresh parser of this command: its defaults are what "not given" means
    parser = sub.choices["train"]
    given = []
    for action in parser._actions:
        if action.dest in ("help", "resume", "func") or getattr(args, action.dest, None) == action.default:
            continue
        given.append(action.option_strings[0] if action.option_strings else "an image folder")
    return given


def _train(config: Any, run_dir: Path) -> int:
    """Train (``config``) or continue (``config=None``) ``run_dir``; Ctrl+C or SIGTERM stops within one batch."""
    from engine.config import StopReason
    from engine.jobs.training_job import run_training_job

    resume = config is None
    if resume:
        from engine.training.resume import load_run_config

        config = load_run_config(run_dir)
    cancel = threading.Event()
    with _stop_on_signals(cancel):
        finished = run_training_job(config, run_dir, print_event, cancel, resume=resume, own_process=True)
    # The outcome sentence goes to stdout, but a failure's to stderr (scripts read errors there).
    print(finished.detail, file=sys.stderr if finished.reason is StopReason.FAILED else sys.stdout)
    if finished.succeeded:
        return EXIT_OK
    return EXIT_BAD_INPUT if finished.extra.get("input_error") else EXIT_FAILED


@contextlib.contextmanager
def _stop_on_signals(cancel: threading.Event) -> Iterator[None]:
    """Ctrl+C (SIGINT) and SIGTERM (``kill``, a session manager, a job scheduler) stop within one batch and keep
    the best model, instead of ending the process with nothing saved."""
    stop = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda *_: cancel.set()) for number in stop}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def print_event(event: Any) -> None:
    from engine.run.events import EpochEnded, EpochTimeEstimate, Notice, OverfitWarning, RunStarted

    if isinstance(event, RunStarted):
        print(f"training {len(event.classes)} classes on {event.device}: {event.train_images} training images, "
              f"{event.val_images} validation images", flush=True)
    elif isinstance(event, EpochEnded):
        best = "  *best" if event.is_best else ""
        print(f"epoch {event.epoch:3d}  train loss {event.train_loss:.4f} acc {event.train_accuracy:.3f}  "
              f"val loss {event.val_loss:.4f} acc {event.val_accuracy:.3f}  {event.seconds:.1f}s{best}", flush=True)
    elif isinstance(event, Notice):
        print(f"{event.level}: {event.message}", file=sys.stderr, flush=True)
    elif isinstance(event, (EpochTimeEstimate, OverfitWarning)):
        print(f"note: {event.message}", file=sys.stderr, flush=True)
