"""One rank of the multi-process tests in test_distributed.py, started by
mlx.launch. ``python distributed_worker.py SCENARIO``: each scenario checks
its results against NumPy (every rank builds every rank's inputs from the
same seeds) and prints "OK <scenario> <rank>" when all of them held."""

import os
import sys
import time

import numpy as np

import mlx.core as mx
import mlx.nn as nn
from mlx.nn.layers.distributed import shard_inplace, shard_linear
from mlx.nn.utils import average_gradients
from mlx.utils import tree_flatten

DTYPES = {
    "float32": (mx.float32, np.float32),
    "float16": (mx.float16, np.float16),
    "bfloat16": (mx.bfloat16, np.float32),
    "float64": (mx.float64, np.float64),
    "int8": (mx.int8, np.int8),
    "uint8": (mx.uint8, np.uint8),
    "int32": (mx.int32, np.int32),
    "int64": (mx.int64, np.int64),
    "uint32": (mx.uint32, np.uint32),
    "complex64": (mx.complex64, np.complex64),
    "bool": (mx.bool_, np.bool_),
}


def data(rank, shape, np_type, seed=0):
    """Rank `rank`'s input: small values, so that sums are exact in every dtype."""
    rng = np.random.default_rng(seed * 1000 + rank)
    if np_type == np.bool_:
        return rng.integers(0, 2, shape).astype(np.bool_)
    if np.issubdtype(np_type, np.complexfloating):
        return (rng.integers(-4, 5, shape) + 1j * rng.integers(-4, 5, shape)).astype(np_type)
    lo = 0 if np.issubdtype(np_type, np.unsignedinteger) else -4
    return rng.integers(lo, 5, shape).astype(np_type)


def to_np(a):
    if a.dtype == mx.bfloat16:
        a = a.astype(mx.float32)
    return np.array(a)


def collectives(g):
    r, n = g.rank(), g.size()
    # A large array takes the ring's bidirectional path; MPI needs no such
    # size (and busy-waits on an oversubscribed machine).
    large = (300001,) if os.environ.get("MLX_TEST_BACKEND", "ring") == "ring" else (20001,)
    shapes = [(7,), (1000, 3), large, (), (0, 4)]
    for name, (mt, nt) in DTYPES.items():
        for shape in shapes:
            xs = [data(k, shape, nt) for k in range(n)]
            x = mx.array(xs[r]).astype(mt)
            if name == "bool":
                want_sum = np.any(xs, axis=0)
            elif name == "bfloat16":
                want_sum = np.sum(xs, axis=0)
            else:
                want_sum = np.sum(xs, axis=0, dtype=nt)
            got = mx.distributed.all_sum(x)
            assert got.dtype == mt and got.shape == shape, (name, shape, got.dtype, got.shape)
            np.testing.assert_array_equal(to_np(got), want_sum, err_msg=f"all_sum {name} {shape}")
            if name != "complex64":
                np.testing.assert_array_equal(to_np(mx.distributed.all_max(x)), np.max(xs, axis=0))
                np.testing.assert_array_equal(to_np(mx.distributed.all_min(x)), np.min(xs, axis=0))
            gathered = mx.distributed.all_gather(x)
            want = np.concatenate([np.reshape(v, (-1,) + shape[1:]) if shape else v[None] for v in xs])
            assert gathered.shape == want.shape, (gathered.shape, want.shape)
            np.testing.assert_array_equal(to_np(gathered), want, err_msg=f"all_gather {name} {shape}")
        rows = data(0, (4 * n, 3), nt)
        mine = [data(k, (4 * n, 3), nt) for k in range(n)]
        x = mx.array(mine[r]).astype(mt)
        got = mx.distributed.sum_scatter(x)
        total = np.any(mine, axis=0) if name == "bool" else np.sum(mine, axis=0).astype(rows.dtype)
        np.testing.assert_array_equal(to_np(got), total[4 * r : 4 * (r + 1)], err_msg=f"sum_scatter {name}")

    # Layouts: transposed, broadcast and sliced inputs; Python scalars.
    base = [np.arange(12, dtype=np.float32).reshape(3, 4) * (k + 1) for k in range(n)]
    x = mx.array(base[r])
    np.testing.assert_array_equal(np.array(mx.distributed.all_sum(x.T)), np.sum(base, axis=0).T)
    np.testing.assert_array_equal(np.array(mx.distributed.all_sum(x[:, ::2])), np.sum(base, axis=0)[:, ::2])
    b = mx.broadcast_to(mx.array([float(r)]), (3, 5))
    np.testing.assert_array_equal(
        np.array(mx.distributed.all_sum(b)), np.full((3, 5), sum(range(n)), np.float32)
    )
    s = mx.distributed.all_sum(r + 1)
    assert s.dtype == mx.int32 and s.item() == n * (n + 1) // 2
    s = mx.distributed.all_gather(float(r))
    assert s.shape == (n,) and s.tolist() == [float(k) for k in range(n)]
    np.testing.assert_array_equal(np.array(mx.distributed.all_sum(x, stream=mx.cpu)), np.sum(base, axis=0))
    # An input made in the same evaluation is donated: the ring reduces in
    # the input's own memory, with received data kept apart until used.
    for shape in [(300001,), (1000, 3)]:
        big = [data(k, shape, np.float32, seed=5) for k in range(n)]
        got = mx.distributed.all_sum(mx.array(big[r]) + 0.0)
        np.testing.assert_array_equal(np.array(got), np.sum(big, axis=0), err_msg=f"donated all_sum {shape}")
        got = mx.distributed.all_max(mx.array(big[r]) * 1.0)
        np.testing.assert_array_equal(np.array(got), np.max(big, axis=0), err_msg=f"donated all_max {shape}")
    # vmap re-applies the reduction; its result keeps the batch axis.
    v = mx.vmap(mx.distributed.all_sum, in_axes=1)(x)
    np.testing.assert_array_equal(np.array(v), np.sum(base, axis=0).T)

    # Errors.
    for bad in (n, -1):
        try:
            mx.distributed.send(x, bad)
            raise AssertionError("send to a bad rank")
        except ValueError as e:
            assert f"Invalid destination={bad} for a group of size {n}" in str(e)
    try:
        mx.distributed.sum_scatter(mx.ones((n + 1,)))
        raise AssertionError("sum_scatter of an indivisible axis")
    except ValueError as e:
        assert str(e).startswith("[sum_scatter]"), e


def gradients(g):
    r, n = g.rank(), g.size()
    w = mx.array([1.0, 2.0, 3.0]) * (r + 1)
    x = mx.array([0.5, -1.0, 2.0])
    # The cotangent of all_sum passes through unchanged (MLX's rule).
    dx = mx.grad(lambda v: mx.distributed.all_sum(v * w).sum())(x)
    np.testing.assert_allclose(np.array(dx), np.array(w))
    _, t = mx.jvp(lambda v: mx.distributed.all_sum(v * w), [x], [mx.ones(3)])
    np.testing.assert_allclose(np.array(t[0]), np.array([1.0, 2.0, 3.0]) * n * (n + 1) / 2)
    # all_gather's cotangent is this rank's part.
    dg = mx.grad(lambda v: (mx.distributed.all_gather(v) * mx.arange(2 * n)).sum())(mx.ones(2))
    np.testing.assert_allclose(np.array(dg), [2 * r, 2 * r + 1])
    # sum_scatter's is the gathered cotangent.
    ds = mx.grad(lambda v: (mx.distributed.sum_scatter(v) * (r + 1)).sum())(mx.ones(2 * n))
    np.testing.assert_allclose(np.array(ds), np.repeat(np.arange(1, n + 1), 2).astype(np.float32))


def point_to_point(g):
    r, n = g.rank(), g.size()
    # A chain 0 -> 1 -> ... -> n-1, each adding its rank.
    if r == 0:
        mx.eval(mx.distributed.send(mx.arange(4, dtype=mx.int64), 1))
    else:
        got = mx.distributed.recv((4,), mx.int64, r - 1)
        if r < n - 1:
            mx.eval(mx.distributed.send(got + r, r + 1))
        else:
            np.testing.assert_array_equal(np.array(got + r), np.arange(4) + sum(range(n)))
    # Any rank to any rank (MLX's ring reaches only neighbours).
    big = mx.arange(1 << 20, dtype=mx.float32)
    if r == 0:
        mx.eval(mx.distributed.send(big * 2, n - 1))
    elif r == n - 1:
        np.testing.assert_array_equal(np.array(mx.distributed.recv_like(big, 0)), np.arange(1 << 20) * 2.0)
    # Exchange with both neighbours in every dtype.
    right, left = (r + 1) % n, (r - 1) % n
    for name, (mt, nt) in DTYPES.items():
        mine = data(r, (5, 3), nt, seed=7)
        theirs = data(left, (5, 3), nt, seed=7)
        x = mx.array(mine).astype(mt)
        if r % 2 == 0:
            y = mx.distributed.send(x, right)
            z = mx.distributed.recv_like(x, left)
            mx.eval(y, z)
        else:
            z = mx.distributed.recv_like(x, left)
            y = mx.distributed.send(x, right)
            mx.eval(z, y)
        np.testing.assert_array_equal(to_np(z), to_np(mx.array(theirs).astype(mt)), err_msg=name)
    # Split: even and odd ranks, ranked in reverse by key.
    sub = g.split(r % 2, key=n - r)
    members = [k for k in range(n) if k % 2 == r % 2]
    assert sub.size() == len(members) and sub.rank() == len(members) - 1 - members.index(r)
    np.testing.assert_array_equal(np.array(mx.distributed.all_sum(mx.array([r]), group=sub)), [sum(members)])
    if sub.size() > 1:
        gathered = mx.distributed.all_gather(mx.array([r]), group=sub)
        assert gathered.tolist() == sorted(members, reverse=True)
        # average_gradients over the subgroup only.
        avg = average_gradients({"w": mx.array([float(r)]), "b": [mx.ones(2) * r]}, group=sub)
        assert (
            avg["w"].item() == sum(members) / len(members) and avg["b"][0].tolist() == [avg["w"].item()] * 2
        )


def overlap(g):
    """Collectives run beside the computation that does not need them: each
    exchange below deadlocks (and times out) when one rank runs its
    evaluation's nodes one after the other in depth-first order."""
    r, n = g.rank(), g.size()
    partner = r ^ 1
    if partner >= n:
        return
    x = mx.arange(1000, dtype=mx.float32) + r
    x_partner = np.arange(1000, dtype=np.float32) + partner
    # A receive on another stream than the rest runs on its own thread: the
    # send listed after it goes out while it waits.
    if r % 2 == 0:
        got = mx.distributed.recv_like(x, partner, stream=mx.new_stream(mx.cpu))
        sent = mx.distributed.send(x, partner, stream=mx.cpu)
        mx.eval(got, sent)
        np.testing.assert_array_equal(np.array(got), x_partner)
    else:
        got = mx.distributed.recv_like(x, partner)
        mx.eval(got)
        mx.eval(mx.distributed.send(got - partner + r, partner))
    # The collectives go out in the order of the graph on every process,
    # whatever each one computes before them: rank 0's first operand takes
    # a long chain that reads the second operand, so the second is ready
    # first there and last on the other ranks.
    b = mx.ones((256, 256)) * (10 + r)
    a = mx.ones((256, 256)) * r
    if r == 0:
        for _ in range(30):
            a = mx.sin(a @ mx.zeros((256, 256)) + 1) * 0 + a
        a = a + 0 * b
    sa, sb = mx.distributed.all_sum(a), mx.distributed.all_sum(b)
    mx.eval(sa, sb, a + b)
    assert np.all(np.array(sa) == sum(range(n))) and np.all(np.array(sb) == sum(10 + k for k in range(n)))
    # Compute and an all-sum in one evaluation, the all-sum on the
    # communication stream: same values as one after the other.
    w = mx.random.normal((64, 64), key=mx.random.key(r))
    h = w
    for _ in range(20):
        h = mx.tanh(h @ w)
    total = mx.distributed.all_sum(w)
    mx.eval(h, total)
    want = sum(np.array(mx.random.normal((64, 64), key=mx.random.key(k))) for k in range(n))
    np.testing.assert_allclose(np.array(total), want, rtol=1e-5, atol=1e-5)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(6, 16)
        self.l2 = nn.Linear(16, 3)

    def __call__(self, x):
        return self.l2(nn.relu(self.l1(x)))


def data_parallel(g):
    r, n = g.rank(), g.size()
    mx.random.seed(3)
    X = mx.random.normal((8 * n, 6))
    Y = mx.random.normal((8 * n, 3))

    def loss(model, x, y):
        return nn.losses.mse_loss(model(x), y)

    def step(model, x, y, average):
        _, grads = nn.value_and_grad(model, loss)(model, x, y)
        if average:
            grads = average_gradients(grads)
        model.update({k: v for k, v in _sgd(model.parameters(), grads).items()})
        mx.eval(model.parameters())

    mx.random.seed(4)
    local = MLP()
    mx.random.seed(4)
    full = MLP()
    for _ in range(3):
        step(local, X[8 * r : 8 * (r + 1)], Y[8 * r : 8 * (r + 1)], True)
        step(full, X, Y, False)
    for (k, a), (_, b) in zip(tree_flatten(local.parameters()), tree_flatten(full.parameters())):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-5, atol=1e-6, err_msg=k)


def _sgd(params, grads, lr=0.1):
    if isinstance(params, dict):
        return {k: _sgd(params[k], grads[k], lr) for k in params}
    if isinstance(params, list):
        return [_sgd(p, q, lr) for p, q in zip(params, grads)]
    return params - lr * grads


def sharded(g):
    r, n = g.rank(), g.size()
    mx.random.seed(5)
    l1, l2 = nn.Linear(8, 8 * n), nn.Linear(8 * n, 5)
    x = mx.random.normal((3, 8))
    s1 = shard_linear(l1, "all-to-sharded")
    s2 = shard_linear(l2, "sharded-to-all")
    want = l2(nn.relu(l1(x)))
    got = s2(nn.relu(s1(x)))
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.array(s1(x)), np.array(l1(x))[:, 8 * r : 8 * (r + 1)], rtol=1e-5, atol=1e-6)
    # The input's gradient through the pair equals the unsharded one.
    dx_want = mx.grad(lambda v: l2(nn.relu(l1(v))).sum())(x)
    dx_got = mx.grad(lambda v: s2(nn.relu(s1(v))).sum())(x)
    np.testing.assert_allclose(np.array(dx_got), np.array(dx_want), rtol=1e-4, atol=1e-5)
    # Fused QKV: each of 3 segments split over the group.
    qkv = nn.Linear(8, 3 * 4 * n)
    sq = shard_linear(qkv, "all-to-sharded", segments=3)
    parts = np.split(np.array(qkv(x)), 3, axis=1)
    np.testing.assert_allclose(
        np.array(sq(x)),
        np.concatenate([p[:, 4 * r : 4 * (r + 1)] for p in parts], axis=1),
        rtol=1e-5,
        atol=1e-6,
    )
    # Quantized: the same products with packed weights.
    q1 = nn.QuantizedLinear.from_linear(nn.Linear(64, 16 * n), group_size=32, bits=4)
    q2 = nn.QuantizedLinear.from_linear(nn.Linear(64 * n, 16), group_size=32, bits=8)
    xq = mx.random.normal((2, 64))
    np.testing.assert_allclose(
        np.array(shard_linear(q1, "all-to-sharded")(xq)),
        np.array(q1(xq))[:, 16 * r : 16 * (r + 1)],
        rtol=1e-4,
        atol=1e-4,
    )
    xb = mx.random.normal((2, 64 * n))
    sq2 = shard_linear(q2, "sharded-to-all")
    np.testing.assert_allclose(
        np.array(sq2(xb[:, 64 * r : 64 * (r + 1)])), np.array(q2(xb)), rtol=1e-4, atol=1e-3
    )
    # shard_inplace on a Sequential, communication done by hand.
    m = nn.Sequential(nn.Linear(8, 4 * n), nn.Linear(4 * n, 3))
    ref = np.array(m(x))
    shard_inplace(m.layers[0], "all-to-sharded")
    shard_inplace(m.layers[1], "sharded-to-all")
    h = m.layers[0](x)
    out = mx.distributed.all_sum(h @ m.layers[1].weight.T) + m.layers[1].bias
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-5)

    # fully_shard: parameters sliced on axis 0, outputs whole, gradients
    # the (averaged) slices of the full ones.
    def two_layers():
        mx.random.seed(6)
        return nn.Sequential(nn.Linear(6, 16), nn.Linear(16, 4 * n))

    dense, fs = two_layers(), nn.fully_shard(two_layers())
    assert fs.module.layers[0].weight.shape == (16 // n, 6)
    xs = x[:, :6]
    np.testing.assert_allclose(np.array(fs(xs)), np.array(dense(xs)), rtol=1e-5, atol=1e-6)
    _, g_full = nn.value_and_grad(dense, lambda v: dense(v).sum())(xs)
    _, g_shard = nn.value_and_grad(fs, lambda v: fs(v).sum())(xs)
    w = np.array(g_full["layers"][0]["weight"])
    rows = 16 // n
    np.testing.assert_allclose(
        np.array(g_shard["module"]["layers"][0]["weight"]), w[rows * r : rows * (r + 1)], rtol=1e-5, atol=1e-6
    )


def report(line):
    # One write, so that lines of ranks sharing the launcher's output stay whole.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def peer_dies(g):
    r = g.rank()
    mx.eval(mx.distributed.all_sum(mx.ones(4)))
    if r == 1:
        os._exit(7)
    start = time.monotonic()
    try:
        for _ in range(100):
            mx.eval(mx.distributed.all_sum(mx.ones(1 << 16)))
            time.sleep(0.05)
    except RuntimeError as e:
        report(f"CLEAN_ERROR {r} {time.monotonic() - start:.2f} {e}")
        sys.exit(3)


def peer_hangs(g):
    if g.rank() == 1:
        time.sleep(60)
    start = time.monotonic()
    try:
        mx.eval(mx.distributed.all_sum(mx.ones(4)))
    except RuntimeError as e:
        report(f"CLEAN_ERROR {g.rank()} {time.monotonic() - start:.2f} {e}")
        sys.exit(3)


SCENARIOS = {
    "collectives": collectives,
    "gradients": gradients,
    "point_to_point": point_to_point,
    "data_parallel": data_parallel,
    "sharded": sharded,
    "overlap": overlap,
    "peer_dies": peer_dies,
    "peer_hangs": peer_hangs,
}


if __name__ == "__main__":
    group = mx.distributed.init(strict=True, backend=os.environ.get("MLX_TEST_BACKEND", "ring"))
    for name in sys.argv[1:]:
        SCENARIOS[name](group)
        report(f"OK {name} {group.rank()}")
