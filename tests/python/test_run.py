"""lvsim.run and lvsim.load_network against `lvsim run --json` (the independent side)."""

import threading
import time

import numpy as np

import lvsim
from conftest import DATA, NET, TECH14, cli_json, without_timing


def test_run_equals_cli_json_with_chip_faults():
    args = dict(tech=TECH14, v_sram=0.84, chip_seed=7, images=400, robust_error=True, threads=2)
    r = lvsim.run(NET, DATA, **args)
    expected = cli_json("run", "--network", NET, "--data", DATA, "--tech", TECH14, "--v-sram", 0.84,
                        "--chip-seed", 7, "--images", 400, "--robust-error", "--threads", 2)
    assert without_timing(r.to_dict()) == without_timing(expected)
    assert r.faults["weights_changed"] > 0  # the faults act: the comparison covers a faulty run


def test_run_equals_cli_json_with_rate_faults_and_network_object():
    net = lvsim.load_network(NET)
    r = lvsim.run(net, DATA, ber=0.02, ber_model="stuck_at", chip_seed=3, images=300, threads=1)
    expected = cli_json("run", "--network", NET, "--data", DATA, "--ber", 0.02, "--ber-model", "stuck_at",
                        "--chip-seed", 3, "--images", 300, "--threads", 1)
    assert without_timing(r.to_dict()) == without_timing(expected)
    # The golden reference engine (slow: few images).
    r = lvsim.run(net, DATA, ber=0.01, images=12, mode="golden", transient_ber=1e-4)
    expected = cli_json("run", "--network", NET, "--data", DATA, "--ber", 0.01, "--images", 12, "--mode", "golden",
                        "--transient-ber", 1e-4)
    assert without_timing(r.to_dict()) == without_timing(expected)


def test_run_equals_cli_json_with_weight_bits_and_streamed_weights(tmp_path):
    import json
    arch = json.load(open(NET.replace("workloads/networks/fmnist-cnn.json", "presets/arch/edge-16x16.json")))
    arch["dram"] = {"weights": "streamed"}
    arch["weight_sram"]["rows_per_bank"] = 1024
    path = str(tmp_path / "streamed.json")
    json.dump(arch, open(path, "w"))
    r = lvsim.run(NET, DATA, arch=path, weight_bits=4, v_sram=0.6, images=300)
    expected = cli_json("run", "--network", NET, "--data", DATA, "--arch", path, "--weight-bits", 4, "--v-sram", 0.6,
                        "--images", 300)
    assert without_timing(r.to_dict()) == without_timing(expected)
    assert r.dram["weights"] == "streamed" and r.bit_errors > 0


def test_groupnorm_parameters_in_sram_or_register_equal_cli_json():
    net = NET.replace("workloads/networks/fmnist-cnn.json", "tests/data/tiny-groupnorm.json")
    for where in ("sram", "register"):
        r = lvsim.run(net, DATA, ber=0.05, chip_seed=2, images=200, norm_params=where)
        expected = cli_json("run", "--network", net, "--data", DATA, "--ber", 0.05, "--chip-seed", 2, "--images", 200,
                            "--norm-params", where)
        assert without_timing(r.to_dict()) == without_timing(expected)
    try:
        lvsim.run(net, DATA, images=2, norm_params="flash")
        raise AssertionError("accepted norm_params='flash'")
    except lvsim.Error as e:
        assert "--norm-params" in str(e)


def test_result_fields_and_arrays():
    r = lvsim.run(NET, DATA, ber=0.01, images=200)
    assert isinstance(r.predictions, np.ndarray) and r.predictions.shape == (200,)
    assert r.labels.dtype == np.int32 and r.predictions_clean.shape == (200,)
    # Accuracy recomputed from the arrays, not read from the report.
    assert r.accuracy == np.mean(r.predictions == r.labels)
    assert r.accuracy_clean == np.mean(r.predictions_clean == r.labels)
    assert r.correct == int(np.sum(r.predictions == r.labels))
    layers = r.layers
    assert list(layers["name"]) == [l["name"] for l in r.layer_list]
    assert int(layers["cycles"].sum()) == r.total_cycles
    assert layers["output_shape"].shape == (len(r.layer_list), 3)
    assert "energy_breakdown_pj_weight_sram" in layers.dtype.names or any(
        n.startswith("energy_breakdown_pj_") for n in layers.dtype.names)
    assert r["accuracy"] == r.accuracy and "faults" in r.keys()


def test_threads_do_not_change_results():
    one = lvsim.run(NET, DATA, v_sram=0.84, tech=TECH14, images=300, threads=1)
    two = lvsim.run(NET, DATA, v_sram=0.84, tech=TECH14, images=300, threads=2)
    assert one.threads == 1 and two.threads == 2
    assert np.array_equal(one.predictions, two.predictions)
    a, b = without_timing(one.to_dict()), without_timing(two.to_dict())
    a.pop("threads"), b.pop("threads")
    assert a == b


def test_gil_released_while_simulating():
    done = []
    t = threading.Thread(target=lambda: done.append(lvsim.run(NET, DATA, images=3000, threads=1)))
    ticks = 0
    t.start()
    while t.is_alive():  # with the GIL held by the run, this loop could not turn
        ticks += 1
        time.sleep(0.002)
    t.join()
    assert done and done[0].images == 3000
    assert ticks >= 20, ticks


def test_load_network_and_save_roundtrip(tmp_path):
    net = lvsim.load_network(NET)
    assert net.name == "fmnist-cnn" and not net.needs_calibration
    assert net.macs_per_image == sum(l["macs_per_image"] for l in net.layers)
    out = tmp_path / "copy.json"
    net.save(out)
    again = lvsim.load_network(out)
    assert again.weights == net.weights
    r1 = lvsim.run(net, DATA, images=100, ber=0.01)
    r2 = lvsim.run(again, DATA, images=100, ber=0.01)
    assert np.array_equal(r1.predictions, r2.predictions)


def test_cycle_mode_in_its_own_interpreter():
    """The SystemC model runs once per process: equal to the CLI's, then a clear error (no abort)."""
    import json
    import subprocess
    import sys
    code = (f"import json, lvsim\nr = lvsim.run({NET!r}, {DATA!r}, images=2, mode='cycle', threads=1)\n"
            "print(json.dumps(r.to_dict()))\n"
            f"try:\n    lvsim.run({NET!r}, {DATA!r}, images=2, mode='cycle')\n"
            "except lvsim.InvalidInputError as e:\n    print(e)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    report, second = p.stdout.splitlines()
    expected = cli_json("run", "--network", NET, "--data", DATA, "--images", 2, "--mode", "cycle", "--threads", 1)
    assert without_timing(json.loads(report)) == without_timing(expected)
    assert second == "mode: cycle: SystemC simulates once per process; run it in a new process"


def test_run_topology_equals_cli_json(tmp_path):
    topo = NET.replace("networks/fmnist-cnn.json", "topologies/resnet18.csv")
    arch = NET.replace("workloads/networks/fmnist-cnn.json", "presets/arch/edge-16x16-streamed.json")
    r = lvsim.run_topology(topo, arch=arch, v_sram=0.7, weight_bits=6)
    expected = cli_json("run", "--topology", topo, "--arch", arch, "--v-sram", 0.7, "--weight-bits", 6)
    assert r.to_dict() == expected
    assert int(r.layers["cycles"].sum()) == r.total_cycles and len(r.layer_list) == 21
    assert r.compute_report.startswith("LayerID, Total Cycles")
    try:
        lvsim.run_topology(topo)  # resident: ResNet-18 does not fit the edge preset's SRAM
        assert False, "no error"
    except lvsim.InvalidInputError as e:
        assert 'dram.weights "streamed"' in str(e)
