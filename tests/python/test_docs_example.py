"""docs/python.md's example, run exactly as written (the ```python block of its "From a trained
PyTorch model" section): a briefly trained SeqCnn checkpoint -> lvsim.from_torch -> lvsim.sweep ->
an accuracy-vs-voltage plot written to a file. Prints the figures the plot shows."""

import os
import re
import subprocess
import sys

import numpy as np
import torch

from conftest import DATA, SRC

sys.path.insert(0, os.path.join(SRC, "tools", "torch"))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import lvsim_common  # noqa: E402
import user_models  # noqa: E402


def example_code():
    with open(os.path.join(SRC, "docs", "python.md")) as f:
        text = f.read()
    section = text.split("## From a trained PyTorch model", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def train_checkpoint(path):
    """One short epoch on 6,000 training images: a model that is trained, not a good one."""
    torch.manual_seed(0)
    images, labels = lvsim_common.load_fmnist("train", DATA)
    x, y = lvsim_common.normalize(images[:6000]), torch.from_numpy(labels[:6000].astype(np.int64))
    model = user_models.SeqCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for i in range(0, 6000, 100):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x[i:i + 100]), y[i:i + 100]).backward()
        opt.step()
    torch.save(model.state_dict(), path)


def test_docs_example_writes_the_plot(tmp_path):
    code = example_code()
    assert len(code.strip().splitlines()) <= 16
    train_checkpoint(tmp_path / "seqcnn.pt")
    code += ("\nprint('v_sram_v', ' '.join(f'{v:.2f}' for v in s['v_sram_v']))"
             "\nprint('accuracy_mean', ' '.join(f'{a:.4f}' for a in s['accuracy_mean']))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.environ.get("PYTHONPATH", ""),
                                                        os.path.join(SRC, "tests", "tools")])}
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    print(p.stdout)
    png = (tmp_path / "accuracy-vs-voltage.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10000
    acc = [float(a) for a in p.stdout.split("accuracy_mean ")[1].split()]
    assert len(acc) == 11 and acc[0] > 0.6  # trained: well above chance at the highest voltage
