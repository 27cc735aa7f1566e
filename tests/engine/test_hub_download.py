"""Downloading a hub model by its id, against a local fake hub (tests/fakehub.py): what a user relies on.

huggingface_hub reads its endpoint at import, so the fixture points the module's copies at the fake hub (the
command-line test runs a child process with ``HF_ENDPOINT`` instead). The cache and the login are the test's own
(tests/conftest.py), never the user's.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

from engine.core.errors import WeightsError
from engine.models.hub_download import HubAccessError, download_hub_model, log_in
from engine.models.sources import resolve_hub_source
from tests.fakehub import CHUNK, FakeHub
from tests.hubgen import make_hub_folder
from tests.imagegen import make_image_folder

ROOT = Path(__file__).resolve().parents[2]
SPEC = "hf-hub:owner/tiny"
OFFLINE = "could not be downloaded from the Hugging Face hub (is this computer offline?)"


@pytest.fixture
def tiny(tmp_path: Path, hub: FakeHub) -> tuple[Path, str]:
    """``owner/tiny`` on the fake hub: (its folder there, its commit)."""
    folder = make_hub_folder(tmp_path / "served" / "tiny")
    return folder, hub.add("owner/tiny", folder)


def _cache(home: Path) -> Path:
    return home / "hf" / "hub"


def test_a_hub_id_downloads_config_and_weights_into_the_cache_with_progress(
        tiny: tuple[Path, str], hub: FakeHub, isolated_home: Path) -> None:
    served, commit = tiny
    calls: list[tuple[int, int]] = []
    folder = download_hub_model(SPEC, progress=lambda done, total: calls.append((done, total)))
    assert (folder.hub_id, folder.revision, folder.arch) == (SPEC, commit, "timm:test_efficientnet")
    assert folder.path == _cache(isolated_home) / "models--owner--tiny" / "snapshots" / commit
    for name in ("config.json", "model.safetensors"):
        assert (folder.path / name).read_bytes() == (served / name).read_bytes()
    size = (served / "model.safetensors").stat().st_size
    weights = [done for done, total in calls if total == size]
    assert len(weights) > 2 and weights == sorted(weights) and weights[-1] == size, calls
    assert {(r.method, r.path.rsplit("/", 1)[1]) for r in hub.file_requests()} >= {
        ("HEAD", "config.json"), ("GET", "config.json"), ("HEAD", "model.safetensors"), ("GET", "model.safetensors")}


def test_a_model_stored_in_xet_comes_over_plain_http_with_the_apps_progress(
        tmp_path: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants as constants

    served = make_hub_folder(tmp_path / "served" / "big", "test_vit3")  # 3 MiB of weights
    hub.add("owner/big", served, xet=True)  # most hub models are stored in Xet today
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)  # as a user's huggingface_hub starts
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 10 * 1024 * 1024)  # huggingface_hub's own piece
    calls: list[tuple[int, int]] = []
    folder = download_hub_model("hf-hub:owner/big", progress=lambda done, total: calls.append((done, total)))
    assert folder.weights.read_bytes() == (served / "model.safetensors").read_bytes()
    assert not [r for r in hub.requests if "xet-read-token" in r.path], "no Xet token asked for: the file came over HTTP"
    size = (served / "model.safetensors").stat().st_size
    assert size > 1 << 20 and len([d for d, t in calls if t == size]) >= size >> 20, \
        "progress (and Cancel) at least once a MiB"


def test_a_second_use_needs_no_network_at_all(tiny: tuple[Path, str], hub: FakeHub) -> None:
    first = download_hub_model(SPEC)
    hub.requests.clear()
    again = download_hub_model(SPEC)
    assert hub.requests == [] and again == first
    hub.stop()  # and with the hub gone too
    assert download_hub_model(SPEC) == first


def test_cancel_stops_a_slow_download_and_a_later_one_completes(tiny: tuple[Path, str], hub: FakeHub) -> None:
    served, _ = tiny
    size = (served / "model.safetensors").stat().st_size
    hub.delay_s = 0.02
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        if total == size:
            seen.append(done)
            if done >= 3 * CHUNK:
                cancel.set()  # as the window's Cancel button does, while bytes are still coming

    with pytest.raises(WeightsError, match=r"^The download was cancelled\.$"):
        download_hub_model(SPEC, progress=progress, cancel=cancel)
    assert seen[-1] < size, "stopped in the middle"
    hub.delay_s = 0.0
    folder = download_hub_model(SPEC)
    assert (folder.weights).read_bytes() == (served / "model.safetensors").read_bytes()


def test_a_gated_model_needs_the_login_and_the_token_stays_in_the_hub_folder(
        tmp_path: Path, hub: FakeHub, isolated_home: Path) -> None:
    hub.add("owner/gated", make_hub_folder(tmp_path / "gated"), gated_token="hf_right")
    with pytest.raises(HubAccessError, match="The model owner/gated is gated: its authors share it only with people"):
        download_hub_model("hf-hub:owner/gated")
    with pytest.raises(HubAccessError, match="did not accept this access token"):
        log_in("hf_wrong")
    assert log_in("  hf_right\n") == "tester"
    token_file = isolated_home / "hf" / "token"
    assert token_file.read_text() == "hf_right"
    written = [p for p in isolated_home.rglob("*") if p.is_file() and "hf_right" in p.read_text(errors="ignore")]
    assert sorted(p.name for p in written) == ["stored_tokens", "token"], "huggingface_hub's own files, nothing else"
    folder = download_hub_model("hf-hub:owner/gated")
    assert folder.weights.is_file() and folder.hub_id == "hf-hub:owner/gated"
    assert all(r.authorization == "Bearer hf_right" for r in hub.file_requests()[-2:])


def test_an_unknown_model_and_a_model_without_config_get_their_sentences(tmp_path: Path, hub: FakeHub) -> None:
    with pytest.raises(HubAccessError, match="The Hugging Face hub has no model owner/nothing that you can see"):
        download_hub_model("hf-hub:owner/nothing")
    folder = make_hub_folder(tmp_path / "noconfig")
    (folder / "config.json").unlink()
    hub.add("owner/noconfig", folder)
    with pytest.raises(WeightsError, match="has no config.json, so it is not a timm model the app can build"):
        download_hub_model("hf-hub:owner/noconfig")
    hub.add("owner/noweights", make_hub_folder(tmp_path / "noweights", weights=False))
    with pytest.raises(WeightsError, match="has no weights file .model.safetensors., so it is not a timm model"):
        download_hub_model("hf-hub:owner/noweights")


def test_an_unknown_version_gets_its_sentence(tiny: tuple[Path, str]) -> None:
    with pytest.raises(WeightsError, match="The hub model owner/tiny has no version v9. Leave the version out."):
        download_hub_model(SPEC, revision="v9")
    _, commit = tiny
    assert download_hub_model(SPEC, revision=commit).revision == commit


def test_a_model_with_only_an_old_bin_file_downloads_it_and_works_offline_later(tmp_path: Path,
                                                                               hub: FakeHub) -> None:
    import timm

    folder = make_hub_folder(tmp_path / "old", weights=False)
    torch.save(timm.create_model("test_efficientnet", num_classes=10).state_dict(), folder / "pytorch_model.bin")
    hub.add("owner/old", folder)
    got = download_hub_model("hf-hub:owner/old")
    assert got.weights.name == "pytorch_model.bin"
    assert got.weights.read_bytes() == (folder / "pytorch_model.bin").read_bytes()
    hub.requests.clear()
    assert download_hub_model("hf-hub:owner/old") == got
    assert hub.requests == [], "the cache knows the model has no model.safetensors"
    hub.stop()
    assert download_hub_model("hf-hub:owner/old") == got


def test_a_hub_that_cannot_be_reached_gets_the_offline_sentence_at_once(hub: FakeHub,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    hub.add("owner/tiny", Path("/nonexistent"))
    hub.stop()  # connection refused: the name resolves, but nothing answers
    with pytest.raises(WeightsError) as caught:
        download_hub_model(SPEC)
    assert OFFLINE in str(caught.value) and "https://huggingface.co/owner/tiny" in str(caught.value)
    assert not [r for r in caplog.records if "Retrying in" in r.getMessage()], "not after huggingface_hub's retries"


def test_resolve_hub_source_downloads_and_checks_the_architecture(tiny: tuple[Path, str]) -> None:
    _, commit = tiny
    folder = resolve_hub_source(SPEC, "timm:test_efficientnet")
    assert folder is not None and folder.revision == commit
    with pytest.raises(WeightsError, match="holds \"test_efficientnet\", but the chosen model is"):
        resolve_hub_source(SPEC, "timm:test_vit")


def test_training_from_a_hub_id_on_the_command_line_records_where_the_weights_came_from(
        tiny: tuple[Path, str], hub: FakeHub, tmp_path: Path, isolated_home: Path) -> None:
    served, commit = tiny
    images = make_image_folder(tmp_path / "images")
    run = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(isolated_home / "hf"), HF_HUB_DISABLE_TELEMETRY="1",
               OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-m", "engine", "train", str(images), "--out", str(run), "--weights", SPEC, "--epochs", "1",
         "--image-size", "32", "--batch-size", "8", "--device", "cpu", "--workers", "0", "--augmentation", "none"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert any(r.method == "GET" and r.path.endswith("/model.safetensors") for r in hub.requests)
    card = json.loads((run / "model" / "model.json").read_text())
    origin = card["origin"]
    assert card["architecture"] == "timm:test_efficientnet"
    assert (origin["hub_id"], origin["revision"], origin["weights_file"]) == (SPEC, commit, "model.safetensors")
    assert origin["sha256"] == hashlib.sha256((served / "model.safetensors").read_bytes()).hexdigest()
