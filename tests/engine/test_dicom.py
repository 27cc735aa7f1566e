"""DICOM through pydicom: real example files shipped with pydicom (offline) and generated ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom import examples

from engine.data.images.decode import ImageLoadError, load_image, load_image_with_info
from engine.data.report import scan_image_folder, split_dataset
from engine.data.report_files import report_to_csv, report_to_json
from tests import messygen as gen


def test_ct_example_goes_through_rescale_slope_and_intercept() -> None:
    path = examples.get_path("ct")
    ds = pydicom.dcmread(path)
    hounsfield = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    array, info = load_image_with_info(path)
    assert array.shape == (128, 128, 3) and info.source_format == "DICOM"
    assert "rescale slope/intercept" in info.conversions[0].message
    # No window in this file: the HU range is stretched, so the darkest HU is 0 and the brightest 255.
    assert array[..., 0].flat[hounsfield.argmin()] == 0 and array[..., 0].flat[hounsfield.argmax()] == 255


def test_mr_example_uses_the_files_own_window() -> None:
    path = examples.get_path("mr")
    ds = pydicom.dcmread(path)
    centre, width = float(ds.WindowCenter), float(ds.WindowWidth)
    array, info = load_image_with_info(path)
    expected = np.clip(((ds.pixel_array - (centre - 0.5)) / (width - 1) + 0.5) * 255, 0, 255).round()
    assert f"centre {centre:g}, width {width:g}" in info.conversions[0].message
    assert np.abs(array[..., 0].astype(int) - expected.astype(int)).max() <= 1


def test_generated_ct_window_maps_hounsfield_units_to_grey(tmp_path: Path) -> None:
    path = gen.dicom(tmp_path / "w.dcm", window=(40.0, 400.0))
    stored = pydicom.dcmread(path).pixel_array.astype(float)
    hu = stored - 1024
    array = load_image(path)[..., 0]
    assert (array[hu <= 40 - 200] == 0).all() and (array[hu > 40 + 200] == 255).all()
    inside = (hu > -150) & (hu < 230)
    assert inside.any() and ((array[inside] > 0) & (array[inside] < 255)).all()


def test_without_a_window_the_image_range_is_stretched(tmp_path: Path) -> None:
    array, info = load_image_with_info(gen.dicom(tmp_path / "n.dcm", window=None))
    assert array.min() == 0 and array.max() == 255 and "has no window" in info.conversions[0].message


def test_monochrome1_is_inverted_so_bright_means_dense(tmp_path: Path) -> None:
    path = gen.dicom(tmp_path / "m2.dcm", window=None)
    normal = load_image(path)
    ds = pydicom.dcmread(path)
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.save_as(tmp_path / "m1.dcm")
    assert np.array_equal(load_image(tmp_path / "m1.dcm"), 255 - normal)


def test_multi_frame_gives_the_first_frame_and_says_so(tmp_path: Path) -> None:
    path = gen.dicom(tmp_path / "multi.dcm", frames=3, window=None)
    first = pydicom.dcmread(path).pixel_array[0]
    array, info = load_image_with_info(path)
    assert array.shape == (16, 16, 3) and info.frames == 3
    assert [c.code for c in info.conversions] == ["dicom", "first_frame"]
    assert np.argmin(array[..., 0]) == np.argmin(first) and np.argmax(array[..., 0]) == np.argmax(first)


def test_extension_less_dicom_exports_are_recognised(tmp_path: Path) -> None:
    path = gen.dicom(tmp_path / "IM0001")
    assert load_image(path).shape == (16, 16, 3)


@pytest.mark.parametrize(("source", "reason"), [("rt_plan", "dicom_no_pixels"), ("waveform", "dicom_no_pixels")])
def test_dicom_files_without_pixel_data_are_skipped(source: str, reason: str) -> None:
    with pytest.raises(ImageLoadError) as caught:
        load_image(examples.get_path(source))
    assert caught.value.reason == reason and "holds no image" in str(caught.value)


def test_colour_dicom_examples_are_read_as_rgb() -> None:
    for name in ("rgb_color", "palette_color"):
        array = load_image(examples.get_path(name))
        assert array.ndim == 3 and array.shape[2] == 3 and array.std() > 10


def test_text_named_dcm_is_not_taken_for_dicom(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError) as caught:
        load_image(gen.write_bytes(tmp_path / "notes.dcm", b"not a dicom file at all\n" * 20))
    assert caught.value.reason == "not_an_image"


def test_patient_details_never_reach_reports_or_split_json(tmp_path: Path) -> None:
    root = tmp_path / "scans"
    for i in range(3):
        gen.dicom(root / "normal" / f"n{i}.dcm", patient="SECRET-PATIENT-42", seed=i)
        gen.dicom(root / "tumour" / f"t{i}.dcm", patient=f"OTHER-{i}", seed=10 + i)
    shutil.copy(examples.get_path("ct"), root / "tumour" / "ct.dcm")
    report = scan_image_folder(root)
    assert report.trainable and "dicom_privacy" in [w.code for w in report.warnings]
    split = split_dataset(report, val_fraction=0.3, seed=0, group_by_patient=True)
    written = json.dumps(split.to_dict()) + json.dumps(report_to_json(report)) + report_to_csv(report)
    for secret in ("SECRET-PATIENT-42", "Doe^Jane", "OTHER-1", str(pydicom.dcmread(examples.get_path("ct")).PatientID)):
        assert secret not in written
    assert split.to_dict()["grouping"]["by"] == "dicom_patient_id"
    sides = {p: side for side in ("train", "val") for p, _ in getattr(split, side)}
    assert len({sides[f"normal/n{i}.dcm"] for i in range(3)}) == 1  # one patient, one side
