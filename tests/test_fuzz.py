"""A short, fixed-seed run of tools/fuzz.py: every public callable of mlx.core
is called with generated arguments in child processes, and none may crash the
process or hang, except the defects listed in KNOWN (which stay visible here
until they are fixed). The long runs are `python3 tools/fuzz.py --calls 50000`.
"""

import json
import os
import resource
import subprocess
import sys

import pytest

import mlx.core

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "tools", "fuzz.py")

# Each function is called CYCLES times (about 15 s on 2 cores).
SEED, CYCLES = 0, 8

# Crashes and hangs of the engine as it is today. Key: what the harness blames
# (a cause it names, or else the function called); value: the class and one
# line of Python that reproduces it. Remove an entry when it is fixed:
# test_known_defects_still_reproduce says when. Empty since issue 17 (the
# long runs, seeds 1, 2 and 3, found none); their regression tests are in
# test_limits.py.
# Where the mlx this test imports lives (an installed package in CI, the
# source tree's python/ in the dev loop): repro lines run against the same.
MLX_PATH = os.path.dirname(os.path.dirname(os.path.abspath(mlx.core.__file__)))

KNOWN = {}


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz")
    cmd = [
        sys.executable,
        FUZZ,
        "--seed",
        str(SEED),
        "--cycles",
        str(CYCLES),
        "--no-shrink",
        "--quiet",
        "--out",
        str(out),
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    path = out / "summary.json"
    assert path.exists(), p.stdout + p.stderr
    s = json.loads(path.read_text())
    assert not s["aborted"], s["aborted"]
    s["stdout"] = p.stdout
    s["returncode"] = p.returncode
    return s


def test_every_function_called(summary):
    assert summary["calls"] == CYCLES * summary["functions"]
    assert summary["uncovered"] == []
    assert summary["counts"]["returned"] > summary["calls"] // 4  # not all rejected


def test_no_crash_or_hang_beyond_known(summary):
    new = []
    for f in summary["failures"]:
        if f["class"] not in ("crash", "hang"):
            continue
        key = f.get("cause") or f["function"]
        if KNOWN.get(key, (None,))[0] != f["class"]:
            new.append(
                "%s %s in %s (call %d):\n    %s"
                % (f["class"].upper(), f["detail"], f["function"], f["call"], f["repro"])
            )
    assert not new, (
        "new crashes/hangs (shrink with: python3 tools/fuzz.py --seed %d "
        "--start CALL --calls 1):\n%s" % (SEED, "\n".join(new))
    )
    assert summary["returncode"] == (1 if summary["crash_or_hang"] else 0)


def _limit():
    if not os.environ.get("MLX_SANITIZER"):  # ASan needs the address space
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@pytest.mark.parametrize("key", sorted({KNOWN[k][1]: k for k in sorted(KNOWN)}.values()))
def test_known_defects_still_reproduce(key):
    cls, line = KNOWN[key]
    env = dict(os.environ, PYTHONPATH=MLX_PATH)
    try:
        p = subprocess.run(
            [sys.executable, "-c", line],
            capture_output=True,
            text=True,
            timeout=4,  # a hang is a hang after 4 s
            env=env,
            preexec_fn=_limit,
        )
    except subprocess.TimeoutExpired:
        assert cls == "hang", "%s: %s now hangs" % (key, line)
        return
    if p.returncode >= 0 and cls == "crash":
        pytest.fail(
            "%s looks fixed (exit status %d): remove it from KNOWN\n%s\n%s"
            % (key, p.returncode, line, p.stderr[-500:])
        )
    assert cls == "crash", "%s: %s no longer hangs: remove it from KNOWN" % (key, line)


def test_a_crash_is_shrunk_to_a_line_that_crashes(summary, tmp_path):
    """Re-run the first crash of the bounded run alone, with shrinking: one
    line of Python comes out, and running it crashes the interpreter."""
    first = next((f for f in summary["failures"] if f["class"] == "crash"), None)
    if first is None:
        pytest.skip("the bounded run found no crash")
    cmd = [sys.executable, FUZZ, "--seed", str(SEED), "--start", str(first["call"]), "--calls", "1",
           "--shrink-tries", "12", "--quiet", "--out", str(tmp_path)]  # fmt: skip
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.returncode == 1, p.stdout + p.stderr
    s = json.loads((tmp_path / "summary.json").read_text())
    (f,) = s["failures"]
    assert f["shrunk"] and f["reproducible"] and len(f["repro"]) <= len(f["original"])
    assert "\n" not in f["repro"]
    assert (tmp_path / "repros.txt").read_text().count(f["repro"]) == 1
    env = dict(os.environ, PYTHONPATH=MLX_PATH)
    r = subprocess.run([sys.executable, "-c", f["repro"]], capture_output=True, timeout=60, env=env,
                       preexec_fn=_limit)  # fmt: skip
    assert r.returncode < 0, f["repro"]
