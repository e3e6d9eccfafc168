"""Issue 22 item 3: `lvsim run`'s options are declared once (sim/cli/run_option_table.h). The command
line binds every entry, lvsim.run takes every Python keyword, and a bad value gets one message from
both, made by the same setter. The command line is the independent side of every comparison."""

import inspect
import json
import os
import re

import pytest

import lvsim
from conftest import DATA, NET, SRC, cli, cli_error, without_timing


def raised(fn, *args, **kwargs):
    with pytest.raises(lvsim.InvalidInputError) as e:
        fn(*args, **kwargs)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_every_option_is_bound_in_the_command_line():
    _, help_text, _ = cli("run", "--help")
    listed = set(re.findall(r"^\s+(--[a-z0-9-]+)", help_text, re.M)) - {"--help"}
    assert listed == set(lvsim._lvsim._run_option_cli_names())


def test_lvsim_run_takes_every_keyword_of_the_table():
    params = inspect.signature(lvsim.run).parameters
    keywords = {n for n, p in params.items() if p.kind is not inspect.Parameter.VAR_KEYWORD}
    assert keywords == set(lvsim._lvsim._run_option_names())
    # docs/python.md: a keyword is its option with "-" as "_"
    cli_names = set(lvsim._lvsim._run_option_cli_names())
    assert {"--" + k.replace("_", "-") for k in keywords} <= cli_names
    topology = set(inspect.signature(lvsim.run_topology).parameters) - {"topology"}
    assert topology <= keywords


def test_embedded_nul_in_a_path_names_the_option():
    nul = "the path holds a NUL character (no file has such a name)"
    assert raised(lvsim.run, "net.json\0.x", DATA) == "command line: --network: " + nul
    assert raised(lvsim.run, NET, DATA, fault_map="map.json\0.x") == "command line: --fault-map: " + nul
    assert raised(lvsim.run, NET, DATA, dump_layers="d\0") == "command line: --dump-layers: " + nul
    assert raised(lvsim.run_topology, "t.csv\0.x") == "command line: --topology: " + nul
    assert raised(lvsim.run, NET, DATA, ber_model="bit_flip\0") == "command line: --ber-model: the text holds a NUL character"


def test_wrong_types_name_the_option():
    assert raised(lvsim.run, NET, DATA, images=2.5) == "command line: --images: expected an integer, got float"
    assert raised(lvsim.run, NET, DATA, images=True) == "command line: --images: expected an integer, got bool"
    assert raised(lvsim.run, NET, DATA, images=2**70).startswith("command line: --images: must be a positive integer")
    assert raised(lvsim.run, NET, DATA, v_sram="x") == "command line: --v-sram: expected a number, got str"
    assert raised(lvsim.run, NET, DATA, v_sram=True) == "command line: --v-sram: expected a number, got bool"
    assert raised(lvsim.run, NET, DATA, mode=3) == "command line: --mode: expected a string, got int"
    assert raised(lvsim.run, NET, DATA, robust_error=1) == "command line: --robust-error: expected True or False, got int"
    assert raised(lvsim.run, NET, DATA, arch=5) == "command line: --arch: expected a path, got int"
    assert raised(lvsim.run, NET, None) == "command line: --data: a path is required, got None"
    assert raised(lvsim.run, None, DATA) == "command line: --network: a path is required, got None"
    assert raised(lvsim.run, NET, DATA, colour=1) == "run: colour: unknown keyword (the keywords are lvsim.run's)"
    assert raised(lvsim.run, NET, DATA, voltage=0.8) == "run: voltage: unknown keyword (the keywords are lvsim.run's)"


@pytest.mark.parametrize("keyword,value,option,text", [
    ("images", 2**70, "--images", str(2**70)),
    ("chip_seed", 2**64, "--chip-seed", str(2**64)),
    ("ber", 2.0, "--ber", "2.0"),
    ("mode", "slow", "--mode", "slow"),
    ("weight_bits", 9, "--weight-bits", "9"),
    ("v_sram", float("nan"), "--v-sram", "nan"),
    ("transient_ber", float("inf"), "--transient-ber", "inf"),
    ("clock_mode", "fast", "--clock-mode", "fast"),
])
def test_one_bad_value_one_message_from_both(keyword, value, option, text):
    given = {"images": 2, keyword: value}
    msg = raised(lvsim.run, NET, DATA, **given)
    cli_args = ["--images", 2] if keyword != "images" else []
    assert msg == cli_error("run", "--network", NET, "--data", DATA, *cli_args, option, text)
    assert msg.startswith("command line: " + option + ": ")


def test_topology_refuses_what_the_command_line_refuses():
    topo = os.path.join(SRC, "tests", "fuzz", "corpus", "topology", "fmnist-cnn.csv")
    msg = raised(lvsim.run_topology, topo, weight_bits=9)
    assert msg == cli_error("run", "--topology", topo, "--weight-bits", 9)


def test_given_keywords_reach_the_run():
    # The same options through both faces: the same report (the command line is the reference).
    r = lvsim.run(NET, DATA, images=8, ber=0.01, ber_model="stuck_at", stuck_at_1_fraction=0.25, chip_seed=3,
                  norm_params="register", calib="percentile", calib_images=64)
    _, out, _ = cli("run", "--network", NET, "--data", DATA, "--images", 8, "--ber", 0.01, "--ber-model", "stuck_at",
                    "--stuck-at-1-fraction", 0.25, "--chip-seed", 3, "--norm-params", "register", "--calib",
                    "percentile", "--calib-images", 64, "--json")
    assert without_timing(r.to_dict()) == without_timing(json.loads(out))
