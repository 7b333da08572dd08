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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "tools", "fuzz.py")

# Each function is called CYCLES times (about 12 s on 2 cores).
SEED, CYCLES = 0, 10

# Crashes and hangs of the engine as it is today. Key: what the harness blames
# (the function called or, for a deep list, the cause it names); value: the
# class and one line of Python that reproduces it. Remove an entry when it is
# fixed: test_known_defects_still_reproduce says when.
KNOWN = {
    # Converting a Python list nested ~15,000 levels deep recurses once per
    # level and overflows the C stack (SIGSEGV). Every parameter that takes an
    # array-like goes through the same conversion, so the harness files all of
    # them under this one cause.
    "deeply nested list": (
        "crash",
        "import functools, mlx.core as mx; mx.array(functools.reduce(lambda a, _: [a], range(15000), 0))",
    ),
}


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
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@pytest.mark.parametrize("key", sorted(KNOWN))
def test_known_defects_still_reproduce(key):
    cls, line = KNOWN[key]
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    try:
        p = subprocess.run(
            [sys.executable, "-c", line],
            capture_output=True,
            text=True,
            timeout=10,
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
