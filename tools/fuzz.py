#!/usr/bin/env python3
"""Fuzz every public callable of mlx.core with generated arguments.

    python3 tools/fuzz.py --seconds 60 --seed 0      # bounded run
    python3 tools/fuzz.py --calls 50000 --seed 1     # the long run
    python3 tools/fuzz.py --calls 500 --start 1200   # calls 1200..1699 of a seed

The inventory comes from the module itself: every public function of mlx.core
and of its submodules (random, fft, linalg, fast, distributed, metal, cuda...),
the constructors of its public classes, and the methods, operators and
properties that the extension defines on mx.array and on x.at[...]. Parameters
are read from the signature line pybind11 writes at the top of each docstring
(inspect.signature for Python functions), so a new op is fuzzed without anyone
listing it. Arguments come from the annotation and the parameter's name:
arrays of every dtype (0-d, empty, broadcast and strided views, NaN/inf,
extreme integers, NumPy inputs), Python scalars, lists (ragged and very deeply
nested ones), None, strings, huge and negative axes and sizes, wrong types,
positional and keyword forms. Results are evaluated (mx.eval), sometimes also
printed or used in an op ((r + 1).sum(): an array with a bad shape that an op
accepted crashes there). Functions with process-wide effects (set_*) are
called too and undone after; SKIP below lists the one that is not called.

The pieces: fuzz_inventory.py (what to call), fuzz_args.py (arguments),
fuzz_calls.py (a call as data, its Python line, simpler variants),
fuzz_child.py (the child process and the runner).

Each batch of calls runs in a child process under a memory limit
(RLIMIT_AS, --mem-gib) with a per-call timeout, and every call is classified:

    exception  a clean Python exception (the expected answer to bad input)
    returned   the call returned and its result evaluated
    memory     MemoryError, or the child was killed by an allocation failure
    crash      the child died (signal or abnormal exit) during the call
    hang       the call made no progress for --timeout seconds

When a batch crashes or hangs, the call in flight is re-run alone (then with
the calls before it, if it needs them) and shrunk (arguments dropped, arrays
made smaller, views removed...) to one line of Python that reproduces it; the
lines are printed and written to <out>/repros.txt, the summary to
<out>/summary.json. Call i of a seed is always the same call, so --calls runs
are reproducible. Exit status 1 when there was a crash or hang (--strict:
also a child killed by an allocation failure), 2 when the run could not go
on (mlx.core failed to import, or the build changed under it).
"""

import argparse
import collections
import copy
import hashlib
import json
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from fuzz_args import STRINGS, gen_call, valid_blobs  # noqa: E402
from fuzz_calls import _shrink_candidates, repro_line  # noqa: E402
from fuzz_child import Runner, _same, build_stamp  # noqa: E402
from fuzz_inventory import inventory  # noqa: E402

# Functions that are not called at all. Keep this short: everything that
# merely raises on bad input belongs in the fuzz.
SKIP = {
    # Starts a (Metal) trace capture that is written to the given path: a
    # side effect on the file system at whatever path the fuzzer makes up.
    "mx.metal.start_capture": "writes a capture file at an arbitrary path",
}

# Exception types that are the ordinary answer to bad arguments (or come out
# of the fuzzer's own lambdas); the summary shows examples of any other.
USUAL_EXC = {
    "TypeError", "ValueError", "RuntimeError", "IndexError", "OverflowError", "MemoryError",
    "NotImplementedError", "ZeroDivisionError", "AttributeError", "UnicodeDecodeError",
    "BufferError", "KeyError", "RecursionError", "killed",
}  # fmt: skip


# Kinds of argument behind a defect that many functions reach: a failing call
# holding one is blamed on the cause when it passes once they are replaced.
OVERFLOW_SHAPES = {"(2**21, 2**21, 2**21)", "(2**16,) * 4", "(2**31 - 1,) * 3", "(65536, 65536)"}
NEGATIVE_SHAPES = {"(-2, 3)", "(-1, -1)", "(3, -1, 0)", "(0, -1)", "(-1,)"}
CAUSES = {
    "deeply nested list": (
        lambda n: n.get("k") == "nest" and n["depth"] >= 1000,
        lambda n: dict(n, depth=2),
    ),
    "shape whose size overflows": (
        lambda n: n.get("k") == "s" and n["s"] in OVERFLOW_SHAPES,
        lambda n: {"k": "s", "s": "(2, 3)"},
    ),
    "shape with a negative size": (
        lambda n: n.get("k") == "s" and n["s"] in NEGATIVE_SHAPES,
        lambda n: {"k": "s", "s": "(2, 3)"},
    ),
    "empty array with a huge dimension": (
        lambda n: n.get("k") == "s" and n["s"] == "(2**31 - 1, 0)",
        lambda n: {"k": "s", "s": "(2, 0)"},
    ),
}


def _replace_nodes(tree, match, harmless):
    """Replace, in place, every node of tree that matches; how many there were."""
    count = 0
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for key, v in list(items):
        if isinstance(v, dict) and "k" in v and match(v):
            tree[key] = harmless(v)
            count += 1
        elif isinstance(v, (dict, list)):
            count += _replace_nodes(v, match, harmless)
    return count


class Fuzzer:
    def __init__(self, args):
        import mlx.core as mx

        self.args = args
        self.mx = mx
        self.items = inventory(mx, SKIP)
        if getattr(args, "only", None):
            self.items = [it for it in self.items if re.search(args.only, it["name"])]
        valid_blobs(mx)
        strings = set(STRINGS)
        for it in self.items:
            for ps, _ in it["sigs"]:
                for p in ps:
                    d = p["default"]
                    if d and d[:1] in "'\"":
                        try:
                            strings.add(eval(d))
                        except Exception:
                            pass
        self.strings = sorted(strings)
        self.runner = Runner(args)
        self.counts = collections.Counter()
        self.excs = collections.Counter()
        self.examples = {}
        self.covered = set()
        self.returned = set()
        self.failures = []  # dicts with repro lines
        self.seen_sigs = {}
        self._orders = {}
        self.calls = 0
        self.t0 = time.monotonic()
        self.stamp = build_stamp()
        self.aborted = None

    def spec(self, i):
        """Call i of the seed. Calls go round the inventory in cycles, each
        function once per cycle in an order drawn per cycle, and the c-th call
        of a function depends only on (seed, name, c): adding a function to
        mlx.core leaves the calls made to the others unchanged."""
        n = len(self.items)
        cycle, pos = divmod(i, n)
        if cycle not in self._orders:
            key = "%d/%d/" % (self.args.seed, cycle)
            self._orders = {
                cycle: sorted(self.items, key=lambda it: hashlib.sha1((key + it["name"]).encode()).digest())
            }
        target = self._orders[cycle][pos]
        rng = random.Random("%d:%s:%d" % (self.args.seed, target["name"], cycle))
        return gen_call(target, i, rng, self.strings)

    def out_of_time(self):
        return self.args.seconds and time.monotonic() - self.t0 > self.args.seconds

    def go(self):
        a = self.args
        i = a.start
        if a.cycles:
            a.calls = a.cycles * len(self.items)
        end = a.start + a.calls if a.calls else None
        pending = []
        while True:
            while len(pending) < a.batch and (end is None or i < end):
                pending.append(self.spec(i))
                i += 1
            if not pending or self.out_of_time():
                break
            if self._build_changed():
                break
            batch, pending = pending, []
            results, fail = self.runner.run(batch)
            if fail and fail["cls"] == "startup":
                self.aborted = "the child could not start: " + fail["detail"]
                pending = batch + pending
                break
            for s in batch:
                if s["i"] in results:
                    self._count(s, *results[s["i"]])
            if fail:
                k = next(j for j, s in enumerate(batch) if s["i"] == fail["i"])
                self._count(
                    batch[k],
                    fail["cls"] if fail["cls"] != "memory" else "memory",
                    "killed" if fail["cls"] == "memory" else fail["detail"],
                )
                self._failure(batch[:k], batch[k], fail)
                if self.aborted:
                    pending = batch[k + 1 :] + pending
                    break
                pending = [s for s in batch[k + 1 :] if s["i"] not in results] + pending
        return self.summary(i if not pending else pending[0]["i"])

    def _build_changed(self):
        if build_stamp() != self.stamp:
            self.aborted = "the build changed during the run (rebuilt extension or library)"
        return bool(self.aborted)

    def _count(self, spec, cls, exc):
        self.calls += 1
        self.counts[cls] += 1
        self.covered.add(spec["t"])
        if cls == "returned":
            self.returned.add(spec["t"])
        if cls in ("exception", "memory"):
            self.excs[(cls, exc)] += 1
            ex = self.examples.setdefault(exc, [])
            if len(ex) < 3 and spec["t"] not in [e[0] for e in ex]:
                ex.append((spec["t"], spec["i"]))

    def _failure(self, prefix, spec, fail):
        key = (spec["t"], fail["cls"])
        rec = {
            "call": spec["i"],
            "function": spec["t"],
            "class": fail["cls"],
            "detail": fail["detail"],
            "phase": fail["phase"],
            "original": repro_line([spec], fail["phase"]),
        }
        cause = self._blame(spec, fail)
        if cause:
            key = (cause, fail["cls"])
            rec["cause"] = cause
        if key in self.seen_sigs or self.args.no_shrink:
            rec["repro"] = rec["original"]
            rec["duplicate_of"] = self.seen_sigs.get(key)
            rec["shrunk"] = False
            self.failures.append(rec)
            self.seen_sigs.setdefault(key, spec["i"])
            self._log(rec)
            return
        self.seen_sigs[key] = spec["i"]
        # a bounded run stays bounded: shrinking gets what is left (and a minute)
        self.shrink_deadline = (
            time.monotonic() + 600 if not self.args.seconds else (self.t0 + self.args.seconds + 60)
        )
        specs, reproduced = self._isolate(prefix, spec, fail)
        if reproduced:
            specs, phase = self._shrink(specs, fail)
        if self._build_changed():  # what was seen may be a half-written library
            self.failures.append(dict(rec, repro=rec["original"], unverified=True))
            return
        rec["reproducible"] = reproduced
        if reproduced:
            rec["phase"] = phase
            rec["detail"] = self.seen_fail["detail"]  # of the line shown
            if specs[-1]["i"] != spec["i"]:  # an earlier call of the batch was the culprit
                rec["call"], rec["function"] = specs[-1]["i"], specs[-1]["t"]
            rec["repro"] = repro_line(specs, phase)
        else:
            rec["repro"] = rec["original"]
        rec["shrunk"] = reproduced
        self.failures.append(rec)
        self._log(rec)

    def _blame(self, spec, fail):
        """The cause, when the call holds an argument of a kind that CAUSES
        names and the failure goes away once those arguments are made
        harmless: one defect reached through many functions is filed once."""
        for cause, (match, harmless) in CAUSES.items():
            s = copy.deepcopy(spec)
            if not _replace_nodes(s, match, harmless):
                continue
            if self.args.no_shrink:  # no re-runs: its presence is enough
                return cause
            _, f = self.runner.run([s], timeout=self._timeout_for(fail))
            if f is None:
                return cause
        return None

    def _log(self, rec):
        if not self.args.quiet:
            print(
                "  %s %s in %s (call %d)%s%s\n    %s"
                % (
                    rec["class"].upper(),
                    rec["detail"],
                    rec["function"],
                    rec["call"],
                    " [%s]" % rec["cause"] if rec.get("cause") else "",
                    "" if rec.get("reproducible", True) else " [did not reproduce]",
                    rec["repro"],
                ),
                file=sys.stderr,
                flush=True,
            )

    def _timeout_for(self, fail):
        return min(self.runner.timeout, 6) if fail["cls"] == "hang" else self.runner.timeout

    def _isolate(self, prefix, spec, fail):
        """The culprit alone, else with the fewest earlier calls of its batch."""
        t = self._timeout_for(fail)
        _, f = self.runner.run([spec], timeout=t)
        if _same(f, fail):
            self.seen_fail = f
            return [spec], True
        if not prefix:
            return [spec], False
        _, f = self.runner.run(prefix + [spec], timeout=t)
        if not _same(f, fail) or f["i"] != spec["i"]:
            # maybe an earlier call, run one by one, is itself the culprit
            for s in prefix[::-1][:20]:
                _, f = self.runner.run([s], timeout=t)
                if _same(f, fail):
                    self.seen_fail = f
                    return [s], True
            return [spec], False
        self.seen_fail = f
        need = list(prefix)
        chunk = max(1, len(need) // 2)
        tries = 0
        while chunk >= 1 and tries < 12:
            changed = False
            j = 0
            while j < len(need) and tries < 12:
                trial = need[:j] + need[j + chunk :]
                tries += 1
                _, f = self.runner.run(trial + [spec], timeout=t)
                if _same(f, fail) and f["i"] == spec["i"]:
                    need, changed, self.seen_fail = trial, True, f
                else:
                    j += chunk
            if not changed:
                if chunk == 1:
                    break
                chunk //= 2
        return need + [spec], True

    def _shrink(self, specs, fail):
        t = self._timeout_for(fail)
        budget = 8 if fail["cls"] == "hang" else self.args.shrink_tries
        cur = specs[-1]
        phase = fail["phase"]
        tries = 0
        progress = True
        while progress and tries < budget:
            progress = False
            for cand in _shrink_candidates(cur):
                if tries >= budget or time.monotonic() > self.shrink_deadline:
                    break
                tries += 1
                _, f = self.runner.run(specs[:-1] + [cand], timeout=t)
                if _same(f, fail) and f["i"] == cand["i"]:
                    cur, phase, progress, self.seen_fail = cand, f["phase"], True, f
                    break
        return specs[:-1] + [cur], phase

    def summary(self, next_i):
        wall = time.monotonic() - self.t0
        names = [it["name"] for it in self.items]
        never_ok = sorted(set(self.covered) - self.returned)
        bad = [f for f in self.failures if f["class"] in ("crash", "hang") and not f.get("unverified")]
        killed = [f for f in self.failures if f["class"] == "memory"]
        return {
            "seed": self.args.seed,
            "start": self.args.start,
            "next": next_i,
            "calls": self.calls,
            "seconds": round(wall, 1),
            "children": self.runner.children,
            "functions": len(names),
            "covered": len(self.covered),
            "uncovered": sorted(set(names) - self.covered),
            "skipped": sorted(SKIP),
            "counts": {
                k: self.counts.get(k, 0) for k in ("exception", "returned", "memory", "crash", "hang")
            },
            "exceptions": {"%s:%s" % k: v for k, v in self.excs.most_common()},
            "never_returned": never_ok,
            "unusual_exceptions": {
                k: [[t, i, repro_line([self.spec(i)], "eval")] for t, i in v]
                for k, v in sorted(self.examples.items())
                if k not in USUAL_EXC
            },
            "failures": self.failures,
            "crash_or_hang": len(bad),
            "memory_kills": len(killed),
            "aborted": self.aborted,
        }


def print_summary(s, out):
    c = s["counts"]
    print(
        "fuzz: seed %d, calls %d..%d: %d calls in %.1f s (%d child processes)"
        % (s["seed"], s["start"], s["next"] - 1, s["calls"], s["seconds"], s["children"])
    )
    print(
        "functions covered: %d of %d (skipped: %s)"
        % (s["covered"], s["functions"], ", ".join(s["skipped"]) or "none")
    )
    print(
        "  exception %7d   (%s)"
        % (
            c["exception"],
            ", ".join(
                "%s %d" % (k.split(":")[1], v)
                for k, v in list(s["exceptions"].items())[:6]
                if k.startswith("exception")
            ),
        )
    )
    print("  returned  %7d" % c["returned"])
    print(
        "  memory    %7d   (MemoryError %d, child killed %d)"
        % (c["memory"], s["exceptions"].get("memory:MemoryError", 0), s["memory_kills"])
    )
    print("  crash     %7d" % c["crash"])
    print("  hang      %7d" % c["hang"])
    for k, v in s["unusual_exceptions"].items():
        print("  unusual exception %s %d, e.g.:" % (k, s["exceptions"].get("exception:" + k, 0)))
        for t, i, line in v[:2]:
            print("    %s" % line)
    if s["failures"]:
        print("crash/hang/memory-kill repros (also in %s):" % os.path.join(out, "repros.txt"))
        for f in s["failures"]:
            if f.get("duplicate_of") is not None:
                continue
            print(
                "  %-6s %s in %s%s%s\n    %s"
                % (
                    f["class"].upper(),
                    f["detail"],
                    f["function"],
                    " [%s]" % f["cause"] if f.get("cause") else "",
                    "" if f.get("reproducible", True) else " [did not reproduce alone]",
                    f["repro"],
                )
            )
            same = [g["function"] for g in s["failures"] if g.get("duplicate_of") == f["call"]]
            if same:
                names = sorted(set(same))
                print(
                    "    (and %d more calls, not shrunk: %s%s)"
                    % (len(same), ", ".join(names[:12]), ", ..." if len(names) > 12 else "")
                )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long")
    ap.add_argument("--calls", type=int, default=0, help="number of calls (0: until --seconds)")
    ap.add_argument(
        "--cycles", type=int, default=0, help="call every function this many times (overrides --calls)"
    )
    ap.add_argument("--start", type=int, default=0, help="index of the first call")
    ap.add_argument("--batch", type=int, default=100, help="calls per child process")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-call timeout, seconds")
    ap.add_argument("--mem-gib", type=float, default=4.0, help="RLIMIT_AS of the child")
    ap.add_argument("--shrink-tries", type=int, default=60)
    ap.add_argument("--no-shrink", action="store_true", help="report failures unshrunk")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "fuzz"))
    ap.add_argument(
        "--strict", action="store_true", help="also fail when a child is killed by an allocation failure"
    )
    ap.add_argument("--only", metavar="REGEX", help="fuzz only the functions matching this")
    ap.add_argument("--list", action="store_true", help="print the inventory and exit")
    ap.add_argument("--show", type=int, nargs="*", help="print the calls with these indices")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if not args.calls and not args.seconds and not args.cycles:
        args.seconds = 60
    try:  # the mlx this interpreter imports (an installed package, or PYTHONPATH)
        import mlx.core  # noqa: F401
    except ImportError:  # a source tree with a build linked into python/mlx
        sys.path.insert(0, os.path.join(ROOT, "python"))
    fz = Fuzzer(args)
    if args.list:
        for it in fz.items:
            print(it["name"], it["kind"], len(it["sigs"][0][0]), "params")
        return 0
    if args.show:
        for i in args.show:
            print(i, repro_line([fz.spec(i)], "eval"))
        return 0
    s = fz.go()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(s, f, indent=1)
    with open(os.path.join(args.out, "repros.txt"), "w") as f:
        for r in s["failures"]:
            if r.get("duplicate_of") is None:
                f.write(
                    "# %s %s in %s (seed %d, call %d)\n%s\n"
                    % (r["class"].upper(), r["detail"], r["function"], s["seed"], r["call"], r["repro"])
                )
    print_summary(s, args.out)
    if s["aborted"]:
        print("fuzz: stopped early: %s" % s["aborted"], file=sys.stderr)
        return 2
    fail = s["crash_or_hang"] + (s["memory_kills"] if args.strict else 0)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
