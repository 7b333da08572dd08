"""mx.compile: same results as the uncompiled function, tracing once per
signature, captured constants, state given by inputs/outputs, composition
with grad and vmap, and errors for value-dependent ops."""
import numpy as np
import pytest

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim


def test_same_results_and_traces_once_per_signature():
    calls = []

    def f(x, y, scale=2.0):
        calls.append(1)
        return {"a": mx.exp(x) * y * scale, "b": [x + 1, mx.sum(x)]}

    cf = mx.compile(f)
    x, y = mx.array([1.0, 2.0]), mx.array(3.0)
    for args in [(x, y), (x + 1, y), (x * 2, y + 1)]:
        out, ref = cf(*args), f(*args)
        assert mx.allclose(out["a"], ref["a"]) and mx.array_equal(out["b"][0], ref["b"][0])
    assert len(calls) == 1 + 3  # one trace, plus the three reference calls
    cf(x, y, scale=3.0)  # a new constant: traced again
    cf(mx.ones(3), y)  # a new shape: traced again
    cf(x.astype(mx.float16), y)  # a new dtype: traced again
    assert len(calls) == 7
    assert cf.__name__ == "f"


def test_captured_arrays_are_constants_and_multiple_outputs():
    w = mx.array([1.0, 2.0])
    cf = mx.compile(lambda x: (x * w, mx.split(x, 2)))
    a, (b, c) = cf(mx.array([3.0, 4.0]))
    assert a.tolist() == [3.0, 8.0] and b.tolist() == [3.0] and c.tolist() == [4.0]
    # Identity and constant outputs.
    assert mx.compile(lambda x: x)(w) is not None
    assert mx.compile(lambda x: mx.ones(2))(w).tolist() == [1.0, 1.0]


def test_grad_and_vmap_through_compiled():
    f = lambda x: mx.sin(x) * x
    cf = mx.compile(f)
    x = mx.array([0.5, 1.0, 2.0])
    assert mx.allclose(mx.grad(lambda x: cf(x).sum())(x), mx.cos(x) * x + mx.sin(x))
    assert mx.allclose(mx.vmap(cf)(mx.ones((2, 3)) * x), f(mx.ones((2, 3)) * x))
    # compile of grad.
    cg = mx.compile(mx.grad(lambda x: (x ** 3).sum()))
    assert mx.allclose(cg(x), 3 * x ** 2)


def test_state_inputs_and_outputs_match_eager_training():
    def run(compiled):
        mx.random.seed(0)
        model = nn.Linear(4, 2)
        opt = optim.Adam(learning_rate=0.1)
        opt.init(model.trainable_parameters())
        x = mx.random.normal((8, 4))

        def step(x):
            loss, g = nn.value_and_grad(model, lambda m, x: (m(x) ** 2).mean())(model, x)
            opt.update(model, g)
            return loss

        if compiled:
            state = [model.state, opt.state]
            step = mx.compile(step, inputs=state, outputs=state)
        losses = [step(x).item() for _ in range(4)]
        return losses, model.weight

    (l1, w1), (l2, w2) = run(False), run(True)
    np.testing.assert_allclose(l1, l2, rtol=1e-6)
    assert mx.allclose(w1, w2)


def test_disable_and_enable():
    calls = []

    def f(x):
        calls.append(1)
        return x + 1

    cf = mx.compile(f)
    mx.disable_compile()
    try:
        cf(mx.array(1.0))
        cf(mx.array(1.0))
    finally:
        mx.enable_compile()
    assert len(calls) == 2
    cf(mx.array(1.0))
    cf(mx.array(1.0))
    assert len(calls) == 3


def test_value_dependent_ops_raise():
    with pytest.raises(ValueError):
        mx.compile(lambda x: x[x > 0])(mx.array([1.0, -1.0]))
    with pytest.raises(ValueError):
        mx.compile(lambda x: mx.nonzero(x)[0])(mx.array([1.0, 0.0]))
