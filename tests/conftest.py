"""Shared fixtures: every test gets its own app folder and torch cache; nothing touches the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.core.i18n import LANGUAGE_VARIABLE, set_language
from tests.imagegen import make_image_folder


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("studio-home")
    monkeypatch.setenv("FINETUNE_STUDIO_HOME", str(home))
    # Weights "downloads" in tests go to a private torch cache, never ~/.cache/torch.
    monkeypatch.setenv("TORCH_HOME", str(home / "torch"))
    # Tests read English unless they choose a language (whatever this machine's locale), child processes too.
    monkeypatch.setenv(LANGUAGE_VARIABLE, "en")
    set_language("en")
    _private_offline_hub(home, monkeypatch)
    return home


def _private_offline_hub(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub: a private, empty cache and login, and its offline mode (tests never reach the network).
    Its settings are read once at import, so the module's copies are set too."""
    import huggingface_hub.constants as hub

    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(home / "hf" / "hub"))
    monkeypatch.setattr(hub, "HF_TOKEN_PATH", str(home / "hf" / "token"))
    monkeypatch.setattr(hub, "HF_STORED_TOKENS_PATH", str(home / "hf" / "stored_tokens"))  # login writes both
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)


@pytest.fixture
def korean() -> Iterator[None]:
    """The test speaks Korean (English again afterwards)."""
    set_language("ko")
    yield
    set_language("en")


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """Three learnable colour classes, 12 images each, 40x40 PNG."""
    return make_image_folder(tmp_path / "images")


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A local fake Hugging Face hub serving nothing yet (tests/fakehub.py), huggingface_hub pointed at it."""
    from tests.fakehub import use_fake_hub

    server = use_fake_hub(monkeypatch)
    yield server
    server.stop()
