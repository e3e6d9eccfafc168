"""lvsim.import_onnx / from_torch against `lvsim import` (same network file, byte for byte), and
lvsim.chip against `lvsim chip --json` / `--export`."""

import os
import sys

import numpy as np
import pytest
import torch

import lvsim
from conftest import DATA, SRC, TECH14, cli, cli_json

sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import user_models  # noqa: E402

PRE = {"pixel_scale": 0.00392156862745098, "mean": [0.2860], "std": [0.3530]}
PRE_ARGS = ["--pixel-scale", "0.00392156862745098", "--mean", "0.2860", "--std", "0.3530"]


@pytest.fixture(scope="module")
def seq_cnn(tmp_path_factory):
    torch.manual_seed(11)
    model = user_models.SeqCnn().eval()
    d = tmp_path_factory.mktemp("torch")
    onnx_path = d / "SeqCnn.onnx"
    # The file the command line imports: torch.onnx.export as tools/torch/export.py calls it.
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), str(onnx_path), opset_version=13, input_names=["input"],
                      output_names=["scores"], do_constant_folding=True)
    return model, onnx_path


def test_from_torch_equals_export_and_cli_import(tmp_path, seq_cnn):
    model, onnx_path = seq_cnn
    net = lvsim.from_torch(model, torch.zeros(1, 1, 28, 28), preprocess=PRE, calib=DATA, calib_images=100, bits=7)
    assert net.name == "SeqCnn" and not net.needs_calibration and model.training is False
    net.save(tmp_path / "api.json")
    cli("import", onnx_path, "--out", tmp_path / "cli.json", "--bits", 7, *PRE_ARGS, "--name", "SeqCnn",
        "--calib-data", DATA, "--calib-images", 100)
    assert (tmp_path / "api.json").read_bytes() == (tmp_path / "cli.json").read_bytes()
    r = lvsim.run(net, DATA, images=200)
    expected = cli_json("run", "--network", tmp_path / "cli.json", "--data", DATA, "--images", 200)
    assert r.predictions.tolist() == expected["predictions"] and r.accuracy == expected["accuracy"]


def test_import_onnx_uncalibrated_then_run(tmp_path, seq_cnn):
    _, onnx_path = seq_cnn
    net = lvsim.import_onnx(str(onnx_path), bits=6, granularity="per_channel", **PRE)
    assert net.needs_calibration
    net.save(tmp_path / "api.json")
    cli("import", onnx_path, "--out", tmp_path / "cli.json", "--bits", 6, "--granularity", "per_channel", *PRE_ARGS)
    assert (tmp_path / "api.json").read_bytes() == (tmp_path / "cli.json").read_bytes()
    r = lvsim.run(net, DATA, images=100, calib_images=64)
    expected = cli_json("run", "--network", tmp_path / "cli.json", "--data", DATA, "--images", 100,
                        "--calib-images", 64)
    assert r.calibrated and r.predictions.tolist() == expected["predictions"]
    with pytest.raises(lvsim.InvalidInputError):
        lvsim.import_onnx(str(onnx_path), granularity="per_channel", **PRE)  # a scheme option needs bits


def test_chip_ber_report_and_export(tmp_path):
    volts = [0.9, 0.86, 0.82]
    c = lvsim.chip(TECH14, 5)
    expected = cli_json("chip", "--tech", TECH14, "--chip-seed", 5, "--voltages", "0.9,0.86,0.82")
    ber = c.ber(volts)
    assert isinstance(ber, np.ndarray) and ber.tolist() == [row["ber"] for row in expected["ber_vs_voltage"]]
    assert ber[0] < ber[-1]  # more cells fail at lower voltage
    assert c.ber(0.82) == ber[-1]
    assert c.report(volts) == expected
    c.export(tmp_path / "api.json", voltage=0.84)
    cli("chip", "--tech", TECH14, "--chip-seed", 5, "--export", tmp_path / "cli.json", "--export-voltage", 0.84)
    assert (tmp_path / "api.json").read_bytes() == (tmp_path / "cli.json").read_bytes()
    r = lvsim.run(os.path.join(SRC, "workloads/networks/fmnist-cnn.json"), DATA, tech=TECH14, v_sram=0.84,
                  fault_map=str(tmp_path / "api.json"), images=50)
    # The exported map, loaded by run, holds the cells the chip report counts at that voltage.
    assert r.faults["source"] == "fault_map"
    assert r.faults["failing_cells"] == c.report(volts, voltage=0.84)["at_voltage"]["failing_cells"] > 0
