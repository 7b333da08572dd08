"""A call of tools/fuzz.py as data, how it prints as Python, and its simpler
variants (for shrinking).

An argument is a node: {"k": "s", "s": source} (any Python expression, with
optional simpler "alts"), {"k": "arr", dtype, shape, values, views} (an
array, rendered as mx.array(...) or np.array(...) plus views such as .T,
[::2], broadcast_to), {"k": "seq"} (list or tuple), {"k": "dict"} and
{"k": "nest", depth} (a list nested depth levels deep). A call is a spec:
the function's name and kind (func, ctor, method, at, attr), its positional
and keyword nodes, a receiver for methods, the arguments of a follow-up call
for functions that return functions, and post steps (repr, use).
"""

import copy

# NumPy's name for each dtype it has (not bfloat16)
NP_DTYPE = {
    d: ("bool" if d == "bool_" else d)
    for d in (
        "bool_",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "int8",
        "int16",
        "int32",
        "int64",
        "float16",
        "float32",
        "float64",
        "complex64",
    )
}


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _view_shape(shape, view):
    s = list(shape)
    if view == "T":
        return s[::-1]
    if view in ("step0", "rev"):
        return [(s[0] + 1) // 2] + s[1:] if view == "step0" else s
    if view == "step1":
        return s[:1] + [(s[1] + 1) // 2] + s[2:]
    if view == "slice":
        return [max(0, s[0] - 1)] + s[1:]
    if view == "swap":
        s[0], s[-1] = s[-1], s[0]
        return s
    if view == "bcast":
        return [2] + s
    if view == "newaxis":
        return [1] + s
    return s


def render(node):
    k = node["k"]
    if k == "s":
        return node["s"]
    if k == "seq":
        items = [render(x) for x in node["items"]]
        if node["t"] == "tuple":
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    if k == "dict":
        return "{" + ", ".join("%s: %s" % (key, render(v)) for key, v in node["items"]) + "}"
    if k == "nest":
        return "functools.reduce(lambda a, _: [a], range(%d), %s)" % (node["depth"], node["leaf"])
    if k == "arr":
        return _render_arr(node)
    raise ValueError(k)


def _render_arr(node):
    dt, shape, np_ = node["dt"], node["shape"], node.get("np")
    lib = "np" if np_ else "mx"
    dts = ("np.%s" % NP_DTYPE[dt]) if np_ else ("mx." + dt)
    n = _prod(shape)
    if not shape:
        x = "%s.array(%s, dtype=%s)" % (lib, node["vals"][0], dts)
    elif n == 0:
        x = "%s.zeros(%s, dtype=%s)" % (lib, tuple(shape), dts)
    elif node["vals"] is not None:
        x = "%s.array([%s], dtype=%s)" % (lib, ", ".join(node["vals"][:n]), dts)
        if len(shape) > 1:
            x += ".reshape(%s)" % (tuple(shape),)
    else:
        x = "(%s.arange(%d) %% 11 - 5).astype(%s).reshape(%s)" % (lib, n, dts, tuple(shape))
    s = list(shape)
    for v in node["views"]:
        if v == "T":
            x = x + ".T"
        elif v == "step0":
            x = x + "[::2]"
        elif v == "step1":
            x = x + "[:, ::2]"
        elif v == "rev":
            x = x + "[::-1]"
        elif v == "slice":
            x = x + "[1:]"
        elif v == "newaxis":
            x = x + "[None]"
        elif v == "swap":
            x = "%s.swapaxes(%s, 0, -1)" % (lib, x)
        elif v == "bcast":
            x = "%s.broadcast_to(%s, %s)" % (lib, x, tuple([2] + s))
        s = _view_shape(s, v)
    return x


def S(src, alts=None):
    n = {"k": "s", "s": src}
    if alts:
        n["alts"] = alts
    return n


def render_expr(spec):
    args = [render(a) for a in spec["args"]] + ["%s=%s" % (k, render(v)) for k, v in spec["kw"]]
    a = ", ".join(args)
    name, kind = spec["t"], spec["kind"]
    meth = name.rsplit(".", 1)[-1]
    if kind == "attr":
        return "%s.%s" % (render(spec["recv"]), meth)
    if kind == "method":
        recv = render(spec["recv"])
        if meth == "__getitem__" and len(spec["args"]) == 1 and not spec["kw"]:
            return "%s[%s]" % (recv, a)
        e = "%s.%s(%s)" % (recv, meth, a)
    elif kind == "at":
        e = "%s.at[%s].%s(%s)" % (render(spec["recv"]), render(spec["idx"]), meth, a)
    else:
        e = "%s(%s)" % (name, a)
    if spec.get("follow") is not None:
        e += "(%s)" % ", ".join(render(x) for x in spec["follow"])
    return e


def _imports(src):
    mods = ["functools"] if "functools." in src else []
    mods += ["io"] if "io." in src else []
    mods += ["numpy as np"] if "np." in src else []
    return "import " + ", ".join(mods + ["mlx.core as mx"])


def repro_line(specs, phase):
    """Python for the calls in specs; phase: how far the last one got."""
    body = []
    for j, s in enumerate(specs):
        e = render_expr(s)
        last = j == len(specs) - 1
        if last and phase == "call":
            body.append(e)
        else:
            body.append("r = %s; mx.eval(r)" % e)
            if last and phase == "repr":
                body[-1] += "; repr(r)"
            if last and phase == "use":
                body[-1] += "; mx.eval((r + 1).sum())"
    src = "; ".join(body)
    return _imports(src) + "; " + src


def _shrink_candidates(spec):
    """Simpler variants of one call spec, most drastic first."""

    def variant(f):
        s = copy.deepcopy(spec)
        f(s)
        return s

    out = []
    if spec["post"]:
        out.append(variant(lambda s: s.__setitem__("post", [])))
    if spec.get("follow") and len(spec["follow"]) > 1:
        out.append(variant(lambda s: s["follow"].pop()))
    for j in range(len(spec["kw"]) - 1, -1, -1):
        out.append(variant(lambda s, j=j: s["kw"].pop(j)))
    if spec["args"]:
        out.append(variant(lambda s: s["args"].pop()))
    # simplify nodes in place
    paths = []

    def walk(node, path):
        paths.append((path, node))
        if node["k"] == "seq":
            for j, x in enumerate(node["items"]):
                walk(x, path + [("items", j)])
        elif node["k"] == "dict":
            for j, (_, x) in enumerate(node["items"]):
                walk(x, path + [("items", j, 1)])

    for j, a in enumerate(spec["args"]):
        walk(a, [("args", j)])
    for j, (_, a) in enumerate(spec["kw"]):
        walk(a, [("kw", j, 1)])
    for key in ("recv", "idx"):
        if key in spec:
            walk(spec[key], [(key,)])
    for j, a in enumerate(spec.get("follow") or []):
        walk(a, [("follow", j)])

    def get(s, path):
        x = s
        for step in path:
            for key in step:
                x = x[key]
        return x

    def put(s, path, new):
        x = s
        for step in path[:-1]:
            for key in step:
                x = x[key]
        last = path[-1]
        for key in last[:-1]:
            x = x[key]
        x[last[-1]] = new

    for path, node in paths:
        for new in _node_simpler(node):
            out.append(variant(lambda s, path=path, new=new: put(s, path, new)))
        if node["k"] == "seq":
            for j in range(len(node["items"]) - 1, -1, -1):
                out.append(variant(lambda s, path=path, j=j: get(s, path)["items"].pop(j)))
    return out


def _node_simpler(node):
    k = node["k"]
    out = []
    if k in ("seq", "dict") and (node["items"] or node["k"] == "dict"):
        out.append({"k": "s", "s": "0"})
    if k == "s":
        for a in node.get("alts", []) + ["0"]:
            if a != node["s"] and {"k": "s", "s": a} not in out:
                out.append({"k": "s", "s": a})
    elif k == "nest":
        d = node["depth"]
        for nd in (d // 2, d * 3 // 4, d * 7 // 8):
            if 0 < nd < d:
                out.append(dict(node, depth=nd))
    elif k == "arr":
        zero = "False" if node["dt"] == "bool_" else "0"
        if node["shape"] or node["views"]:
            out.append({"k": "arr", "dt": node["dt"], "shape": [], "vals": [zero], "views": []})
        for j in range(len(node["views"])):
            n = copy.deepcopy(node)
            n["views"].pop(j)
            out.append(n)
        if node.get("np"):
            n = copy.deepcopy(node)
            n["np"] = False
            out.append(n)
        for j, d in enumerate(node["shape"]):
            for nd, back in [(d // 2, False), (d // 2, True), (1, False), (1, True)] if d > 1 else []:
                n = copy.deepcopy(node)
                n["shape"][j] = nd
                m = max(_prod(n["shape"]), 1)
                if n["vals"] is not None:
                    n["vals"] = n["vals"][-m:] if back else n["vals"][:m]
                elif m <= 48:
                    n["vals"] = ["1"] * m
                elif back:
                    continue
                out.append(n)
        if len(node["shape"]) > 0:
            n = copy.deepcopy(node)
            n["shape"] = n["shape"][1:]
            if n["vals"] is not None:
                n["vals"] = n["vals"][: max(_prod(n["shape"]), 1)]
            elif _prod(n["shape"]) <= 48:
                n["vals"] = ["1"] * max(_prod(n["shape"]), 1)
            out.append(n)
        n = _prod(node["shape"])
        if node["vals"] is not None and len(node["shape"]) > 1 and n > 1:
            out.append(dict(copy.deepcopy(node), shape=[n]))  # flat
        if node["vals"] is not None and len(node["shape"]) == 1 and 1 < n <= 16:
            for j in range(n):  # one element less
                out.append(
                    dict(copy.deepcopy(node), shape=[n - 1], vals=node["vals"][:j] + node["vals"][j + 1 : n])
                )
        if node["vals"] is not None and any(v not in ("0", "False") for v in node["vals"]):
            n = copy.deepcopy(node)
            n["vals"] = ["False" if node["dt"] == "bool_" else "0"] * len(n["vals"])
            out.append(n)
        if node["dt"] != "float32":
            n = copy.deepcopy(node)
            n["dt"] = "float32"
            out.append(n)
    return out
