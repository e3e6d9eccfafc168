"""Issue 25: the Python API checks its arguments with the command line's own validators
(sim/cli/option_values.h) and refuses what no command line can say: embedded NULs, None for a required
path, wrong types, integers beyond 64 bits, empty voltage lists, NaN in a study dict. Each message
is the command line's where the command line can express the same mistake."""

import math

import pytest

import lvsim
from conftest import DATA, NET, cli, cli_error


def raised(fn, *args, **kwargs):
    with pytest.raises(lvsim.InvalidInputError) as e:
        fn(*args, **kwargs)
    return str(e.value)


def test_embedded_nul_in_a_path_is_refused():
    # run(net + "\0.x") loaded `net`: the C library reads a path up to its first NUL.
    msg = raised(lvsim.run, NET + "\0.x", DATA, images=2)
    assert msg == "command line: --network: the path holds a NUL character (no file has such a name)"
    msg = raised(lvsim.run, NET, DATA + "\0", images=2)
    assert msg == "command line: --data: the path holds a NUL character (no file has such a name)"
    assert "NUL" in raised(lvsim.load_network, NET + "\0")


def test_none_for_a_required_path_names_the_option():
    # was ": cannot open file" (an empty file name)
    assert raised(lvsim.load_network, None) == "command line: --network: a path is required, got None"
    assert raised(lvsim.run, NET, None) == "command line: --data: a path is required, got None"
    assert raised(lvsim.run_topology, None) == "command line: --topology: a path is required, got None"


def test_integers_beyond_64_bits_get_the_command_lines_message():
    # was a raw pybind11 TypeError
    msg = raised(lvsim.run, NET, DATA, images=2**70)
    assert msg == cli_error("run", "--network", NET, "--data", DATA, "--images", 2**70)
    assert msg.startswith("command line: --images: must be a positive integer")
    msg = raised(lvsim.run, NET, DATA, images=2, chip_seed=2**64)
    assert msg == cli_error("run", "--network", NET, "--data", DATA, "--images", 2, "--chip-seed", 2**64)
    assert raised(lvsim.run, NET, DATA, images=2.0) == "command line: --images: expected an integer, got float"
    assert raised(lvsim.run, NET, DATA, images=True) == "command line: --images: expected an integer, got bool"


def test_chip_voltage_lists_are_checked_as_the_command_line_checks_them():
    chip = lvsim.chip(seed=1)
    # chip.ber([]) returned the default 9-voltage table (plus one)
    assert raised(chip.ber, []) == "command line: --voltages: empty list"
    assert raised(chip.ber, [0.9, float("nan")]) == cli_error("chip", "--voltages", "0.9,nan")
    assert raised(chip.ber, ["0.9"]) == "command line: --voltages: expected numbers, got str"
    assert list(chip.ber([0.9, 0.8])) == [r["ber"] for r in chip.report([0.9, 0.8])["ber_vs_voltage"]]


def test_progress_must_be_a_callable_none_or_false(tmp_path):
    msg = raised(lvsim.sweep, {"format": "lvsim-study"}, out=tmp_path / "o", progress=5)
    assert msg == "progress: expected a callable, None or False, got int"


def test_nan_in_a_study_dict_names_the_field(tmp_path):
    study = {"format": "lvsim-study", "version": 1, "networks": [{"file": NET}], "data": {"dir": DATA},
             "sweep": {"v_sram_v": [0.9, math.nan]}, "chips": {"count": 1}}
    # was "malformed JSON at byte 197" (Python's json writes NaN, which JSON does not have)
    msg = raised(lvsim.sweep, study, out=tmp_path / "o")
    assert msg == "study: sweep.v_sram_v[1]: not a finite number (NaN and infinity have no JSON form)"


def test_import_option_values_name_the_option_not_the_model(tmp_path):
    model = tmp_path / "nope.onnx"
    model.write_bytes(b"not read: the option is checked first")
    msg = raised(lvsim.import_onnx, str(model), bits=8, pixel_scale=float("nan"))
    assert msg == "command line: --pixel-scale: must be a finite number > 0, got nan"
    assert msg == cli_error("import", model, "--out", tmp_path / "o.json", "--bits", 8, "--pixel-scale", "nan")
