"""The type stubs of mlx.core that the build writes (tools/stubgen.py) and the
wheel ships next to the extension: mypy sees mlx.core and its submodules
through them, with every function's signature.

They exist only in an installed package (pip install .); a source tree used
in place has none, and these tests are skipped there."""

import ast
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import textwrap

import pytest

import mlx
import mlx.core as mx

PACKAGE = os.path.dirname(os.path.abspath(mlx.__file__ or mlx.__path__[0]))
STUBS = os.path.join(PACKAGE, "core")
SUBMODULES = ["random", "fft", "linalg", "fast", "metal", "cuda", "distributed"]

pytestmark = [
    pytest.mark.skipif(
        not os.path.isfile(os.path.join(STUBS, "__init__.pyi")),
        reason=f"no stubs in {STUBS}: mlx is not an installed build (or was built with MLX_BUILD_STUBS=OFF)",
    ),
]

SCRIPT = """
import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim


def loss_fn(model: nn.Module, x: mx.array, y: mx.array) -> mx.array:
    return mx.mean(mx.square(model(x) - y))


model = nn.Linear(4, 2)
x = mx.random.normal((8, 4))
y = mx.zeros((8, 2), dtype=mx.float32)
opt = optim.Adam(learning_rate=1e-2)
loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
opt.update(model, grads)
mx.eval(model.parameters(), opt.state)

a: mx.array = mx.array([1.0, 2.0, 3.0])
g = mx.grad(lambda t: mx.sum(t * t))(a)
spectrum = mx.fft.fft(a, n=4)
q, r = mx.linalg.qr(mx.eye(3), stream=mx.cpu)
key = mx.random.key(0)
u = mx.random.uniform(shape=(2,), key=key)
n: int = a.ndim + a.size + a.shape[0]
dt: mx.Dtype = a.dtype
z = mx.fast.rms_norm(x, None, 1e-5)
mx.metal.is_available()
mx.distributed.is_available()
reveal_type(mx.zeros((2, 3)))
reveal_type(mx.random.normal)
"""


def _mypy(tmp_path, *args):
    pytest.importorskip("mypy")
    env = dict(os.environ)
    # mypy finds an installed mlx in site-packages; a package installed
    # anywhere else (pip install --target) goes on the PYTHONPATH, where mypy
    # also takes it as installed code (it reports no errors inside it).
    parent = os.path.dirname(PACKAGE)
    site_dirs = {
        os.path.realpath(p)
        for p in site.getsitepackages()
        + [site.getusersitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    }
    if os.path.realpath(parent) not in site_dirs:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [parent, env.get("PYTHONPATH")]))
    # Run from tmp_path: mypy also searches the current directory, and a
    # checkout's root has an mlx/ folder (the C++ sources).
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--no-error-summary",
            "--show-error-codes",
            *args,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return out.returncode, out.stdout + out.stderr


def test_stub_files_for_every_submodule():
    for name in SUBMODULES:
        assert hasattr(mx, name)
        assert os.path.isfile(os.path.join(STUBS, f"{name}.pyi")), name
    text = open(os.path.join(STUBS, "__init__.pyi")).read()
    # Every public name of mlx.core is defined in the stubs.
    defined = set()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update(a.asname or a.name for a in node.names)
    missing = [n for n in dir(mx) if not n.startswith("_") and n not in defined]
    assert not missing, missing
    assert "def grad(fun: collections.abc.Callable" in text
    assert "mlx::" not in text


def test_mypy_sees_mlx_core_through_the_stubs(tmp_path):
    script = tmp_path / "use_mlx.py"
    script.write_text(textwrap.dedent(SCRIPT))
    rc, out = _mypy(tmp_path, str(script))
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert not errors, out
    assert 'Revealed type is "mlx.core.array"' in out, out
    assert "def (shape: Any =" in out, out


def test_mypy_reports_a_missing_attribute(tmp_path):
    # The stubs are really what mypy reads: a name mlx.core lacks is an error.
    script = tmp_path / "typo.py"
    script.write_text(
        "import mlx.core as mx\nmx.zeros((2,)).no_such_method()\nmx.random.no_such_function()\n"
    )
    rc, out = _mypy(tmp_path, str(script))
    assert rc == 1, out
    assert '"array" has no attribute "no_such_method"' in out, out
    assert 'Module has no attribute "no_such_function"' in out, out


def test_stubs_pass_mypy_strict(tmp_path):
    # The stubs themselves are valid, fully annotated Python.
    shutil.copytree(
        STUBS, tmp_path / "stubs" / "mlx" / "core", ignore=shutil.ignore_patterns("*.so", "__pycache__")
    )
    (tmp_path / "stubs" / "mlx" / "__init__.pyi").write_text("")
    rc, out = _mypy(tmp_path / "stubs", "--strict", "-p", "mlx.core")
    assert rc == 0, out
