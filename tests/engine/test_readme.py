"""The README's promises: the quick start commands exist, and its ten-line reload snippet really works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from engine.config import DataConfig, ModelConfig, OptimConfig, Strategy, TrainConfig
from engine.evaluation.predict import predict_images
from engine.jobs.training_job import run_training_job
from engine.models.saved import load_exported_model

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_exactly_the_two_make_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_picture_the_readme_shows_is_committed() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert pictures, "the tour shows the real window"
    for picture in pictures:
        assert (ROOT / picture).is_file(), f"README shows {picture}, which is not in the repository"


def test_the_reload_snippet_predicts_like_the_app(image_folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    config = TrainConfig(DataConfig(str(image_folder), image_size=32), ModelConfig("resnet18", "none"),
                         OptimConfig(epochs=1, batch_size=8), strategy=Strategy.FULL)
    assert run_training_job(config, run, lambda e: None).succeeded
    snippet = re.search(r"Reloading a saved model in plain Python:\s*```python\n(.*?)```", README, re.S)
    assert snippet is not None
    code = snippet.group(1).replace("RUN/", f"{run}/").replace('"x.jpg"', repr(str(image_folder / "red" / "img_000.png")))
    assert len(code.strip().splitlines()) <= 15
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    name, probability = result.stdout.split()
    app = next(predict_images(load_exported_model(run), [image_folder / "red" / "img_000.png"]))
    assert name == app.best[0]
    assert abs(float(probability) - app.best[1]) < 0.05
