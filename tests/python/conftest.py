"""Shared fixtures of the Python API tests (run from ctest: tests/CMakeLists.txt sets LVSIM_CLI,
LVSIM_SOURCE_DIR and PYTHONPATH=<build>/python). The command line is the independent side every
API result is compared with."""

import json
import os
import subprocess

import pytest

SRC = os.environ.get("LVSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("LVSIM_CLI", os.path.join(SRC, "build", "lvsim"))
NET = os.path.join(SRC, "workloads", "networks", "fmnist-cnn.json")
DATA = "/usr/share/datasets/fashion-mnist"
TECH14 = os.path.join(SRC, "presets", "tech", "14nm-normalized.json")
# Keys that measure the simulator's own wall-clock speed: different in every run, CLI or API.
TIMING_KEYS = ("wall_time_s", "images_per_second")


def cli(*args, check=True):
    """Runs the lvsim executable: (exit code, stdout, stderr)."""
    p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True,
                       env={**os.environ, "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE": "1"})
    if check and p.returncode != 0:
        raise AssertionError(f"lvsim {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
    return p.returncode, p.stdout, p.stderr


def cli_error(*args):
    """The one-line message of an lvsim command that must fail with exit 2 and no output."""
    code, out, err = cli(*args, check=False)
    assert code == 2 and out == "", (code, out, err)
    assert err.startswith("lvsim: error: ") and err.count("\n") == 1, err
    return err[len("lvsim: error: "):-1]


def cli_json(*args):
    return json.loads(cli(*args, "--json")[1])


def without_timing(report):
    return {k: v for k, v in report.items() if k not in TIMING_KEYS}


@pytest.fixture(scope="session")
def small_study(tmp_path_factory):
    """A study file: 3 voltages x 2 chips x 300 images on the 14 nm curve."""
    d = tmp_path_factory.mktemp("study")
    study = {"format": "lvsim-study", "version": 1, "networks": [{"name": "cnn", "file": NET}],
             "data": {"dir": DATA, "images": 300}, "technology": TECH14,
             "sweep": {"v_sram_v": [0.86, 0.84, 0.82]}, "chips": {"count": 2, "first_seed": 1},
             "max_drop": [0.01, 0.05]}
    path = d / "study.json"
    path.write_text(json.dumps(study))
    return path, study
