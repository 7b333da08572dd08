"""The Python examples run (a few steps each)."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_transformer_lm_example(tmp_path):
    # The example's own extra (`examples`, also in `test`): progress bar and plot.
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    plot = tmp_path / "loss.png"
    out = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "examples", "transformer_lm", "train.py"),
            "--steps",
            "20",
            "--batch",
            "8",
            "--context",
            "32",
            "--plot",
            str(plot),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "20/20" in out.stdout and "sample:" in out.stdout
    final = re.search(r"^final loss: (\d+\.\d+) nats/char", out.stdout, re.M)
    assert final, out.stdout
    # Twenty steps already take the loss below a uniform guess over the characters (about 3.6).
    assert 0 < float(final.group(1)) < 3.5
    png = plot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 10_000  # a drawn figure (axes, labels, legend), not an empty image
