"""Argument generation of tools/fuzz.py: one call's arguments from its
signature, driven by each parameter's annotation and name.

Arrays of every dtype (0-d, empty, strided, broadcast and transposed views,
NaN/inf, extreme integers, NumPy inputs), Python scalars, lists (ragged,
mixed, nested 100,000 deep), None, strings, huge and negative axes, sizes and
shapes, indices, dtypes, devices and streams, lambdas for the transforms,
files for mx.load (valid ones written by this build, then mutated), and now
and then a value of the wrong type. Positional and keyword forms, optional
parameters left out, and a stray extra argument now and then.
"""

import re

from fuzz_calls import NP_DTYPE, S, _prod, _view_shape

# fmt: off
DTYPES = [
    'bool_', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'float16',
    'bfloat16', 'float32', 'float64', 'complex64',
]
INT_RANGE = {
    'uint8': (0, 255), 'uint16': (0, 65535), 'uint32': (0, 4294967295),
    'uint64': (0, 18446744073709551615), 'int8': (-128, 127), 'int16': (-32768, 32767),
    'int32': (-2147483648, 2147483647), 'int64': (-9223372036854775808, 9223372036854775807),
}
FLOAT_SPECIAL = [
    'mx.nan', 'mx.inf', '-mx.inf', '-0.0', '1e-40', '3e+38', '65504.0', '1e+300', '5e-324',
]
EVIL_INTS = [
    '0', '-1', '-2', '2**31 - 1', '-2**31', '2**31', '2**32 + 1', '2**63 - 1', '-2**63', '2**64',
    '10**30', 'True',
]
EVIL_SHAPES = [
    '(-2, 3)', '(-1, -1)', '(2**21, 2**21, 2**21)', '(2**31,)', '(2**31 - 1, 2)', '(2**63 - 1,)',
    '(2**64,)', '(0, 2**40)', '(1,) * 40', '(3, -1, 0)', '3', '[[2]]', '(2.0,)', "('a',)", '[]',
    '(2**32 + 1,)', '(65536, 65536)', '(2**16,) * 4', '(2**31 - 1,) * 3', '(2**32, 2**32)',
    '(0, -1)', '(-1,)', '(2**31 - 1, 0)',
]
WRONG = [
    'None', "'a'", '[]', '[[1], 2]', 'object()', '1.5', '-1', 'mx.float32', "b'x'", '{}',
    '(lambda: 0)', 'Ellipsis', 'slice(None)', 'mx.cpu', 'complex(1, 1)', '2**64', 'mx.nan',
    "(1, 'a')", '[None]', 'mx.Device(mx.gpu)', 'mx.array(1.0)', "''", 'True',
]
STRINGS = [
    '', 'a',
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    '\x00', 'é', 'ij->', 'full', 'same', 'valid', 'constant', 'edge', 'reflect', 'backward',
    'ortho', 'forward', 'L', 'U', 'left', 'right', 'xy', 'ij', 'fro', 'nuc', 'any', 'mpi', 'ring',
    'npy', 'npz', 'safetensors', 'gguf', 'bool', 'integral', 'real floating', 'complex floating',
    'numeric',
]
EINSUM = [
    "'ij,jk->ik'", "'ii->i'", "'ij->ji'", "'i,i->'", "'...ij,...jk->...ik'", "'ab'", "'->'", "''",
    "'i->j'", "'ijk'", "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", "'ij,jk'",
    "','", "'i,j->ij'", "'ij,ij->'", "'Ab,bC->AC'", "'i...,...->'", "'ii'",
]
LAMBDAS = [
    'lambda x: x', 'lambda x: (x * x).sum()', 'lambda x: mx.sin(x).sum()', 'lambda *a: a[0].sum()',
    'lambda x, y: (x * y).sum()', 'lambda x, *a: x @ x.T', 'lambda x: [x, x + 1]',
    "lambda x: {'a': x}", 'lambda x: x.shape', 'lambda x: 1.0', 'lambda x: None',
    'lambda x: mx.reshape(x, (-1,))[0]', 'lambda x: x.astype(mx.int32).sum()',
    'lambda x: mx.grad(lambda y: (y * y).sum())(x)', 'lambda x: mx.exp(x).max(axis=-1)',
    'lambda x: mx.take(x, mx.array([0, -1]))', 'lambda *a: 1 / 0', 'lambda x: x.item()',
    'lambda x: mx.eval(x)', 'lambda x, y: x', 'lambda: mx.array(1.0)', 'lambda x: (x, x)',
    'lambda x: mx.cumsum(x, axis=0)', 'lambda x: mx.sort(x)', 'lambda x: x[x > 0]',
]
# fmt: on
LOAD_BLOBS = [
    b"",
    b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    + b" " * 48
    + b"\n"
    + b"\x00" * 8,
    b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2**40,), }"
    + b" " * 45
    + b"\n",
    b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': True, 'shape': (-1, 3), }" + b" " * 47 + b"\n",
    b"\x93NUMPY\x01\x00v\x00{'descr': '<c32', 'fortran_order': False, 'shape': (1,), }" + b" " * 47 + b"\n",
    b"\x93NUMPY\x01\x00\xff\xff{'descr': '<f4'",
    b"\x93NUMPY\x03\x00\x10\x00\x00\x00{}",
    b"\xff\xff\xff\xff\xff\xff\xff\x7f{}",
    b'\x40\x00\x00\x00\x00\x00\x00\x00{"a":{"dtype":"F32","shape":[4294967296,2],"data_offsets":[0,8]}}   ',
    b"\x38\x00\x00\x00\x00\x00\x00\x00"
    b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}       ' + b"\x00" * 8,
    b'\x30\x00\x00\x00\x00\x00\x00\x00{"a":{"dtype":"Q9","shape":[],"data_offsets":[0,0]}}',
    b"GGUF\x03\x00\x00\x00" + b"\xff" * 16,
    b"GGUF\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\xff\xff\xff\xff\xff\xff\xff\x7f",
    b"PK\x03\x04" + b"\x00" * 26,
    b"PK\x05\x06" + b"\x00" * 18,
    bytes(range(256)),
]

VALID_BLOBS = []  # files that mx.save* write, filled in by valid_blobs()


def valid_blobs(mx):
    """Small files of each format, as this build writes them."""
    import io

    x = mx.array([[1.5, -2.0, 3.0], [0.0, 4.0, 5.0]])
    for fmt, f in (
        ("npy", lambda b: mx.save(b, x)),
        ("npz", lambda b: mx.savez(b, a=x, b=x[0])),
        ("npz", lambda b: mx.savez_compressed(b, a=x)),
        ("safetensors", lambda b: mx.save_safetensors(b, {"a": x, "b": x.astype(mx.int8)}, {"k": "v"})),
        ("gguf", lambda b: mx.save_gguf(b, {"a": x}, {"k": "v"})),
    ):
        try:
            b = io.BytesIO()
            f(b)
            VALID_BLOBS.append((fmt, b.getvalue()))
        except Exception:
            pass


def mutate(r, blob):
    """A few random byte-level edits: flips, truncation, runs of 0xff."""
    b = bytearray(blob)
    for _ in range(r.choice([1, 1, 2, 3])):
        x = r.random()
        if not b:
            break
        j = r.randrange(len(b))
        if x < 0.5:
            b[j] = r.choice([0, 0xFF, 0x7F, 0x80, b[j] ^ (1 << r.randrange(8))])
        elif x < 0.7:
            del b[j:]
        elif x < 0.9:
            b[j : j + 8] = b"\xff" * 8
        else:
            b[j:j] = bytes(r.randrange(256) for _ in range(r.randint(1, 16)))
    return bytes(b)


class Gen:
    """Argument generator for one call; rng decides everything."""

    def __init__(self, rng, strings):
        self.r = rng
        self.strings = strings
        nd = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
        self.S = [rng.choice([0, 1, 2, 2, 3, 3, 4, 5]) if rng.random() < 0.95 else 0 for _ in range(nd)]
        if nd >= 2 and rng.random() < 0.4:
            self.S[-1] = self.S[-2]
        self.nd = None  # ndim of the first array made
        self.blob_fmt = None  # format of the file made for mx.load
        self.dt0 = None  # dtype of the first array made
        self.n_elems = 8

    def chance(self, p):
        return self.r.random() < p

    # scalars ---------------------------------------------------------
    def elem(self, dt):
        r = self.r
        if dt == "bool_":
            return r.choice(["True", "False"])
        if dt in INT_RANGE:
            lo, hi = INT_RANGE[dt]
            if r.random() < 0.2 + 0.3 * (self.n_elems <= 2):  # the edges, -1 (INT_MIN // -1 traps)
                return str(r.choice([lo, lo, hi, 0, lo + 1, hi - 1, -1 if lo else 1]))
            return str(r.randint(max(lo, -5), min(hi, 9)))
        if r.random() < 0.12:
            v = r.choice(FLOAT_SPECIAL)
        else:
            v = repr(round(r.uniform(-4, 4), r.choice([0, 1, 2])))
        if dt == "complex64":
            w = repr(round(r.uniform(-3, 3), 1)) if r.random() < 0.9 else r.choice(FLOAT_SPECIAL)
            return "complex(%s, %s)" % (v, w)
        return v

    def gint(self, kind="size"):
        r = self.r
        x = r.random()
        if x < 0.14:
            v = r.choice(EVIL_INTS)
            return S(v, alts=["0", "1", "-1"])
        if kind == "axis":
            nd = self.nd if self.nd is not None else len(self.S)
            return S(str(r.randint(-nd - 1, max(nd, 0))))
        if x < 0.25 and self.S:
            return S(str(r.choice([self.S[0], self.S[-1] + 1, -self.S[-1]])))
        return S(str(r.choice([0, 1, 1, 2, 2, 3, 4, 5, 8, -1, -1, -2, -3])))

    def gfloat(self):
        r = self.r
        if r.random() < 0.2:
            return S(r.choice(FLOAT_SPECIAL + ["0", "3", "-1"]))
        return S(repr(r.choice([0.0, 1.0, -1.0, 0.5, 1e-05, 2.0, 0.1, -3.5, 10.0])))

    def gstr(self, default=None):
        r = self.r
        if default and r.random() < 0.5:
            return S(default)
        return S(repr(r.choice(self.strings)))

    def gdtype(self):
        r = self.r
        x = r.random()
        if x < 0.85:
            return S("mx." + r.choice(DTYPES))
        if x < 0.93:
            return S(
                "mx." + r.choice(["floating", "integer", "number", "inexact", "complexfloating", "generic"])
            )
        return S(r.choice(["'float32'", "3", "None", "np.float32", "mx.array(1)", "float", "int"]))

    # arrays ----------------------------------------------------------
    def shape_for(self):
        r = self.r
        x = r.random()
        if x < 0.5:
            s = list(self.S)
        elif x < 0.65 and self.S:
            s = list(self.S[r.randint(0, len(self.S)) :])
            s = [1 if r.random() < 0.3 else d for d in s]
        else:
            nd = r.choice([0, 0, 1, 1, 1, 2, 2, 3, 4, 5])
            s = [r.choice([0, 1, 2, 3, 3, 4, 5, 7]) for _ in range(nd)]
        if r.random() < 0.03:
            s = [r.choice([17, 33, 64, 100])] + s[:1]
        return s

    def garr(self, dt=None, shape=None, allow_np=True):
        r = self.r
        if dt is None:  # half the time the dtype of the call's first array
            dt = self.dt0 if self.dt0 and r.random() < 0.5 else r.choice(DTYPES + ["float32"] * 5 + ["int32"])
            self.dt0 = self.dt0 or dt
        if shape is None:
            shape = self.shape_for()
        n = _prod(shape)
        if n > 4096:
            shape = [min(d, 8) for d in shape]
            n = _prod(shape)
        self.n_elems = n  # small arrays get edge values more often
        vals = [self.elem(dt) for _ in range(max(n, 1))] if n <= 48 else None
        views = []
        s = list(shape)
        if r.random() < 0.3:
            for _ in range(r.choice([1, 1, 2])):
                opts = ["bcast", "newaxis"]
                if s:
                    opts += ["step0", "rev", "slice", "T"]
                if len(s) >= 2:
                    opts += ["swap", "step1", "T"]
                v = r.choice(opts)
                views.append(v)
                s = _view_shape(s, v)
        node = {"k": "arr", "dt": dt, "shape": shape, "vals": vals, "views": views}
        if allow_np and dt in NP_DTYPE and r.random() < 0.06:
            node["np"] = True
        if self.nd is None:
            self.nd = len(s)
        return node

    def int_array(self):
        r = self.r
        d = self.S[0] if self.S else 3
        shape = self.shape_for() if r.random() < 0.5 else [r.choice([0, 1, 2, 3, 4])]
        n = min(_prod(shape), 48)
        dt = r.choice(["int32", "int32", "int64", "uint32", "int8", "uint64", "float32"])
        vals = []
        for _ in range(max(n, 1)):
            if r.random() < 0.1:
                vals.append(
                    r.choice(["2**31 - 1", "-2**31", "100", "-100"])
                    if dt in ("int32", "int64", "float32")
                    else "0"
                )
            elif dt.startswith("u"):
                vals.append(str(r.randint(0, d + 1)))
            else:
                vals.append(str(r.randint(-d - 1, d + 1)))
        if _prod(shape) > 48:
            shape = [n]
        return {"k": "arr", "dt": dt, "shape": shape, "vals": vals, "views": []}

    def list_of_numbers(self):
        r = self.r
        x = r.random()
        if x < 0.3:
            return {
                "k": "seq",
                "t": "list",
                "items": [S(self.elem("float32")) for _ in range(r.randint(0, 5))],
            }
        if x < 0.55:
            rows = r.randint(1, 3)
            cols = r.randint(0, 3)
            return {
                "k": "seq",
                "t": "list",
                "items": [
                    {"k": "seq", "t": "list", "items": [S(self.elem("int32")) for _ in range(cols)]}
                    for _ in range(rows)
                ],
            }
        if x < 0.7:  # ragged
            return S(
                r.choice(
                    [
                        "[[1, 2], [3]]",
                        "[[], [1]]",
                        "[1, [2]]",
                        "[[1], 2]",
                        "[[[1, 2]], [[3]]]",
                        "[[]]",
                        "[[[]]]",
                    ]
                )
            )
        if x < 0.85:  # mixed types
            return S(
                r.choice(
                    [
                        "[1, 2.5, True]",
                        "[1, 1j]",
                        "[mx.array(1), 2]",
                        "[mx.array([1, 2]), mx.array([3])]",
                        "[2**64]",
                        "[-2**63, 2**63]",
                        "[mx.nan, mx.inf]",
                        "[None]",
                        "['a']",
                        "[1, 'a']",
                        "[b'x']",
                        "[np.float32(1.5), np.int64(3)]",
                        "(1, 2, 3)",
                        "range(5)",
                        "[mx.array(1.0), 1j]",
                        "[[mx.array([1]), 2]]",
                    ]
                )
            )
        depth = r.choice([3, 64, 500, 1000, 5000, 20000, 100000])
        return {"k": "nest", "depth": depth, "leaf": r.choice(["0", "1.5", "[]", "True"])}

    def scalar(self):
        r = self.r
        x = r.random()
        if x < 0.35:
            return self.gint()
        if x < 0.65:
            return self.gfloat()
        if x < 0.75:
            return S(r.choice(["True", "False"]))
        if x < 0.85:
            return S(r.choice(["complex(1, 2)", "1j", "complex(mx.nan, 0)"]))
        return S(
            r.choice(
                [
                    "np.float16(1.5)",
                    "np.int8(-3)",
                    "np.uint64(2**64 - 1)",
                    "np.complex64(1j)",
                    "np.bool_(True)",
                    "np.float64(mx.nan)",
                ]
            )
        )

    def gany(self):
        r = self.r
        x = r.random()
        if x < 0.5:
            return self.garr()
        if x < 0.68:
            return self.scalar()
        if x < 0.82:
            return self.list_of_numbers()
        if x < 0.85:
            return self.int_array()
        return S(r.choice(WRONG))

    def wrong(self):
        r = self.r
        if r.random() < 0.3:
            return self.gany()
        return S(r.choice(WRONG))

    # shapes, axes, indices -------------------------------------------
    def gshape(self):
        r = self.r
        x = r.random()
        if x < 0.2:
            return S(r.choice(EVIL_SHAPES), alts=["(2, 3)", "(1,)", "()"])
        if x < 0.45:
            s = list(self.S)
        elif x < 0.6:
            n = _prod(self.S)
            s = r.choice([[n], [-1], [n, 1], [1, n], [-1, 1], list(reversed(self.S))])
        else:
            s = [r.choice([0, 1, 2, 3, 4, 5]) for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4]))]
        if r.random() < 0.1 and s:
            s[r.randrange(len(s))] = -1
        t = "list" if r.random() < 0.2 else "tuple"
        return {"k": "seq", "t": t, "items": [S(str(d)) for d in s]}

    def gaxis_obj(self):
        r = self.r
        x = r.random()
        nd = self.nd if self.nd is not None else len(self.S)
        if x < 0.2:
            return S("None")
        if x < 0.6:
            return self.gint("axis")
        if x < 0.85:
            axes = list(range(-nd, nd)) or [0]
            k = r.randint(0, min(3, len(axes)))
            return {
                "k": "seq",
                "t": r.choice(["tuple", "list"]),
                "items": [S(str(a)) for a in r.sample(axes, k)],
            }
        return S(
            r.choice(
                [
                    "(0, 0)",
                    "(2**31,)",
                    "[]",
                    "(-2**63,)",
                    "'a'",
                    "(0, -1, 0)",
                    "1.5",
                    "(100,)",
                    "[[0]]",
                    "(None,)",
                ]
            ),
            alts=["0", "None"],
        )

    def gaxes_seq(self):
        r = self.r
        nd = self.nd if self.nd is not None else len(self.S)
        x = r.random()
        if x < 0.45:
            p = list(range(nd))
            r.shuffle(p)
            items = p
        elif x < 0.75:
            items = [r.randint(-nd - 1, nd) for _ in range(r.randint(0, 4))]
        elif x < 0.9:
            items = list(self.S)
        else:
            return S(
                r.choice(
                    ["(2**31, 0)", "(-2**63,)", "(0,) * 70", "((0,),)", "(0.5,)", "[-1, -1]", "(2**64,)"]
                ),
                alts=["(0,)", "()"],
            )
        return {"k": "seq", "t": r.choice(["tuple", "list"]), "items": [S(str(i)) for i in items]}

    def gindex_atom(self):
        r = self.r
        d = self.S[0] if self.S else 2
        x = r.random()
        if x < 0.3:
            return S(str(r.randint(-d - 1, d)))
        if x < 0.55:
            parts = [r.choice(["None", "0", "1", "-1", str(d), "-100", "100"]) for _ in range(2)]
            step = r.choice(["None", "None", "2", "-1", "-2", "0", "3", "2**63 - 1", "-2**63"])
            return S("slice(%s, %s, %s)" % (parts[0], parts[1], step))
        if x < 0.62:
            return S(r.choice(["None", "Ellipsis"]))
        if x < 0.78:
            return self.int_array()
        if x < 0.85:
            return self.garr(dt="bool_")
        if x < 0.92:
            return S(r.choice(["[0, 1]", "[-1]", "[]", "[True, False]", "[[0], [1]]", "np.array([0, 1])"]))
        return S(r.choice(EVIL_INTS + ["1.5", "'a'", "mx.array(1.5)", "(0, 'a')", "{}"]))

    def gindex(self):
        r = self.r
        if r.random() < 0.45:
            return self.gindex_atom()
        return {"k": "seq", "t": "tuple", "items": [self.gindex_atom() for _ in range(r.randint(0, 4))]}

    # by parameter ----------------------------------------------------
    def for_param(self, target, p):
        r = self.r
        name, ann = p["name"], p["ann"]
        tail = target.rsplit(".", 1)[-1]
        if name == "file":  # never a made-up path: in-memory files only
            if tail == "load":
                if VALID_BLOBS and r.random() < 0.6:
                    fmt, blob = r.choice(VALID_BLOBS)
                    self.blob_fmt = fmt
                    return S("io.BytesIO(%r)" % mutate(r, blob))
                return S("io.BytesIO(%r)" % r.choice(LOAD_BLOBS))
            return S(r.choice(["io.BytesIO()", "io.BytesIO()", "None", "3", "io.StringIO()"]))
        if name != "stream" and r.random() < 0.05:
            return self.wrong()
        if name == "stream":
            if r.random() < 0.6:
                return S("None")
            return S(
                r.choice(
                    [
                        "mx.cpu",
                        "mx.cpu",
                        "mx.gpu",
                        "mx.default_stream(mx.cpu)",
                        "mx.Device(mx.cpu)",
                        "mx.Device(mx.cpu, 7)",
                        "3",
                        "'cpu'",
                        "mx.new_stream(mx.cpu)",
                    ]
                )
            )
        if name == "format":
            if self.blob_fmt and r.random() < 0.8:
                return S(repr(self.blob_fmt))
            return S(r.choice(["'npy'", "'npz'", "'safetensors'", "'gguf'", "None", "'x'"]))
        if name == "key":
            return S(
                r.choice(
                    [
                        "None",
                        "None",
                        "mx.random.key(0)",
                        "mx.random.key(2**32 - 1)",
                        "mx.array([1, 2, 3], dtype=mx.uint32)",
                        "mx.array(1.5)",
                        "mx.zeros((0,), dtype=mx.uint32)",
                        "mx.random.split(mx.random.key(1), 3)",
                    ]
                )
            )
        if "Callable" in ann or name in ("fun", "f", "all_gather_factory"):
            return S(r.choice(LAMBDAS))
        if tail in ("__getitem__", "__setitem__") and name == "arg0":
            return self.gindex()
        if "Dtype" in ann or name in ("dtype", "to"):
            return self.gdtype() if r.random() < 0.93 else S("None")
        if name == "subscripts":
            return S(r.choice(EINSUM))
        if ann.startswith("dict"):
            return {
                "k": "dict",
                "items": [("'a'", self.garr())] + ([("'b'", self.gany())] if r.random() < 0.3 else []),
            }
        if name in ("name", "source", "header") and "kernel" in tail:
            return self.gstr()
        if name in ("primals", "tangents", "cotangents", "inputs", "outputs", "dependencies", "arrays"):
            x = r.random()
            if x < 0.75:
                items = [self.garr() for _ in range(r.choice([1, 1, 2, 3]))]
                return {"k": "seq", "t": r.choice(["list", "list", "tuple"]), "items": items}
            if x < 0.85:
                return S("[]")
            return self.gany()
        if name == "metadata":
            return S(
                r.choice(
                    [
                        "None",
                        "{'k': 'v'}",
                        "{'k': 1}",
                        "{1: 'v'}",
                        "{'': ''}",
                        "{'k': mx.array(1)}",
                        "{'k': ['a', 'b']}",
                    ]
                )
            )
        if name in ("device",):
            return S(
                r.choice(
                    [
                        "mx.cpu",
                        "mx.gpu",
                        "mx.Device(mx.cpu)",
                        "mx.Device(mx.gpu, 3)",
                        "mx.Device(mx.cpu, 2**31 - 1)",
                        "None",
                        "'cpu'",
                        "0",
                    ]
                )
            )
        if "DeviceType" in ann or name in ("device_type", "type"):
            return S(r.choice(["mx.cpu", "mx.gpu", "mx.DeviceType.cpu", "0", "5", "-1"]))
        if "Stream" in ann or (name == "s" and tail == "stream"):
            return S(
                r.choice(
                    ["mx.default_stream(mx.cpu)", "mx.cpu", "None", "mx.gpu", "mx.new_stream(mx.cpu)", "7"]
                )
            )
        if name == "kind":
            return S(
                r.choice(
                    [
                        "'bool'",
                        "'integral'",
                        "'real floating'",
                        "'complex floating'",
                        "'numeric'",
                        "mx.floating",
                        "('integral', 'bool')",
                        "'x'",
                        "mx.float32",
                        "()",
                        "(mx.integer, 'bool')",
                    ]
                )
            )
        if name in ("arg1", "arg2", "from_", "arg0") and tail in (
            "issubdtype",
            "can_cast",
            "finfo",
            "iinfo",
            "result_type",
        ):
            return self.gdtype() if r.random() < 0.7 else self.gany()
        if name == "group":
            return S(r.choice(["None", "None", "mx.distributed.init()", "3"]))
        if name in ("argnums", "in_axes", "out_axes"):
            return S(
                r.choice(
                    [
                        "0",
                        "1",
                        "None",
                        "(0, 1)",
                        "-1",
                        "(0, None)",
                        "[0]",
                        "2**31",
                        "()",
                        "(0, 0)",
                        "'a'",
                        "{'a': 0}",
                        "1.5",
                    ]
                )
            )
        if name == "argnames":
            return S(r.choice(["[]", "'x'", "['x', 'y']", "[1]", "None", "''"]))
        if name == "precision" or name == "limit":
            return self.gint()
        if name in ("shape", "s", "reps", "slice_size", "strides", "pad_width"):
            if name == "pad_width" and r.random() < 0.5:
                return S(
                    r.choice(
                        [
                            "1",
                            "(1, 2)",
                            "((1, 1), (0, 2))",
                            "[(0, 1)]",
                            "((-1, 2),)",
                            "(2**31, 0)",
                            "((1, 2, 3),)",
                            "-1",
                            "()",
                        ]
                    )
                )
            return self.gshape() if "Sequence" in ann or r.random() < 0.85 else self.gint()
        if name in ("axes", "source", "destination") and "Sequence" in ann:
            return self.gaxes_seq()
        if name in (
            "axis",
            "axes",
            "axis1",
            "axis2",
            "source",
            "destination",
            "start_axis",
            "end_axis",
            "shift",
        ):
            if "SupportsInt" in ann and "object" not in ann:
                return self.gint("axis") if r.random() < 0.95 else S("None")
            if name == "axes" and r.random() < 0.3:
                return self.gaxes_seq()
            return self.gaxis_obj()
        if name in (
            "indices",
            "indices_or_sections",
            "start_indices",
            "lhs_indices",
            "rhs_indices",
            "segments",
        ):
            x = r.random()
            if x < 0.6:
                return self.int_array()
            if x < 0.8:
                return self.gint()
            return S(r.choice(["[1, 2]", "[]", "(0, 2**31)", "[-1, 5]", "[[1]]", "[2, 1]"]))
        if name == "val":  # mx.array(...)
            x = r.random()
            if x < 0.3:
                return self.list_of_numbers()
            if x < 0.5:
                return self.garr()
            if x < 0.7:
                return self.scalar()
            return S(
                r.choice(
                    WRONG
                    + [
                        "memoryview(b'abcd')",
                        "bytearray(4)",
                        "np.array(['a'])",
                        "np.zeros((2, 0, 3))",
                        "np.arange(12).reshape(3, 4)[:, ::2]",
                        "np.arange(6.0).reshape(2, 3).T",
                        "np.float32(2.5)",
                        "np.array([1.5], dtype=np.longdouble)",
                        "np.array(2**63, dtype=np.uint64)",
                        "iter([1, 2])",
                        "(x for x in [1])",
                        "{1: 2}",
                        "[[1, 2], [3, 4]]",
                        "np.array([object()])",
                        "np.zeros((2, 2))[None, :, 0]",
                    ]
                )
            )
        if "array" in ann and "mlx.core.array" in ann:
            if "None" in ann and r.random() < 0.25:
                return S("None")
            if name in ("weights", "mask", "segments") or r.random() < 0.85:
                return self.garr()
            return self.gany()
        if "bool" in ann.split("|")[0]:
            return S(r.choice(["True", "False"])) if r.random() < 0.95 else self.wrong()
        if "str" in ann:
            if "None" in ann and r.random() < 0.15:
                return S("None")
            return self.gstr(p["default"] if p["default"] and p["default"][:1] in "'\"" else None)
        if "SupportsFloat" in ann:
            if "None" in ann and r.random() < 0.2:
                return S("None")
            return self.gfloat() if r.random() < 0.85 else self.gint()
        if "SupportsInt" in ann and "Sequence" not in ann:
            if "None" in ann and r.random() < 0.2:
                return S("None")
            return self.gint()
        if "Sequence" in ann:
            return self.gshape() if r.random() < 0.5 else self.gaxes_seq()
        if name in ("ord",):
            return S(
                r.choice(
                    ["None", "2", "'fro'", "'nuc'", "mx.inf", "-mx.inf", "0", "1", "-1", "-2", "3.5", "'x'"]
                )
            )
        if name in (
            "start",
            "stop",
            "step",
            "low",
            "high",
            "lower",
            "upper",
            "loc",
            "p",
            "a_min",
            "a_max",
            "vals",
            "fill_value",
            "constant_values",
            "nan",
        ):
            x = r.random()
            if x < 0.35:
                return self.gint()
            if x < 0.7:
                return self.gfloat()
            return self.gany()
        if name in (
            "n",
            "k",
            "num",
            "size",
            "n_fft",
            "hop_length",
            "win_length",
            "length",
            "offset",
            "num_samples",
            "repeats",
            "kth",
            "minlength",
            "dims",
            "index",
        ):
            return self.gint()
        if name in ("input_names", "output_names"):
            return S(r.choice(["['a']", "[]", "['a', 'a']", "'a'", "[1]"]))
        return self.gany()


def gen_call(target, i, rng, strings):
    """One call: a JSON-able spec (see render_call)."""
    g = Gen(rng, strings)
    r = rng
    params, ret = r.choice(target["sigs"])
    spec = {"i": i, "t": target["name"], "kind": target["kind"], "args": [], "kw": [], "post": []}
    if target["kind"] in ("method", "attr", "at"):
        spec["recv"] = g.garr(allow_np=False)
        if target["kind"] == "at":
            spec["idx"] = g.gindex()
    if target["kind"] == "attr":
        return spec
    positional = True
    for p in params:
        kind, has_default = p["kind"], p["default"] is not None
        if kind == "var":
            n = r.choice([0, 1, 1, 2, 2, 3])
            tail = target["name"].rsplit(".", 1)[-1]
            if target["kind"] == "method":  # x.reshape(*shape), x.transpose(*axes)
                seq = g.gshape() if r.random() < 0.5 else g.gaxes_seq()
                if seq["k"] == "seq" and r.random() < 0.5:
                    spec["args"].extend(seq["items"])
                else:
                    spec["args"].append(seq)
                n = 0
            for _ in range(n):
                if tail.endswith("shapes"):
                    spec["args"].append(g.gshape())
                elif r.random() < 0.8:
                    spec["args"].append(g.garr())
                else:
                    spec["args"].append(g.gany())
            positional = False
            continue
        if kind == "varkw":
            for name in r.sample(["a", "b", "arr_0", "x"], r.choice([0, 0, 1, 2])):
                spec["kw"].append([name, g.garr()])
            continue
        include = r.random() < (0.55 if has_default and p["name"] != "format" else 0.98)
        if not include:
            if kind != "kw":
                positional = False
            continue
        node = g.for_param(target["name"], p)
        by_name = kind == "kw" or (kind == "any" and (not positional or r.random() < 0.3))
        if by_name and re.match(r"^arg\d+$", p["name"]) and positional:
            by_name = False  # pybind11's made-up names: positional is the real use
        if by_name:
            spec["kw"].append([p["name"], node])
            if kind == "any":
                positional = False
        elif kind == "pos" and not positional:
            continue
        else:
            spec["args"].append(node)
    if r.random() < 0.02:
        spec["args"].append(g.gany())
    if r.random() < 0.02:
        spec["kw"].append(["bogus", S("1")])
    if (
        "Callable" in ret
        or "callable" == ret
        or (ret in ("object",) and any("Callable" in p["ann"] for p in params))
    ):
        spec["follow"] = [g.garr() for _ in range(r.choice([1, 1, 2]))]
    if r.random() < 0.15:
        spec["post"].append("repr")
    if r.random() < 0.3:
        spec["post"].append("use")
    return spec
