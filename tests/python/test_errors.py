"""Bad input raises lvsim.Error subclasses (ValueError / FileNotFoundError) whose message is exactly
the command line's one line (`lvsim: error: MESSAGE` on stderr, exit 2); nothing crashes."""

import json

import pytest

import lvsim
from conftest import DATA, NET, TECH14, cli, cli_error


def raised(cls, fn, *args, **kwargs):
    with pytest.raises(cls) as e:
        fn(*args, **kwargs)
    assert isinstance(e.value, lvsim.Error)
    return str(e.value)


def test_missing_files_are_file_not_found(tmp_path):
    missing = str(tmp_path / "nope.json")
    msg = raised(FileNotFoundError, lvsim.run, missing, DATA)
    assert msg == cli_error("run", "--network", missing, "--data", DATA)
    msg = raised(lvsim.MissingFileError, lvsim.run, NET, str(tmp_path / "nodata"), images=5)
    assert msg == cli_error("run", "--network", NET, "--data", tmp_path / "nodata", "--images", 5)
    msg = raised(FileNotFoundError, lvsim.load_network, missing)
    assert msg == cli_error("run", "--network", missing, "--data", DATA)
    msg = raised(FileNotFoundError, lvsim.sweep, missing, out=tmp_path / "o")
    assert msg == cli_error("sweep", "--study", missing, "--out", tmp_path / "o2")


def test_bad_values_are_value_errors(tmp_path):
    msg = raised(ValueError, lvsim.run, NET, DATA, ber_model="stuck_at")
    assert msg == cli_error("run", "--network", NET, "--data", DATA, "--ber-model", "stuck_at")
    msg = raised(lvsim.InvalidInputError, lvsim.run, NET, DATA, tech=TECH14, v_sram=5.0, images=5)
    assert msg == cli_error("run", "--network", NET, "--data", DATA, "--tech", TECH14, "--v-sram", 5, "--images", 5)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "lvsim-network", "version": 1, "format": 2}')
    msg = raised(ValueError, lvsim.run, str(bad), DATA)
    assert msg == cli_error("run", "--network", bad, "--data", DATA)
    msg = raised(ValueError, lvsim.chip(TECH14, 3).ber, [5.0])
    assert msg == cli_error("chip", "--tech", TECH14, "--chip-seed", 3, "--voltages", 5.0)
    notonnx = tmp_path / "m.onnx"
    notonnx.write_bytes(b"not a model")
    msg = raised(ValueError, lvsim.import_onnx, str(notonnx))
    assert msg == cli_error("import", notonnx, "--out", tmp_path / "x.json")


def test_bad_study_and_exploration_files(tmp_path, small_study):
    _, study = small_study
    bad = dict(study, colour="red")
    path = tmp_path / "bad-study.json"
    path.write_text(json.dumps(bad))
    msg = raised(ValueError, lvsim.sweep, str(path), out=tmp_path / "o")
    assert msg == cli_error("sweep", "--study", path, "--out", tmp_path / "o2")
    # The same content as a dict: the same message, located at "study" instead of the file.
    msg_dict = raised(ValueError, lvsim.sweep, bad)
    assert msg_dict == msg.replace(str(path), "study")
    ex = {"format": "lvsim-exploration", "version": 1, "workloads": [{"network": NET}], "axes": {"array.rowz": [8]}}
    path = tmp_path / "bad-explore.json"
    path.write_text(json.dumps(ex))
    msg = raised(ValueError, lvsim.explore, str(path))
    assert msg == cli_error("explore", "--exploration", path, "--out", tmp_path / "e")


def test_argument_checks_of_the_option_parser():
    for kwargs in (dict(images=0), dict(threads=-1), dict(chip_seed=-1), dict(mode="slow"), dict(ber=2.0)):
        with pytest.raises(lvsim.InvalidInputError):
            lvsim.run(NET, DATA, **kwargs)
    with pytest.raises(lvsim.InvalidInputError):
        lvsim.run(42, DATA)
    with pytest.raises(lvsim.InvalidInputError):
        lvsim.sweep(42)
