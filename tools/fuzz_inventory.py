"""The inventory of tools/fuzz.py: every public callable of mlx.core, read
from the module itself.

Module functions of mlx.core and of its submodules, constructors of its public
classes, and the methods, operators and properties the extension defines on
mx.array and on x.at[...]. Parameters come from the signature line pybind11
writes at the top of each docstring (an alias carries its original's), else
from inspect.signature.
"""

import inspect
import re


def _split_top(text):
    """Split on commas that are not inside brackets or quotes."""
    parts, cur, depth, quote = [], "", 0, None
    for ch in text:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def parse_signature(line):
    """'name(a: T, /, b: U = 1, *, c) -> R' -> (params, ret) or None."""
    i = line.find("(")
    if i < 0:
        return None
    depth, quote, j = 0, None, i
    while j < len(line):
        ch = line[j]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                break
        j += 1
    if j >= len(line):
        return None
    ret = line[j + 1 :].split("->", 1)[1].strip() if "->" in line[j + 1 :] else ""
    params, kwonly = [], False
    for p in _split_top(line[i + 1 : j]):
        if p == "/":
            for q in params:
                q["kind"] = "pos"
            continue
        if p == "*":
            kwonly = True
            continue
        if p.startswith("**"):
            params.append({"name": p[2:].split(":")[0].strip(), "kind": "varkw", "ann": "", "default": None})
            continue
        if p.startswith("*"):
            params.append({"name": p[1:].split(":")[0].strip(), "kind": "var", "ann": "", "default": None})
            kwonly = True
            continue
        default = None
        m = re.match(r"^([A-Za-z_]\w*)\s*(?::\s*(.*?))?\s*(?:=\s*(.*))?$", p)
        if not m:
            continue
        name, ann, default = m.group(1), m.group(2) or "", m.group(3)
        params.append({"name": name, "kind": "kw" if kwonly else "any", "ann": ann, "default": default})
    return params, ret


def doc_signatures(obj, name):
    doc = getattr(obj, "__doc__", None) or ""
    lines = [ln.strip() for ln in doc.strip().splitlines()]
    # an alias (mx.acos, mx.matrix_norm...) carries its original's signature line
    cands = [m.group(1) for ln in lines for m in [re.match(r"^\d+\.\s+(\w+\(.*)$", ln)] if m]
    if not cands and lines and re.match(r"^\w+\(.*\)", lines[0]):
        cands = [lines[0]]
    out = [s for s in (parse_signature(c) for c in cands) if s]
    if not out:
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            return []
        params = []
        kinds = {
            inspect.Parameter.POSITIONAL_ONLY: "pos",
            inspect.Parameter.POSITIONAL_OR_KEYWORD: "any",
            inspect.Parameter.KEYWORD_ONLY: "kw",
            inspect.Parameter.VAR_POSITIONAL: "var",
            inspect.Parameter.VAR_KEYWORD: "varkw",
        }
        for p in sig.parameters.values():
            params.append(
                {
                    "name": p.name,
                    "kind": kinds[p.kind],
                    "ann": "",
                    "default": None if p.default is p.empty else repr(p.default),
                }
            )
        out = [(params, "")]
    return out


def inventory(mx, skip=()):
    """Every public callable: [{name, kind, sigs, ret}] in a stable order."""
    items, seen = [], set()
    modules = [("mx", mx)] + sorted(
        ("mx." + n, getattr(mx, n))
        for n in dir(mx)
        if not n.startswith("_") and type(getattr(mx, n)).__name__ == "module"
    )
    for prefix, mod in modules:
        for n in sorted(dir(mod)):
            if n.startswith("_"):
                continue
            obj = getattr(mod, n)
            full = prefix + "." + n
            if full in skip:
                continue
            if isinstance(obj, type):
                if obj.__module__.split(".")[0] != "mlx" or full in seen:
                    continue
                seen.add(full)
                sigs = doc_signatures(obj.__init__, "__init__")
                sigs = [([p for p in ps if p["name"] != "self"], r) for ps, r in sigs]
                items.append(
                    {
                        "name": full,
                        "kind": "ctor",
                        "sigs": sigs or [([], "")],
                        "ret": "callable" if "__call__" in obj.__dict__ else "",
                    }
                )
            elif callable(obj) and type(obj).__name__ != "module":
                sigs = doc_signatures(obj, n)
                items.append(
                    {
                        "name": full,
                        "kind": "func",
                        "sigs": sigs or [([], "")],
                        "ret": sigs[0][1] if sigs else "",
                    }
                )
    for cls, kind in ((mx.array, "method"), (getattr(mx, "ArrayAt", None), "at")):
        if cls is None:
            continue
        for n, obj in sorted(cls.__dict__.items()):
            if n in ("__init__", "__new__", "__doc__", "__module__") or (
                n.startswith("_") and not n.endswith("__")
            ):
                continue
            full = "mx.%s.%s" % (cls.__name__, n)
            if full in skip:
                continue
            if isinstance(obj, property):
                items.append(
                    {
                        "name": full,
                        "kind": "attr" if kind == "method" else kind,
                        "sigs": [([], "")],
                        "ret": "",
                    }
                )
                continue
            if not callable(obj):
                continue
            sigs = doc_signatures(obj, n)
            sigs = [([p for p in ps if p["name"] != "self"], r) for ps, r in sigs]
            items.append({"name": full, "kind": kind, "sigs": sigs or [([], "")], "ret": ""})
    return items
