"""The run's report (report.html): written at the end of a run and on demand, with the run's real figures,
self-contained, never replacing a file without being asked, never in the image folder, and never carrying a
patient identifier from DICOM headers."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom import examples

from engine.cli.main import main as cli_main
from engine.config import (
    Augmentation,
    DataConfig,
    Device,
    EarlyStoppingConfig,
    ModelConfig,
    OptimConfig,
    Strategy,
    TrainConfig,
)
from engine.core.errors import OutputError
from engine.jobs.training_job import run_training_job
from engine.report.markup import pct
from engine.report.page import SECTIONS
from engine.report.write import ReportExistsError, write_report
from tests import messygen as gen
from tests.imagegen import make_image_folder
from tests.trained_run import TWO_CLASSES, copy_run, one_torch_thread, shared_run

DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_run(tmp_path_factory, TWO_CLASSES)


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert match, f"the report has no section {anchor}"
    return match.group(1)


def train(data: Path, run_dir: Path, **data_options: object) -> Path:
    config = TrainConfig(
        data=DataConfig(str(data), val_fraction=0.34, image_size=32, augmentation=Augmentation.NONE,
                        **data_options),  # type: ignore[arg-type]
        model=ModelConfig("resnet18", "none"), optim=OptimConfig(epochs=2, batch_size=8, lr=0.01),
        early_stopping=EarlyStoppingConfig(enabled=False), strategy=Strategy.FULL, device=Device.CPU, seed=0,
        num_workers=0)
    finished = run_training_job(config, run_dir, lambda _event: None)
    assert finished.succeeded, finished.detail
    assert finished.report_written is True
    return run_dir


def test_the_end_of_a_run_writes_a_report_with_the_runs_real_figures(binary_run: Path) -> None:
    page = (binary_run / "report.html").read_text(encoding="utf-8")
    summary = json.loads((binary_run / "metrics.json").read_text(encoding="utf-8"))
    card = json.loads((binary_run / "model" / "model.json").read_text(encoding="utf-8"))
    evaluation = section(page, "evaluation")
    assert f"<th>Accuracy</th><td>{pct(summary['accuracy'])}</td>" in evaluation
    assert f"<th>Balanced accuracy</th><td>{pct(summary['balanced_accuracy'])}</td>" in evaluation
    for name, scores in summary["per_class"].items():
        assert (f"<tr><td>{name}</td><td>{scores['precision']:.3f}</td><td>{scores['recall']:.3f}</td>"
                f"<td>{scores['f1']:.3f}</td><td class=\"n\">{scores['support']}</td></tr>") in evaluation
    for name, row in zip(summary["class_names"], summary["confusion_matrix"]):
        assert f"<td>true {name}</td>" + "".join(f'<td class="n">{n}</td>' for n in row) in evaluation
    binary = summary["binary"]
    assert f"<td>{pct(binary['sensitivity'])}</td>" in evaluation and binary["positive_class"] in evaluation
    training = section(page, "training")
    assert f"<th>Best epoch (the saved model)</th><td>{card['metrics']['best_epoch']}</td>" in training
    assert f"<td>{pct(card['metrics']['val_accuracy'])}</td>" in training


def test_the_report_is_one_self_contained_file_with_every_section(binary_run: Path) -> None:
    page = (binary_run / "report.html").read_text(encoding="utf-8")
    for anchor, title in SECTIONS:
        assert f"<h2>{title}</h2>" in section(page, anchor)
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) >= 5 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "href=\"http" not in page and "<link" not in page
    # Two classes: the ROC curve, the confusion matrix, calibration and the curves are all embedded.
    evaluation = section(page, "evaluation")
    assert evaluation.count("<img") == 3 and "ROC curve" in evaluation and "Decision threshold" in evaluation
    assert section(page, "training").count("<img") == 1
    assert "<img" in section(page, "gradcam")
    card = section(page, "model-card")
    assert "Intended use" in card and "Class balance" in card and "validation set does not cover" in card
    assert "not a cleared" not in page and "Not a medical device" not in page  # colour squares are no medical data


def test_a_report_is_never_replaced_without_asking(binary_run: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_run(binary_run, tmp_path / "run")
    report = run / "report.html"
    report.write_text("my notes", encoding="utf-8")
    with pytest.raises(ReportExistsError, match="exists already and was kept"):
        write_report(run)
    assert cli_main(["report", str(run)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert report.read_text(encoding="utf-8") == "my notes"
    assert cli_main(["report", str(run), "--overwrite"]) == 0
    assert "report written to" in capsys.readouterr().out
    assert '<section id="model-card">' in report.read_text(encoding="utf-8")


def test_a_failure_while_writing_keeps_the_previous_report(binary_run: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    run = copy_run(binary_run, tmp_path / "run")
    before = (run / "report.html").read_bytes()

    def broken(_run_dir: str) -> str:
        raise OutputError("the disk is full")

    monkeypatch.setattr("engine.report.page.build_report_html", broken)
    with pytest.raises(OutputError):
        write_report(run, overwrite=True)
    assert (run / "report.html").read_bytes() == before
    assert [p.name for p in run.iterdir() if p.name.startswith(".")] == []  # no half-written file left


def test_a_report_goes_where_asked_but_never_into_the_image_folder(binary_run: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_run(binary_run, tmp_path / "run")
    data_dir = Path(json.loads((run / "config.json").read_text(encoding="utf-8"))["data"]["data_dir"])
    before = sorted(p.name for p in data_dir.rglob("*"))
    assert cli_main(["report", str(run), "--out", str(data_dir / "red" / "report.html")]) == 2
    assert "inside the image folder" in capsys.readouterr().err
    assert sorted(p.name for p in data_dir.rglob("*")) == before
    elsewhere = tmp_path / "filed" / "run report.html"
    elsewhere.parent.mkdir()
    assert cli_main(["report", str(run), "--out", str(elsewhere)]) == 0
    assert "<h2>Model card</h2>" in elsewhere.read_text(encoding="utf-8")


def test_the_data_section_says_what_was_skipped_and_why(tmp_path: Path) -> None:
    data = make_image_folder(tmp_path / "images", {"red": 9, "green": 9})
    (data / "red" / "empty.png").write_bytes(b"")
    gen.truncated_jpeg(data / "green" / "cut.jpg")
    shutil.copy(data / "red" / "img_000.png", data / "red" / "copy.png")
    run = train(data, tmp_path / "run")
    part = section((run / "report.html").read_text(encoding="utf-8"), "data")
    assert '<td>Empty file (0 bytes)</td><td>empty_file</td><td class="n">1</td>' in part
    assert '<td>Damaged or incomplete file</td><td>truncated</td><td class="n">1</td>' in part
    assert '<td>Identical copy (used once)</td><td>duplicate</td><td class="n">1</td>' in part
    assert "<th>Images used</th><td>18</td>" in part


def test_no_patient_identifier_from_dicom_headers_reaches_the_report(tmp_path: Path) -> None:
    data = tmp_path / "scans"
    for i in range(5):
        gen.dicom(data / "normal" / f"n{i}.dcm", patient=f"SECRET-PATIENT-{i}", seed=i)
        gen.dicom(data / "tumour" / f"t{i}.dcm", patient=f"HIDDEN-ID-{i}", seed=20 + i)
    shutil.copy(examples.get_path("ct"), data / "tumour" / "ct.dcm")
    real = pydicom.dcmread(examples.get_path("ct"))
    run = train(data, tmp_path / "run", group_by_patient=True)
    page = (run / "report.html").read_text(encoding="utf-8")
    text = DATA_URI.sub("", page)
    pictures = b"".join(base64.b64decode(m) for m in DATA_URI.findall(page))
    secrets = ["SECRET-PATIENT", "HIDDEN-ID", "Doe^Jane", "Doe", str(real.PatientName), str(real.PatientID)]
    for secret in secrets:
        assert secret not in text, secret
    for secret in secrets[:3] + secrets[4:5]:
        assert secret.encode() not in pictures, secret
    card = section(page, "model-card")
    assert "Not a medical device." in card and "not a cleared or approved medical device" in card
    assert "the images include DICOM files" in card
    assert "Not a medical device." in page.split('<section id="data">')[0]  # also at the top of the page
    assert "by DICOM patient" in section(page, "data")


def test_the_strategy_section_gives_the_advisors_reasons_and_says_when_they_were_overridden(
        binary_run: Path, tmp_path: Path) -> None:
    run = copy_run(binary_run, tmp_path / "run")
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    assert config["strategy"] == "full" and config["advice"] is None
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "chosen by hand" in section(page, "strategy")
    config["advice"] = {"strategy": "head", "size": {"class": "small", "effective_images_per_class": 7.5},
                        "similarity": {"class": "similar", "source": "measured"},
                        "explanation": "Your dataset counts as small.\nWhy: the pretrained features fit.",
                        "risk": "Main risk: the classifier alone may not be enough."}
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    write_report(run, overwrite=True)
    part = section((run / "report.html").read_text(encoding="utf-8"), "strategy")
    assert "<th>Strategy</th><td>Train everything</td>" in part
    assert "<th>Advisor recommended</th><td>Train only the new classifier</td>" in part
    assert "<p>Why: the pretrained features fit.</p>" in part and "Main risk: the classifier alone" in part
    assert "The recommendation was overridden" in part


class FinishedTrainer:
    """What the report finisher uses of a trainer: the run folder, events and progress."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.events: list[object] = []

    def emit(self, event: object) -> None:
        self.events.append(event)

    def progress(self, *_args: object) -> None:
        pass


def test_a_resumed_run_keeps_its_earlier_report_and_says_so(binary_run: Path, tmp_path: Path) -> None:
    from engine.config import StopReason
    from engine.jobs.training_job import write_report_after_training
    from engine.run.events import Notice, RunFinished

    run = copy_run(binary_run, tmp_path / "run")
    (run / "report.html").write_text("the earlier report", encoding="utf-8")
    trainer = FinishedTrainer(run)
    finished = RunFinished(StopReason.FINISHED, "done", model_saved=True)
    write_report_after_training(trainer, finished)  # type: ignore[arg-type]
    assert (run / "report.html").read_text(encoding="utf-8") == "the earlier report"
    assert [e.message for e in trainer.events if isinstance(e, Notice)] == [
        "The run's earlier report.html was kept; Report… in the Results tab (or python -m engine report "
        "--overwrite) makes a new one for this model."]
    (run / "report.html").unlink()
    assert write_report_after_training(trainer, finished).report_written is True  # type: ignore[arg-type]
    assert "<h2>Model card</h2>" in (run / "report.html").read_text(encoding="utf-8")
