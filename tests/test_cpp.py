"""Builds the C++ example and the C++ tests against the installed library
(find_package(MLX)) and runs them."""

import os
import shutil
import subprocess
import sys

import pytest

import mlx.core  # noqa: F401
import mlx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CMAKE_DIR = os.path.join(mlx.__path__[0], "share", "cmake", "MLX")

pytestmark = pytest.mark.skipif(
    shutil.which("cmake") is None or not os.path.isdir(CMAKE_DIR),
    reason="needs cmake and an installed (non-editable) mlx with its CMake package",
)


def build(source, build_dir):
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(
        [
            "cmake",
            "-S",
            source,
            "-B",
            build_dir,
            f"-DMLX_DIR={CMAKE_DIR}",
            "-DCMAKE_BUILD_TYPE=Release",
            *gen,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    subprocess.run(["cmake", "--build", build_dir], check=True, capture_output=True, text=True)


def run(exe):
    return subprocess.run([exe], capture_output=True, text=True, timeout=300)


def test_cmake_example(tmp_path):
    build(os.path.join(ROOT, "examples", "cmake_project"), str(tmp_path / "example"))
    out = run(str(tmp_path / "example" / "example"))
    assert out.returncode == 0, out.stderr
    assert "array([[5, 14],\n       [14, 50]], dtype=float32)" in out.stdout
    assert "dtype float32, device Device(cpu, 0)" in out.stdout


def test_cpp_unit_tests(tmp_path):
    build(os.path.join(ROOT, "tests", "cpp"), str(tmp_path / "cpp"))
    out = run(str(tmp_path / "cpp" / "cpp_tests"))
    sys.stdout.write(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert " 0 failed" in out.stdout


def test_export_example_runs_a_python_model(tmp_path):
    # A model exported from Python runs in the C++ program with the same result.
    import re

    model = str(tmp_path / "model.mlxfn")
    py = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "export", "export_mlp.py"), model],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert py.returncode == 0, py.stderr
    build(os.path.join(ROOT, "examples", "export"), str(tmp_path / "export"))
    out = subprocess.run(
        [str(tmp_path / "export" / "run_exported"), model, "2", "8", "0.5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert 'metadata: {"layers": [8, 16, 3]}' in out.stdout
    numbers = lambda s: [float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", s)]  # noqa: E731
    want, got = numbers(py.stdout), numbers(out.stdout.split("\n", 1)[1])
    assert len(want) == 6 and got == pytest.approx(want, rel=1e-5, abs=1e-6)
