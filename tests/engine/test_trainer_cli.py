"""`python -m engine train` with the training options, and `--resume RUN_DIR`."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASIC = ["--arch", "mobilenet_v3_small", "--weights", "none", "--strategy", "full", "--image-size", "32",
         "--batch-size", "4", "--workers", "0", "--no-early-stopping"]


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1"}  # a busy shared CPU: one thread is fastest


def test_every_training_option_reaches_config_json(image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = [sys.executable, "-m", "engine", "train", str(image_folder), "--out", str(run), *BASIC, "--epochs", "1",
            "--optimizer", "adamw", "--lr", "0.001", "--schedule", "step", "--step-epochs", "2", "--step-gamma",
            "0.5", "--warmup-epochs", "1", "--weight-decay", "0.01", "--l1", "0.00001", "--label-smoothing", "0.1",
            "--augmentation", "medical", "--hflip", "--rotation", "5", "--imbalance", "balanced_sampling",
            "--monitor", "val_accuracy", "--min-delta", "0.01", "--no-restore-best", "--deterministic",
            "--no-image-cache", "--no-feature-cache", "--pretrained-lr-ratio", "0.2"]
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    saved = json.loads((run / "config.json").read_text())
    assert saved["optim"]["optimizer"] == "adamw" and saved["optim"]["lr"] == 0.001
    assert (saved["optim"]["l1"], saved["optim"]["label_smoothing"], saved["optim"]["weight_decay"]) == (1e-5, 0.1, 0.01)
    assert saved["optim"]["pretrained_lr_ratio"] == 0.2
    assert saved["schedule"] == {"kind": "step", "warmup_epochs": 1.0, "step_epochs": 2, "step_gamma": 0.5}
    assert saved["augment"]["hflip"] is True and saved["augment"]["rotation"] == 5.0
    assert saved["augment"]["brightness"] == 0.0, "the medical preset's other transforms are kept"
    assert saved["early_stopping"]["monitor"] == "val_accuracy" and saved["early_stopping"]["restore_best"] is False
    assert saved["imbalance"] == "balanced_sampling" and saved["deterministic"] is True
    assert saved["image_cache"] is False and saved["feature_cache"] is False
    assert "One epoch should take about" in result.stderr

    # The same --out again: refused, and the first run's history is not mixed with a second one.
    history = (run / "events.jsonl").read_bytes(), (run / "metrics.csv").read_bytes()
    again = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=300, check=False)
    assert again.returncode == 2 and "already holds a run" in again.stderr
    assert ((run / "events.jsonl").read_bytes(), (run / "metrics.csv").read_bytes()) == history
    assert json.loads((run / "config.json").read_text()) == saved


def test_an_interrupted_cli_run_continues_in_place_with_resume(image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = [sys.executable, "-m", "engine", "train", str(image_folder), "--out", str(run), *BASIC, "--epochs", "3"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env())
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("epoch   1"):
            process.send_signal(signal.SIGINT)  # Ctrl+C
            break
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, err
    assert "stopped by you" in out

    resumed = subprocess.run([sys.executable, "-m", "engine", "train", "--resume", str(run)], capture_output=True,
                             text=True, cwd=ROOT, env=_env(), timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "Continuing this run after epoch" in resumed.stderr
    assert "finished all 3 epochs" in resumed.stdout
    with open(run / "metrics.csv", newline="") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["1", "2", "3"]


def test_train_without_folder_or_resume_explains_itself(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "engine", "train"], capture_output=True, text=True, cwd=ROOT,
                            env=_env(), timeout=120, check=False)
    assert result.returncode == 2 and "--resume RUN_DIR" in result.stderr


def test_sigterm_stops_a_cli_run_like_ctrl_c_keeping_the_best_model(image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = [sys.executable, "-m", "engine", "train", str(image_folder), "--out", str(run), *BASIC, "--epochs", "50"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env())
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("epoch   1"):
            process.send_signal(signal.SIGTERM)  # `kill PID`, a session manager, a job scheduler
            break
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, err  # as for Ctrl+C: the job did not finish
    assert "stopped by you" in out and "the best model so far (epoch" in out, out
    assert (run / "model" / "model.json").is_file()
    assert "Traceback" not in err
