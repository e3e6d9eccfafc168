"""lvsim.sensitivity against `lvsim sensitivity --json` (the same document, byte for byte once
parsed), and its bad input raising with the command line's message."""
import json
import os

import pytest

import lvsim
from conftest import CLI, DATA, NET, TECH14, cli, cli_error


def test_sensitivity_equals_the_command_line(tmp_path):
    out = tmp_path / "s.json"
    cli("sensitivity", "--network", NET, "--data", DATA, "--tech", TECH14, "--voltage", "0.8", "--chips", "2",
        "--images", "100", "--by", "both", "--quiet", "--json", out)
    d = lvsim.sensitivity(NET, DATA, tech=TECH14, voltage=0.8, chips=2, images=100, by="both", threads=1)
    assert d == json.loads(out.read_text())
    assert [r["scope"] for r in d["rows"]][:2] == ["all", "layer"]
    rows = lvsim.table(d["rows"])
    assert rows["accuracy_drop_mean"][0] == d["rows"][0]["accuracy_drop_mean"]
    assert lvsim.sensitivity(NET, DATA, ber=0.01, chips=[3, 5], images=20)["chips"] == [3, 5]


def test_sensitivity_bad_input_as_the_command_line():
    with pytest.raises(lvsim.InvalidInputError) as e:
        lvsim.sensitivity(NET, DATA, voltage=0.5, ber=0.01, chips=1, images=20)
    assert str(e.value) == cli_error("sensitivity", "--network", NET, "--data", DATA, "--voltage", "0.5", "--ber",
                                     "0.01", "--chips", "1", "--images", "20")
    with pytest.raises(lvsim.InvalidInputError, match="--by"):
        lvsim.sensitivity(NET, DATA, voltage=0.5, chips=1, by="layers")
    with pytest.raises(lvsim.InvalidInputError, match="--mode"):
        lvsim.sensitivity(NET, DATA, voltage=0.5, chips=1, mode="cycle")
