"""Checkpoints: complete (model + optimizer + state), atomic, and honest about damage."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

from engine.training.checkpoint import (
    CheckpointError,
    load_checkpoint,
    load_into,
    read_model_state,
    remove_stale_temporaries,
    save_checkpoint,
    save_weights,
)


def _trained(seed: int = 0) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    for _ in range(3):
        loss = model(torch.randn(5, 4)).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, optimizer


def test_a_checkpoint_restores_model_optimizer_and_state_exactly(tmp_path: Path) -> None:
    model, optimizer = _trained()
    path = tmp_path / "checkpoints" / "last.safetensors"
    save_checkpoint(path, model, optimizer, {"epoch": 4, "early": {"wait": 2, "best": 0.25}})

    fresh_model, fresh_optimizer = _trained(seed=1)
    checkpoint = load_checkpoint(path)
    load_into(fresh_model, fresh_optimizer, checkpoint)

    assert checkpoint.epoch == 4 and checkpoint.state["early"] == {"wait": 2, "best": 0.25}
    for key, value in model.state_dict().items():
        assert torch.equal(value, fresh_model.state_dict()[key]), key
    before, after = optimizer.state_dict(), fresh_optimizer.state_dict()
    assert after["param_groups"][0]["betas"] == (0.8, 0.99)
    for pid, entry in before["state"].items():
        for name, value in entry.items():
            assert torch.equal(value, after["state"][pid][name]), (pid, name)
    assert set(read_model_state(path)) == set(model.state_dict()), "plain weights readable without the optimizer"


def test_best_weights_are_a_plain_state_dict_with_their_figures(tmp_path: Path) -> None:
    model, _ = _trained()
    path = tmp_path / "best.safetensors"
    save_weights(path, model, {"epoch": "3", "val_loss": "0.5"})
    checkpoint = load_checkpoint(path)
    assert checkpoint.state == {"epoch": 3, "val_loss": 0.5}
    nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)).load_state_dict(checkpoint.model)


def test_a_damaged_or_missing_checkpoint_is_reported_in_words(tmp_path: Path) -> None:
    model, optimizer = _trained()
    path = tmp_path / "last.safetensors"
    save_checkpoint(path, model, optimizer, {"epoch": 1})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="There is no checkpoint"):
        load_checkpoint(tmp_path / "nothing.safetensors")


WRITER = textwrap.dedent("""
    import os, sys
    import torch
    from torch import nn
    import engine.training.checkpoint as ck

    path = ck.Path(sys.argv[1])
    model = nn.Linear(64, 64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ck.save_checkpoint(path, model, optimizer, {"epoch": 1})

    def stuck_fsync(fd):
        print("writing", flush=True)  # the new bytes are in the temporary file, not yet in place
        sys.stdin.read()

    os.fsync = stuck_fsync  # the one os module every writer uses
    with torch.no_grad():
        model.weight.fill_(7.0)
    ck.save_checkpoint(path, model, optimizer, {"epoch": 2})
""")


def test_a_writer_killed_mid_save_leaves_the_previous_checkpoint_loadable(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints" / "last.safetensors"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        writer.kill()
    finally:
        writer.wait(30)
    assert list(path.parent.glob(".*.tmp")), "the killed writer left its temporary file"

    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 1
    assert not torch.equal(checkpoint.model["weight"], torch.full((64, 64), 7.0))
    assert remove_stale_temporaries(path.parent) == 1
    assert not list(path.parent.glob(".*.tmp"))
