"""Starting weights: download with progress, cancel and checksum; safe files only; mismatches in words."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from engine.core.errors import WeightsError
from engine.models import weights
from engine.models.catalog import build_classifier, create_model
from engine.models.weights import (
    apply_weights,
    download_imagenet_weights,
    imagenet_weights_cached,
    imagenet_weights_path,
    import_weights_file,
    load_starting_weights,
    offline_help,
    read_weights_file,
    weights_cache_dir,
)


def _pretend_imagenet_file(folder: Path, arch: str = "mobilenet_v3_small") -> Path:
    """A weights file for ``arch`` named the way torch hub names downloads: <name>-<sha256 prefix>.pth."""
    torch.manual_seed(0)
    tmp = folder / "weights.pth"
    torch.save(create_model(arch).state_dict(), tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    named = folder / f"{arch}-{digest[:8]}.pth"
    tmp.rename(named)
    return named


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ImageNet weights "served" from a file:// URL (no internet here)."""
    source = _pretend_imagenet_file(tmp_path)
    monkeypatch.setattr(weights, "imagenet_url", lambda arch: source.as_uri())
    return source


def test_download_reports_progress_verifies_and_lands_in_the_torch_cache(served: Path) -> None:
    seen: list[tuple[int, int]] = []
    assert not imagenet_weights_cached("mobilenet_v3_small")
    path = download_imagenet_weights("mobilenet_v3_small", progress=lambda d, t: seen.append((d, t)))
    assert path == weights_cache_dir() / served.name and path.read_bytes() == served.read_bytes()
    assert seen[-1] == (served.stat().st_size, served.stat().st_size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert imagenet_weights_cached("mobilenet_v3_small")
    assert str(weights_cache_dir()).startswith(os.environ["TORCH_HOME"])  # never the user's real cache


def test_cancelling_a_download_leaves_nothing_behind(served: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weights, "_CHUNK", 64 * 1024)

    class CancelAfterFirstChunk:
        calls = 0

        def is_set(self) -> bool:
            self.calls += 1
            return self.calls > 1

    with pytest.raises(WeightsError, match="cancelled"):
        download_imagenet_weights("mobilenet_v3_small", cancel=CancelAfterFirstChunk())
    assert list(weights_cache_dir().iterdir()) == []


def test_a_damaged_download_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _pretend_imagenet_file(tmp_path)
    wrong = good.with_name("mobilenet_v3_small-00000000.pth")
    good.rename(wrong)
    monkeypatch.setattr(weights, "imagenet_url", lambda arch: wrong.as_uri())
    with pytest.raises(WeightsError, match="damaged"):
        download_imagenet_weights("mobilenet_v3_small")
    assert list(weights_cache_dir().iterdir()) == []


def test_offline_message_names_the_file_and_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "resnet18-f37072fd.pth"
    monkeypatch.setattr(weights, "imagenet_url", lambda arch: missing.as_uri())
    with pytest.raises(WeightsError) as exc:
        download_imagenet_weights("resnet18")
    message = str(exc.value)
    assert "resnet18-f37072fd.pth" in message and str(weights_cache_dir()) in message
    assert "Import weights file" in message
    assert message == offline_help("resnet18")


def test_a_malicious_pickle_executes_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    plain = tmp_path / "evil.pth"
    plain.write_bytes(pickle.dumps({"conv1.weight": Payload()}))
    zipped = tmp_path / "evil-zip.pt"
    torch.save({"conv1.weight": torch.zeros(1), "extra": Payload()}, zipped)
    for path in (plain, zipped):
        with pytest.raises(WeightsError, match="contains program code"):
            read_weights_file(path)
    assert not marker.exists()


def test_safetensors_and_plain_state_dicts_and_run_folders_are_read(tmp_path: Path) -> None:
    tensors = {"a": torch.ones(2, 3)}
    save_file(tensors, str(tmp_path / "w.safetensors"))
    torch.save({"state_dict": tensors}, tmp_path / "w.pt")
    run = tmp_path / "run" / "model"
    run.mkdir(parents=True)
    save_file(tensors, str(run / "model.safetensors"))
    for source in (tmp_path / "w.safetensors", tmp_path / "w.pt", tmp_path / "run"):
        assert torch.equal(read_weights_file(source)["a"], tensors["a"])
    (tmp_path / "broken.safetensors").write_bytes(b"not really")
    with pytest.raises(WeightsError, match="not a readable safetensors"):
        read_weights_file(tmp_path / "broken.safetensors")


def test_shape_mismatches_are_listed_in_plain_words() -> None:
    model, head = build_classifier("resnet18", 3)
    state = create_model("resnet18").state_dict()
    state["layer1.0.conv1.weight"] = torch.zeros(32, 64, 3, 3)
    del state["layer4.1.bn2.running_mean"]
    with pytest.raises(WeightsError) as exc:
        apply_weights(model, state, head, "the file test.pth")
    message = str(exc.value)
    assert "2 layers differ" in message
    assert "layer1.0.conv1.weight has size 32×64×3×3 in the file but 64×64×3×3 in this model" in message
    assert "layer4.1.bn2.running_mean is not in the file" in message and "Traceback" not in message


def test_weights_of_another_architecture_say_so() -> None:
    model, head = build_classifier("resnet18", 3)
    with pytest.raises(WeightsError, match="for a different model"):
        apply_weights(model, create_model("mobilenet_v3_small").state_dict(), head, "x.pth")


def test_the_old_head_is_skipped_and_everything_else_loaded() -> None:
    model, head = build_classifier("resnet18", 3)
    source = create_model("resnet18").state_dict()
    report = apply_weights(model, {"module." + k: v for k, v in source.items()}, head, "x")  # DataParallel keys
    assert report.skipped_head == ("fc.weight", "fc.bias")
    assert torch.equal(model.state_dict()["conv1.weight"], source["conv1.weight"])


def test_vit_position_embeddings_follow_the_image_size() -> None:
    model, _head = build_classifier("vit_b_16", 3, image_size=64, meta=True)
    state = {"encoder.pos_embedding": torch.randn(1, 197, 768)}
    adapted = weights._adapt_position_embedding(model, state)
    assert adapted["encoder.pos_embedding"].shape == (1, 17, 768)


def test_importing_the_official_file_puts_it_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    official = _pretend_imagenet_file(tmp_path)
    monkeypatch.setattr(weights, "imagenet_url", lambda arch: "https://example.invalid/" + official.name)
    imported = import_weights_file("mobilenet_v3_small", official)
    assert imported.in_cache and imported.path == imagenet_weights_path("mobilenet_v3_small")
    assert imagenet_weights_cached("mobilenet_v3_small") and "no download is needed" in imported.message
    state, source = load_starting_weights("imagenet", "mobilenet_v3_small")
    assert state is not None and official.name in source


def test_importing_other_fitting_weights_records_their_path(tmp_path: Path) -> None:
    model, _ = build_classifier("mobilenet_v3_small", 5)
    save_file(model.state_dict(), str(tmp_path / "mine.safetensors"))
    imported = import_weights_file("mobilenet_v3_small", tmp_path / "mine.safetensors")
    assert not imported.in_cache and imported.path == tmp_path / "mine.safetensors"
    assert "output layer for 5 classes will be replaced" in imported.message
    assert not imagenet_weights_cached("mobilenet_v3_small")
    with pytest.raises(WeightsError, match="different model"):
        import_weights_file("resnet18", tmp_path / "mine.safetensors")
