"""Which names of MLX 0.32's public API (../shared/api) this package lacks,
and which exist with other parameter names.

    python tools/api_coverage.py [--api DIR] [--all] [--verbose]

By default only the families of mlx.core that are in scope now are checked
(see LATER); --all checks every family. Parameter names come from each
function's signature: pybind11's docstring line for the extension, inspect
for Python code. Exit status 0; the counts are printed.
"""

import argparse
import inspect
import os
import re
import sys

# Families of mlx.core left for later issues (SUMMARY.md's family names).
LATER = {
    "random",
    "linalg",
    "convolution",
    "fast/fused kernels",
    "quantization",
    "transforms",
    "distributed",
    "export/import of functions",
    "backend-specific (metal/cuda)",
    "I/O (save/load)",
}

LATER_MODULES = {"random", "linalg", "fast", "distributed", "metal", "cuda"}

DEFAULT_API = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "api")


def families(api_dir):
    """name -> family, from SUMMARY.md's table of mlx.core function families."""
    out = {}
    text = open(os.path.join(api_dir, "SUMMARY.md")).read()
    section = text.split("## mlx.core capability families", 1)[1].split("Non-function names", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 3 and cells[2].isdigit():
            for name in cells[3].split(","):
                out[name.strip()] = cells[1]
    return out


def split_params(sig):
    """Parameter names of a signature text '(a: T, /, b: U = x, *, c) -> R'."""
    depth, cur, parts = 0, "", []
    body = sig[sig.index("(") + 1 :]
    for ch in body:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                break
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    names = []
    for p in parts:
        p = p.strip()
        name = re.split(r"[:=]", p, 1)[0].strip()
        if name == "*":
            continue  # the keyword-only marker
        if name.startswith("*"):
            name = "*"  # the name of *args is invisible to callers
        if name and name not in ("/", "self", ""):
            names.append(name)
    return names


def api_entries(api_dir, files):
    """(qualified name, kind, parameter names) for each function/method line."""
    for fname in files:
        for line in open(os.path.join(api_dir, fname)):
            m = re.match(
                r"(function|method|class|dtype|constant|submodule|property|dunder) ([\w.]+)(\(.*)?", line
            )
            if not m:
                continue
            kind, name, rest = m.groups()
            params = split_params(rest) if rest and kind in ("function", "method") else None
            # Keywords the runtime accepts beyond the displayed signature.
            hidden = re.findall(r"binding also accepts keyword (\w+)", line)
            yield name, kind, params, hidden


def our_signatures(obj):
    """Every parameter-name list `obj` can be called with."""
    try:
        params = inspect.signature(obj).parameters.values()
        # (a *args name is invisible to callers, as in split_params)
        return [["*" if p.kind == p.VAR_POSITIONAL else p.name for p in params if p.name != "self"]]
    except (TypeError, ValueError):
        pass
    doc = getattr(obj, "__doc__", None) or ""
    name = getattr(obj, "__name__", "")
    sigs = [l for l in doc.splitlines() if re.match(rf"\s*(\d+\. )?{re.escape(name)}\(", l)]
    return [split_params(s) for s in sigs]


def resolve(root, qualified):
    obj = root
    for part in qualified.split("."):
        obj = getattr(obj, part)
    return obj


def check(api_dir, everything=False):
    import mlx.core as mx

    fam = families(api_dir)
    missing, mismatched, checked = [], [], 0
    # Overloads: a name matches when any of MLX's signatures is one of ours.
    entries = {}
    for name, kind, params, hidden in api_entries(api_dir, ["core.txt", "core_submodules.txt", "array.txt"]):
        if name in entries:
            entries[name][1].append(params)
        else:
            entries[name] = (kind, [params], hidden)
    for name, (kind, overloads, hidden) in entries.items():
        top = name.split(".")[0]
        if not everything and (fam.get(name, fam.get(top)) in LATER or top in LATER_MODULES):
            continue
        if kind == "submodule":
            continue
        if kind in ("dunder",) or name.startswith(("ArrayAt.", "ArrayIterator.", "FunctionExporter.")):
            continue
        checked += 1
        try:
            root = mx.array if name.startswith("array.") else mx
            obj = resolve(root, name[len("array.") :] if name.startswith("array.") else name)
        except AttributeError:
            missing.append(name)
            continue
        if overloads[0] is None or kind == "class":
            continue
        ours = [[p for p in o if p not in hidden] for o in our_signatures(obj)]
        if ours and not any(o == params for o in ours for params in overloads):
            mismatched.append((name, overloads, ours))
    return checked, missing, mismatched


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", default=DEFAULT_API)
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    checked, missing, mismatched = check(args.api, args.all)
    print(f"checked {checked} names; missing {len(missing)}; other parameter names {len(mismatched)}")
    print("missing:", ", ".join(missing) or "none")
    for name, theirs, ours in mismatched:
        print(f"params differ: {name}: MLX {theirs} ours {ours if args.verbose else ours[:1]}")


if __name__ == "__main__":
    sys.exit(main())
