"""The child process of tools/fuzz.py and the parent's side of it.

The child (python3 tools/fuzz_child.py, fed a JSON list of calls on stdin)
sets its memory limit (RLIMIT_AS), imports mlx.core, says R(eady), then for
each call says S(tarted), C(alled), E (printing), U (using the result) and
D(one) with the class of the outcome, on a pipe of its own. The parent reads
those lines with a timeout: the call in flight when the child dies crashed,
the one that stops making progress hung.
"""

import atexit
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from fuzz_calls import render_expr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Calls with process-wide effects (limits, default device/stream, print
# options, the compile switch) are fuzzed too; the child undoes their effect
# after each such call (restore() below) so that later calls are not affected.
STATEFUL_RE = re.compile(r"(^|\.)(set_[a-z_]+|disable_compile|clear_streams)$")


def build_stamp():
    """Size and time of the extension and the libraries next to it: a build
    that changes them mid-run would make crashes of a half-written library."""
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "python", "mlx", "core*.so"))):
        real = os.path.realpath(path)
        for f in [real] + sorted(glob.glob(os.path.join(os.path.dirname(real), "lib*.so*"))):
            try:
                st = os.stat(f)
                out.append((f, st.st_size, st.st_mtime_ns))
            except OSError:
                out.append((f, None, None))
    return out


def child_main():
    import faulthandler
    import resource

    lim = int(os.environ.get("FUZZ_MEM_BYTES", str(4 << 30)))
    # AddressSanitizer reserves terabytes of address space for its shadow
    # memory, so under it (tools/sanitize.sh) an address-space limit would
    # fail every allocation: the Runner caps single allocations instead.
    if not os.environ.get("MLX_SANITIZER"):
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    faulthandler.enable()
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything the engine prints goes to stderr, not into the protocol
    import functools
    import io

    import mlx.core as mx

    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    proto.write("R\n")
    calls = json.loads(sys.stdin.read())
    base = {"mx": mx, "io": io, "functools": functools, "np": np}
    orig = {}
    try:
        orig["mem"] = mx.get_memory_limit()
        orig["cache"] = mx.set_cache_limit(0)
        mx.set_cache_limit(orig["cache"])
        orig["wired"] = mx.set_wired_limit(0)
        orig["prec"] = mx.get_printoptions().precision
    except Exception:
        pass

    def restore():
        for f in (
            lambda: mx.set_default_device(mx.cpu),
            lambda: mx.set_default_stream(mx.default_stream(mx.cpu)),
            lambda: mx.set_memory_limit(orig["mem"]),
            lambda: mx.set_cache_limit(orig["cache"]),
            lambda: mx.set_wired_limit(orig["wired"]),
            lambda: mx.set_printoptions(precision=orig["prec"]),
            mx.enable_compile,
        ):
            try:
                f()
            except Exception:
                pass

    for c in calls:
        i = c["i"]
        proto.write("S %d\n" % i)
        r = None
        try:
            r = eval(c["expr"], dict(base))
            proto.write("C %d\n" % i)
            mx.eval(r)
            if c.get("repr") and _small(r, mx):
                proto.write("E %d\n" % i)
                repr(r)
            # use an array result in an ordinary op: an op that accepts a bad
            # argument and makes an array with a negative or overflowing
            # shape crashes here (always done for such shapes)
            if isinstance(r, mx.array) and (c.get("use") or any(d < 0 for d in r.shape)):
                proto.write("U %d\n" % i)
                mx.eval((r + 1).sum())
            cls, exc = "returned", ""
        except MemoryError:
            cls, exc = "memory", "MemoryError"
        except BaseException as e:  # noqa: B902 - everything a call may raise is an answer
            cls, exc = "exception", type(e).__name__
        if c.get("stateful"):
            restore()
        del r
        proto.write("D %d %s %s\n" % (i, cls, exc))
    proto.write("END\n")
    proto.flush()
    os._exit(0)


def _small(r, mx, depth=0):
    if isinstance(r, mx.array):
        return r.size <= 100000
    if isinstance(r, (list, tuple)) and depth < 3:
        return len(r) <= 64 and all(_small(x, mx, depth + 1) for x in r)
    if isinstance(r, dict) and depth < 3:
        return len(r) <= 64 and all(_small(x, mx, depth + 1) for x in r.values())
    return depth < 3


class Runner:
    """Runs lists of calls in fresh children (args: timeout, mem_gib)."""

    def __init__(self, args):
        self.timeout = args.timeout
        self.env = dict(os.environ)
        self.env["FUZZ_MEM_BYTES"] = str(int(args.mem_gib * (1 << 30)))
        if self.env.get("MLX_SANITIZER"):
            # No RLIMIT_AS under ASan (see child_main): an allocation past the
            # limit returns null instead (a MemoryError, as with the limit).
            cap = "allocator_may_return_null=1:max_allocation_size_mb=%d" % int(args.mem_gib * 1024)
            self.env["ASAN_OPTIONS"] = ":".join(filter(None, [self.env.get("ASAN_OPTIONS"), cap]))
        # Children import the mlx this process imported (installed or not).
        import mlx.core

        py = os.path.dirname(os.path.dirname(os.path.abspath(mlx.core.__file__)))
        self.env["PYTHONPATH"] = py + os.pathsep + self.env.get("PYTHONPATH", "")
        self.env.setdefault("OMP_NUM_THREADS", "1")
        self.env.setdefault("OPENBLAS_NUM_THREADS", "1")
        self.env["PYTHONFAULTHANDLER"] = "1"
        self.children = 0
        # children work in a scratch directory: whatever a call writes to a
        # relative path (mx.save("a", ...) with a made-up name) lands there
        self.cwd = tempfile.mkdtemp(prefix="mlx-fuzz-")
        atexit.register(shutil.rmtree, self.cwd, True)

    def run(self, specs, timeout=None):
        """Run specs in order in one child. Returns (results, failure) where
        results maps i -> (cls, exc) and failure is None or a dict
        {i, cls: crash|hang|memory, phase, detail}."""
        timeout = timeout or self.timeout
        payload = json.dumps(
            [
                {
                    "i": s["i"],
                    "expr": render_expr(s),
                    "repr": "repr" in s["post"],
                    "use": "use" in s["post"],
                    "stateful": bool(STATEFUL_RE.search(s["t"])),
                }
                for s in specs
            ]
        )
        self.children += 1
        err = tempfile.TemporaryFile()
        p = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        try:
            p.stdin.write(payload.encode())
            p.stdin.close()
        except BrokenPipeError:
            pass
        results, cur, phase, buf = {}, None, "call", b""
        deadline = time.monotonic() + timeout + 15  # the first call also pays the import
        hung, ended, ready_seen = False, False, False
        fd = p.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                hung = True
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                parts = line.decode(errors="replace").split()
                if not parts:
                    continue
                deadline = time.monotonic() + timeout
                if parts[0] == "R":
                    ready_seen = True
                elif parts[0] == "S":
                    cur, phase = int(parts[1]), "call"
                elif parts[0] == "C":
                    phase = "eval"
                elif parts[0] == "E":
                    phase = "repr"
                elif parts[0] == "U":
                    phase = "use"
                elif parts[0] == "D":
                    results[int(parts[1])] = (parts[2], parts[3] if len(parts) > 3 else "")
                    cur = None
                elif parts[0] == "END":
                    ended = True
        if hung:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        rc = p.wait()
        p.stdout.close()
        err.seek(0, 2)
        size = err.tell()
        err.seek(max(0, size - 6000))
        stderr = err.read().decode(errors="replace")
        err.close()
        if not ready_seen:  # mlx.core did not even import: not a verdict on any call
            return results, {
                "i": specs[0]["i"],
                "cls": "startup",
                "phase": "start",
                "detail": _death_detail(rc, stderr) + ": " + stderr.strip()[-300:],
            }
        if hung:
            if cur is None:  # stuck between calls: blame the next one
                cur = next((s["i"] for s in specs if s["i"] not in results), None)
                if cur is None:
                    return results, None
            return results, {
                "i": cur,
                "cls": "hang",
                "phase": phase,
                "detail": "no progress for %ss" % timeout,
            }
        if ended and rc == 0:
            return results, None
        if cur is None:
            if len(results) == len(specs):
                return results, None
            cur = next(s["i"] for s in specs if s["i"] not in results)
            phase = "start"
        return results, {
            "i": cur,
            "cls": _death_class(stderr),
            "phase": phase,
            "detail": _death_detail(rc, stderr),
        }


def _death_class(stderr):
    if re.search(r"bad_alloc|MemoryError|Cannot allocate memory|out of memory", stderr):
        return "memory"
    return "crash"


def _death_detail(rc, stderr):
    if rc < 0:
        try:
            what = signal.Signals(-rc).name
        except ValueError:
            what = "signal %d" % -rc
    else:
        what = "exit status %d" % rc
    m = re.search(r"terminate called after throwing an instance of '([^']+)'", stderr)
    if m:
        what += " (uncaught %s" % m.group(1)
        w = re.search(r"what\(\):\s*(.*)", stderr)
        what += (": " + w.group(1).strip()[:120]) if w else ""
        what += ")"
    elif "Fatal Python error" in stderr:
        m = re.search(r"Fatal Python error: (.*)", stderr)
        what += " (" + m.group(1).strip()[:120] + ")"
    return what


def _same(fail, want):
    """Does a re-run's failure reproduce the original one? The same class:
    a crash may come back as another signal (an overflowed size makes the
    engine write out of bounds, and where that lands varies)."""
    return fail is not None and fail["cls"] == want["cls"]


if __name__ == "__main__":
    child_main()
