"""No leak over 1,000 calls: the resident set size stays flat while lvsim.run (a small network
on a 4-image .npz data set, with rate faults), load_network and a raised error repeat."""

import os

import numpy as np

import lvsim
from conftest import SRC

TINY = os.path.join(SRC, "tests", "data", "tiny-linear.json")  # input 2x3x3, 4 classes


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_rss_stable_over_1000_calls(tmp_path):
    rng = np.random.default_rng(1)
    data = str(tmp_path / "four.npz")
    np.savez(data, x=rng.integers(0, 256, size=(4, 2, 3, 3), dtype=np.uint8), y=np.arange(4, dtype=np.uint8))

    def one(i):
        net = lvsim.load_network(TINY)
        r = lvsim.run(net, data, ber=1e-4, chip_seed=i, threads=1)
        assert r.images == 4 and r.predictions.shape == (4,)
        try:
            lvsim.run(net, data, ber_model="stuck_at")
            raise AssertionError("no error raised")
        except lvsim.InvalidInputError:
            pass

    for i in range(100):  # warm-up: allocator pools, caches
        one(i)
    before = rss_kib()
    for i in range(1000):
        one(i)
    grown = rss_kib() - before
    # The weight SRAM of one run is 1 MiB of words (edge-16x16, 131,072 words of 64 bits): a leak
    # of it per call would be ~1 GiB; a leaked 4-image report or network, a few MiB over 1,000 calls.
    assert grown < 2 * 1024, f"RSS grew by {grown} KiB over 1,000 calls"
