"""The Python examples run (a few steps each)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_transformer_lm_example(tmp_path):
    plot = tmp_path / "loss.png"
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "transformer_lm", "train.py"),
                          "--steps", "20", "--batch", "8", "--context", "32", "--plot", str(plot)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "20/20" in out.stdout and "sample:" in out.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
