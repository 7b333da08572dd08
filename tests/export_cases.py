"""Functions exported in the .mlxfn tests, one or more per primitive family.

The same module is run under real MLX 0.32.4 by tools/make_mlxfn_data.py
(which writes tests/data/mlxfn/<name>.mlxfn and <name>.npz with the inputs
and MLX's outputs) and imported by tests/test_export.py for round trips
here. Each case is (name, function, inputs, options) where options may hold
"shapeless" (and then "other": inputs of other shapes to run the same file
on) and "kwargs" (names of the trailing inputs passed by keyword).
"""

import numpy as np


def _rng(seed):
    return np.random.default_rng(seed)


def cases(mx):
    r = _rng(0)
    f32 = lambda *s: mx.array(r.standard_normal(s).astype(np.float32))  # noqa: E731
    x, y = f32(3, 4), f32(3, 4)
    i = mx.array(r.integers(-9, 9, (3, 4)).astype(np.int32))
    j = mx.array(r.integers(1, 5, (3, 4)).astype(np.int32))
    w1, b1, w2 = f32(4, 8), f32(8), f32(8, 2)

    def elementwise(a, b):
        c = mx.log(mx.abs(a - b) + 1) * mx.sin(a) + mx.maximum(a, b) ** 2 - mx.sqrt(mx.abs(b))
        c = (
            c
            + mx.rsqrt(mx.abs(a) + 1)
            + mx.log2(mx.abs(b) + 2)
            + mx.log10(mx.abs(a) + 3)
            + mx.exp(-mx.square(a))
        )
        c = c + mx.where(a > b, mx.tanh(a), mx.sigmoid(b)) + mx.arctan2(a, b) + mx.erf(a) + mx.logaddexp(a, b)
        c = c + mx.floor(a) + mx.ceil(b) + mx.sign(a) * mx.cosh(b / 4) + mx.round(a, 2) - mx.expm1(b / 4)
        return c, (a >= b) & (a != 0), mx.isnan(a / b), mx.isinf(b) | mx.isfinite(a)

    def integer(a, b):
        return a // b, a % b, (a & b) | (a ^ 3), a << 1, a >> 1, mx.minimum(a, b).astype(mx.float32), -a

    def reductions(a):
        return (
            a.sum(0),
            a.prod(1, keepdims=True),
            a.max(),
            a.min(1),
            a.argmax(1),
            a.argmin(0),
            (a > 0).all(1),
            (a > 0).any(),
            a.mean(1),
            a.var(0),
            mx.logsumexp(a, 1),
            mx.softmax(a, -1),
            mx.softmax(a, 0, precise=True),
        )

    def layout(a, b):
        c = mx.concatenate([a, b], 1).reshape(4, 6).T
        p = mx.split(c, [2, 4], 0)
        q = mx.pad(a, ((1, 0), (0, 2)), constant_values=1.5)
        s = mx.as_strided(a, (2, 2), (1, 4), 1)
        t = mx.expand_dims(a, 0) + mx.squeeze(mx.expand_dims(b, 1), 1)
        return p[0] * 2, p[1], p[2], q, s, t, mx.flatten(t), mx.broadcast_to(a[:1], (2, 3, 4)), a[::2, 1:3]

    def indexing(a, idx):
        g = a[idx]
        t = mx.take_along_axis(a, mx.argsort(a, 1), 1)
        u = mx.put_along_axis(a, mx.array([[0], [1], [2]]), mx.array(9.0), 1)
        v = a.at[idx].add(1.0)
        w = a.at[1:, 2].multiply(3.0)
        z = mx.array(a)
        z[0, :] = 7.0
        return g, t, u, v, w, z, mx.take(a, mx.array([3, 0]), 1)

    def sort_scan(a, v):
        return (
            mx.sort(a, 1),
            mx.argsort(a, 0),
            mx.partition(a, 2, 1),
            mx.argpartition(a, 1, 0),
            mx.cumsum(a, 1),
            mx.cumprod(a, 0, reverse=True),
            mx.cummax(a, 1, inclusive=False),
            mx.searchsorted(mx.sort(a.reshape(-1)), v),
        )

    def conv(a, k1, k2):
        return mx.conv1d(a, k1, stride=2, padding=1), mx.conv2d(a[None], k2, padding=(1, 0), groups=1)

    def fft(a):
        c = mx.fft.fft(a)
        return mx.fft.ifft(c), mx.fft.rfft(a), mx.fft.irfft(mx.fft.rfft(a), 4), mx.fft.fftn(a).real

    def linalg(a):
        m = a @ a.T + 4 * mx.eye(3)
        u, s, vt = mx.linalg.svd(a, stream=mx.cpu)
        q, rr = mx.linalg.qr(a.T, stream=mx.cpu)
        return (
            mx.linalg.inv(m, stream=mx.cpu),
            mx.linalg.cholesky(m, stream=mx.cpu),
            s,
            mx.abs(q @ rr),
            mx.linalg.eigvalsh(m, stream=mx.cpu),
        )

    def mlp(a):
        h = mx.maximum(a @ w1 + b1, 0)
        return mx.addmm(b1[:2], h, w2, alpha=0.5, beta=2.0), mx.fast.rms_norm(h, None, 1e-5)

    def fast(a, q):
        return (
            mx.fast.layer_norm(a, mx.ones(4), mx.zeros(4), 1e-5),
            mx.fast.rope(q, 4, traditional=False, base=10000.0, scale=1.0, offset=2),
            mx.fast.scaled_dot_product_attention(q, q, q, scale=0.5, mask="causal"),
        )

    def random(key):
        k1, k2 = mx.random.split(key)
        return mx.random.uniform(shape=(3,), key=k1), mx.random.normal(shape=(2, 2), key=k2)

    wq, sq, bq = mx.quantize(f32(8, 64), 32, 4)

    def quantized(a):
        return mx.quantized_matmul(a, wq, sq, bq, transpose=True, group_size=32, bits=4)

    def shapeless(a, b):
        return mx.exp(a) @ b.T + a.sum(-1, keepdims=True), mx.abs(a).reshape(-1)

    def kw(a, *, bias, scale):
        return a * scale + bias

    wc = f32(3, 3, 4)

    def conv_shapeless(a):
        return mx.conv1d(a, wc, stride=2, padding=1)

    def train(a, b, inp, target):
        import mlx.nn as nn

        def loss(a, b):
            h = nn.gelu(mx.fast.layer_norm(inp @ a, mx.ones(8) * 1.5, None, 1e-5))
            h = mx.fast.rms_norm(h, mx.ones(8), 1e-5)
            return nn.losses.cross_entropy(h @ b, target, reduction="mean")

        return mx.value_and_grad(loss, argnums=(0, 1))(a, b)

    def divmod_(a, b, n, d):
        q, r = mx.divmod(a, b)
        qi, ri = mx.divmod(n, d)
        return q, r, qi, ri

    def masked_scatter(a, m, rows):
        b = mx.array(a)
        b[m] = mx.arange(a.size, dtype=mx.float32) * 0.5  # src larger than the mask needs
        c = mx.array(a)
        c[rows] = mx.full((3, 4), 2.0) + a  # a mask over the leading axis
        return b, c

    def block_masked(a, b, m_out, m_lhs, m_rhs):
        return (
            mx.block_masked_mm(a, b, 32, m_out),
            mx.block_masked_mm(a, b, 32, None, m_lhs, m_rhs),
            mx.block_masked_mm(a, b, 32, m_out > 0, m_lhs > 0, m_rhs > 0),
        )

    def matmul_shapeless(a, b):
        return mx.maximum(a @ b, 0), (a * 2).sum(-1)

    return [
        ("elementwise", elementwise, [x, y], {}),
        ("integer", integer, [i, j], {}),
        ("reductions", reductions, [x], {}),
        ("layout", layout, [x, y], {}),
        ("indexing", indexing, [x, mx.array([2, 0, 2])], {}),
        ("sort_scan", sort_scan, [x, f32(5)], {}),
        ("conv", conv, [f32(1, 7, 4), f32(3, 3, 4), f32(2, 3, 1, 4)], {}),
        ("fft", fft, [x], {}),
        ("linalg", linalg, [x], {}),
        ("mlp", mlp, [x], {}),
        ("fast", fast, [x, f32(1, 2, 5, 8)], {}),
        ("random", random, [mx.random.key(3)], {}),
        ("quantized", quantized, [f32(2, 64)], {}),
        ("shapeless", shapeless, [x, y], {"shapeless": True, "other": [f32(5, 4), f32(2, 4)]}),
        ("kwargs", kw, [x, f32(4), mx.array(2.0)], {"kwargs": ["bias", "scale"]}),
        ("train", train, [f32(4, 8), f32(8, 3), x, mx.array([0, 2, 1])], {"flatten": True}),
        ("conv_shapeless", conv_shapeless, [f32(2, 9, 4)], {"shapeless": True, "other": [f32(1, 14, 4)]}),
        ("divmod", divmod_, [x, y, i, j], {}),
        ("masked_scatter", masked_scatter, [x, x > 0.3, mx.array([True, False, True])], {}),
        (
            "block_masked_mm",
            block_masked,
            # Small integers and masks of halves: exact, compressible data.
            [
                mx.array(r.integers(-3, 4, (40, 36)).astype(np.float32)),
                mx.array(r.integers(-3, 4, (36, 34)).astype(np.float32)),
                mx.array([[1.0, 0.0], [0.5, 2.0]]),
                mx.array([[0.5, 1.0], [0.0, 1.0]]),
                mx.array([[1.0, -1.0], [2.0, 0.0]]),
            ],
            {},
        ),
        (
            "matmul_shapeless",
            matmul_shapeless,
            [f32(2, 3, 4), f32(4, 5)],
            {"shapeless": True, "other": [f32(3, 2, 4), f32(4, 5)]},
        ),
    ]


def multi_trace(mx, path):
    """Three traces of one function in one file, sharing a constant, with
    metadata; returns the inputs of each trace."""
    w = mx.arange(12, dtype=mx.float32).reshape(3, 4) / 7
    mx.eval(w)

    def fun(*args, **kwargs):
        out = w * 1.0
        for a in list(args) + [kwargs[k] for k in sorted(kwargs)]:
            out = out + a
        return out

    traces = [[mx.array(1.0)], [mx.ones((3, 4)), mx.array(2.0)], [mx.ones(4)]]
    with mx.exporter(path, fun, metadata="multi") as exp:
        exp(*traces[0])
        exp(*traces[1])
        exp(traces[2][0], z=mx.array(3.0))
    traces[2].append(mx.array(3.0))
    return fun, traces


def export(mx, path, name, fun, inputs, options):
    """Exports one case with the API under test (MLX's or ours)."""
    names = options.get("kwargs", [])
    npos = len(inputs) - len(names)
    kwargs = dict(zip(names, inputs[npos:]))
    if options.get("flatten"):
        fun = (lambda f: lambda *a, **k: flat(f(*a, **k)))(fun)
    mx.export_function(path, fun, *inputs[:npos], shapeless=options.get("shapeless", False), **kwargs)


def flat(out):
    if isinstance(out, (tuple, list)):
        return tuple(a for o in out for a in flat(o))
    return (out,)


def call(fn, inputs, options):
    names = options.get("kwargs", [])
    npos = len(inputs) - len(names)
    out = fn(*inputs[:npos], **dict(zip(names, inputs[npos:])))
    return flat(out) if options.get("flatten") else out
