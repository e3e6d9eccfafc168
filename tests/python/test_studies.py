"""lvsim.sweep and lvsim.explore against `lvsim sweep` / `lvsim explore`: the same output files,
byte for byte, and the same rows as Python objects."""

import json
import os

import numpy as np

import lvsim
from conftest import NET, SRC, cli


def read(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def test_sweep_matches_cli_byte_for_byte(tmp_path, small_study):
    path, study = small_study
    seen = []
    r = lvsim.sweep(str(path), out=tmp_path / "api", threads=2, progress=lambda d, t: seen.append((d, t)))
    cli("sweep", "--study", path, "--out", tmp_path / "cli", "--threads", 1, "--quiet")
    for name in ("points.json", "points.csv", "summary.json", "summary.csv", "report.html"):
        assert read(tmp_path / "api", name) == read(tmp_path / "cli", name), name
    assert r.points == json.loads(read(tmp_path / "cli", "points.json"))["points"]
    assert r.summary == json.loads(read(tmp_path / "cli", "summary.json"))
    assert len(r) == 3 * 2 and r.out_dir == str(tmp_path / "api")
    assert seen == [(i, 6) for i in range(1, 7)]
    a = r.to_numpy()
    assert a.shape == (6,) and np.array_equal(a["correct"], [p["correct"] for p in r.points])
    assert r.to_dicts() == r.points and r.summary_numpy().shape[0] == 3


def test_sweep_from_dict_with_network_object_and_temporary_outputs(small_study):
    path, study = small_study
    by_file = lvsim.sweep(str(path), progress=False)
    net = lvsim.load_network(NET)
    d = dict(study, networks=[{"name": "cnn", "file": net}])
    by_dict = lvsim.sweep(d, progress=False)
    assert by_dict.out_dir is None
    strip = lambda pts: [{k: v for k, v in p.items() if k != "file"} for p in pts]
    assert strip(by_dict.points) == strip(by_file.points)


def test_explore_matches_cli(tmp_path):
    ex = {"format": "lvsim-exploration", "version": 1,
          "workloads": [{"network": NET}, {"topology": os.path.join(SRC, "workloads/topologies/alexnet.csv")}],
          "axes": {"array.rows": [8, 16, 32], "array.cols": [8, 32], "v_sram_v": [0.9, 0.7]}}
    path = tmp_path / "ex.json"
    path.write_text(json.dumps(ex))
    calls = []
    r = lvsim.explore(str(path), out=tmp_path / "api", progress=lambda d, t: calls.append((d, t)))
    cli("explore", "--exploration", path, "--out", tmp_path / "cli", "--quiet")
    for name in ("points.json", "points.csv", "layers.csv"):
        assert read(tmp_path / "api", name) == read(tmp_path / "cli", name), name
    assert calls == [(0, 12), (12, 12)]
    assert len(r) == 24 and r.outcome["points"] == 12
    from_dict = lvsim.explore(ex)
    assert from_dict.points == r.points
    # A Network object as a workload: saved first, same rows.
    with_object = lvsim.explore(dict(ex, workloads=[{"network": lvsim.load_network(NET), "name": "fmnist-cnn"},
                                                    ex["workloads"][1]]))
    assert with_object.points == r.points
    a = r.to_numpy()
    assert a.shape == (24,) and set(a["workload"]) == {"fmnist-cnn", "alexnet"}


class Stop(Exception):
    pass


def test_exception_in_progress_callback_stops_and_the_study_resumes(tmp_path, small_study):
    path, _ = small_study

    def stop_after_two(done, total):
        if done == 2:
            raise Stop()

    try:
        lvsim.sweep(str(path), out=tmp_path / "s", progress=stop_after_two)
        raise AssertionError("the callback's exception did not propagate")
    except Stop:
        pass
    assert not (tmp_path / "s" / "points.json").exists()
    r = lvsim.sweep(str(path), out=tmp_path / "s", progress=False)
    assert r.outcome["from_journal"] == 2 and r.outcome["points"] == 6
    full = lvsim.sweep(str(path), progress=False)
    assert r.points == full.points


def test_progress_choices(monkeypatch, capsys):
    import sys
    assert lvsim._progress(False) == (True, None)
    cb = lambda d, t: None  # noqa: E731
    assert lvsim._progress(cb) == (True, cb)
    monkeypatch.setitem(sys.modules, "ipykernel", object())  # as in a Jupyter kernel: stderr no terminal
    quiet, bar = lvsim._progress(None)
    assert quiet and bar is lvsim._notebook_bar
    bar(3, 6)
    bar(6, 6)
    assert capsys.readouterr().err == "\r[###############...............] 3/6 points\r[" + "#" * 30 + "] 6/6 points\n"


def test_sweep_norm_params_equals_cli_and_bad_value_names_the_field(tmp_path):
    """A study dict's "norm_params" (where GroupNorm's alpha' and beta live) = `lvsim sweep
    --norm-params`; the two placements differ on a GroupNorm network; a bad value is an lvsim.Error
    naming the field."""
    net = os.path.join(SRC, "tests/data/tiny-groupnorm.json")
    data = "/usr/share/datasets/fashion-mnist"
    study = {"format": "lvsim-study", "version": 1, "networks": [net], "data": {"dir": data, "images": 200},
             "sweep": {"ber": [0.05]}, "chips": {"seeds": [1, 2]}, "faults": {"model": "bit_flip"}}
    points = {}
    for where in ("sram", "register"):
        r = lvsim.sweep(dict(study, norm_params=where), out=tmp_path / f"api-{where}", progress=False)
        cli("sweep", "--network", net, "--data", data, "--images", 200, "--ber-list", 0.05, "--chips", "1,2",
            "--norm-params", where, "--out", tmp_path / f"cli-{where}", "--quiet")
        assert read(tmp_path / f"api-{where}", "points.csv") == read(tmp_path / f"cli-{where}", "points.csv")
        assert r.summary["study"]["norm_params"] == where
        points[where] = [(p["bits_stored"], p["correct"]) for p in r.points]
    assert points["sram"] != points["register"]
    try:
        lvsim.sweep(dict(study, norm_params="flash"), progress=False)
        raise AssertionError("accepted norm_params='flash'")
    except lvsim.Error as e:
        assert "norm_params" in str(e) and "flash" in str(e)
