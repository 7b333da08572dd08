"""Argument and result trees under grad, value_and_grad and vmap, as MLX
0.32.4 handles them (each expectation below was recorded from it)."""

import gc
from collections import OrderedDict, namedtuple
from typing import NamedTuple

import mlx.core as mx
import pytest


class State(NamedTuple):
    a: mx.array
    b: mx.array


class Vector(tuple):
    pass


Pair = namedtuple("Pair", "x y")


# ---- grad: checks when the transform is made ----


def test_grad_argnums_checked_when_made():
    f = lambda x: x  # noqa: E731
    with pytest.raises(TypeError):
        mx.value_and_grad(f, (None, None))
    with pytest.raises(TypeError):
        mx.grad(f, argnums="a")
    with pytest.raises(ValueError, match=r"\[value_and_grad\] Gradient wrt no argument requested"):
        mx.value_and_grad(f, ())
    with pytest.raises(ValueError, match=r"\[grad\] Duplicate argument index 0 is not allowed."):
        mx.grad(f, argnums=(0, 0))
    with pytest.raises(
        ValueError, match=r"\[grad\] Can't compute the gradient of negative argument index -1"
    ):
        mx.grad(f, argnums=(0, -1))


def test_grad_argnums_come_back_sorted():
    f = lambda x, y: x * 2 + y * 3  # noqa: E731
    dx, dy = mx.grad(f, argnums=(1, 0))(mx.array(1.0), mx.array(1.0))
    assert (dx.item(), dy.item()) == (2.0, 3.0)


def test_grad_return_value_checks():
    def aux(x):
        return x.sum(), {"a": 1}

    with pytest.raises(ValueError, match=r"\[grad\] .* should be a scalar array; but tuple was returned."):
        mx.grad(aux)(mx.ones(2))
    with pytest.raises(ValueError, match=r"\[grad\] .* but list was returned."):
        mx.grad(lambda x: [x.sum()])(mx.ones(2))
    with pytest.raises(ValueError, match=r"\[value_and_grad\] .* but list was returned."):
        mx.value_and_grad(lambda x: [x.sum()])(mx.ones(2))
    with pytest.raises(ValueError, match="we got an empty tuple"):
        mx.value_and_grad(lambda x: ())(mx.ones(2))
    with pytest.raises(ValueError, match="first value being of type int"):
        mx.value_and_grad(lambda x: (1, x))(mx.ones(2))
    (loss, extra), g = mx.value_and_grad(aux)(mx.ones(2))
    assert loss.item() == 2.0 and extra == {"a": 1} and g.tolist() == [1.0, 1.0]


# ---- grad: the caller's containers ----


def test_grad_passes_the_callers_lists_and_dicts():
    seen = {}
    orig = [mx.array(1.0), mx.array(2.0)]
    d = {"a": mx.array(1.0), "b": mx.array(2.0)}

    def f(lst, dct):
        seen["list"] = lst is orig
        seen["dict"] = dct is d
        return lst[0] * lst[1] * dct["a"] * dct["b"]

    g = mx.grad(f, argnums=(0, 1))(orig, d)
    assert seen == {"list": True, "dict": True}
    assert [x.item() for x in g[0]] == [4.0, 2.0]
    assert {k: v.item() for k, v in g[1].items()} == {"a": 4.0, "b": 2.0}


def test_grad_puts_the_callers_arrays_back():
    arrs = [mx.array(1.0), mx.array(1.0), mx.array(1.0)]
    a0, a1, a2 = arrs

    def f(arrs):
        arrs[1] = sum(arrs)
        return arrs[1]

    mx.grad(f)(arrs)
    assert arrs[0] is a0 and arrs[2] is a2
    assert arrs[1] is not a1 and arrs[1].item() == 3.0


def test_grad_keeps_writes_into_the_callers_containers():
    def loss_fn(model):
        model[1] = mx.array(2.0)
        model.append(5)
        return model[0]

    model = [mx.array(0.0), mx.array(1.0)]
    g = mx.grad(loss_fn)(model)
    assert model[1].item() == 2.0 and model[2] == 5
    # The gradient tree follows the argument as the function left it.
    assert g[0].item() == 1.0 and g[1].item() == 0.0 and g[2] == 5


def test_grad_restores_even_when_the_function_raises():
    arrs = [mx.array(1.0)]
    a0 = arrs[0]

    def f(arrs):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        mx.grad(f)(arrs)
    assert arrs[0] is a0


def test_grad_of_repeated_array_object():
    a = mx.array(2.0)
    g = mx.grad(lambda arrs: arrs[0] + arrs[2])([a, a, a])
    assert [x.item() for x in g] == [1.0, 0.0, 1.0]


def test_grad_tuple_types_are_kept():
    def loss(t):
        return (t[0] + 10).sum() + (t[1] * 10).sum()

    x = (mx.array([1.0, 2.0]), mx.array([3.0, 4.0]))
    for arg in (State(*x), Vector(x), x, Pair(*x)):
        g = mx.grad(loss)(arg)
        assert type(g) is type(arg)
        assert g[0].tolist() == [1.0, 1.0] and g[1].tolist() == [10.0, 10.0]
    # Lists and dicts of any subclass come back as plain lists and dicts.
    g = mx.grad(lambda d: d["a"] * d["b"])(OrderedDict(a=mx.array(1.0), b=mx.array(2.0)))
    assert type(g) is dict and g["a"].item() == 2.0


def test_grad_of_non_array_leaves_raises():
    with pytest.raises(ValueError, match=r"\[tree_flatten\] The argument should contain only arrays"):
        mx.grad(lambda t: t[0] * 2)([mx.array(1.0), 3])


def test_transformed_functions_are_freed_in_cycles():
    for transform in (mx.grad, mx.value_and_grad, mx.vmap, mx.custom_function, mx.checkpoint):
        mx.synchronize()
        gc.collect()
        before = mx.get_active_memory()

        def make():
            d = {}

            def f(x):
                return d["x"]

            d["f"] = transform(f)
            d["x"] = mx.array([0] * 1000)

        for _ in range(3):
            make()
            gc.collect()
        assert mx.get_active_memory() == before, transform


# ---- vmap trees ----


def test_vmap_axes_are_prefix_trees():
    x = mx.ones((2, 3))
    d = {"a": x, "b": mx.ones((3,))}
    out = mx.vmap(lambda t: t["a"] + t["b"], in_axes={"a": 0, "b": None})(d)
    assert out.shape == (2, 3)
    # A lone argument's tree is the argument itself, not a 1-tuple.
    with pytest.raises(ValueError):
        mx.vmap(lambda t: t["a"] + t["b"], in_axes=({"a": 0, "b": None},))(d)
    out = mx.vmap(lambda t: t[0] + t[1], in_axes=(0, None))((x, mx.ones(3)))
    assert out.shape == (2, 3)
    # Containers must be of the same kind, length and keys.
    with pytest.raises(ValueError):
        mx.vmap(lambda a, b: a + b, in_axes=[0, None])(x, mx.ones(3))
    with pytest.raises(ValueError):
        mx.vmap(lambda a, b: a + b, in_axes=(0,))(x, x)
    with pytest.raises(ValueError):
        mx.vmap(lambda t: t["a"], in_axes={"a": 0})(d)


def test_vmap_out_axes_prefix_trees():
    x = mx.ones((2, 3))
    assert mx.vmap(lambda v: v * 2, out_axes=(1,))(x).shape == (3, 2)
    with pytest.raises(ValueError, match="axis must be int or None"):
        mx.vmap(lambda v: v * 2, out_axes=[1])(x)
    with pytest.raises(ValueError, match="axis must be int or None"):
        mx.vmap(lambda v: v * 2, out_axes=(1, 0))(x)
    out = mx.vmap(lambda v: [v, v], out_axes=[1, 0])(x)
    assert [o.shape for o in out] == [(3, 2), (2, 3)]
    out = mx.vmap(lambda v: (v, [v, v]), out_axes=(1, [0, 1]))(x)
    assert [out[0].shape, out[1][0].shape, out[1][1].shape] == [(3, 2), (2, 3), (3, 2)]
    out = mx.vmap(lambda v: {"a": v, "b": v}, out_axes={"a": 1, "b": 0})(x)
    assert out["a"].shape == (3, 2) and out["b"].shape == (2, 3)
    for bad in ((0, 1), {"a": 0, "c": 1}, {"a": 0}, {"a": 0, "b": 1, "c": 1}):
        with pytest.raises(ValueError):
            mx.vmap(lambda v: {"a": v, "b": v}, out_axes=bad)(x)


def test_vmap_types_and_errors():
    s = mx.vmap(lambda s: State(s.a + 1, s.b))(State(mx.ones((2, 3)), mx.ones((2,))))
    assert isinstance(s, State) and s.a.shape == (2, 3)
    with pytest.raises(ValueError, match=r"\[tree_flatten\]"):
        mx.vmap(lambda v: 5)(mx.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[tree_flatten\]"):
        mx.vmap(lambda v, y: v, in_axes=(0, None))(mx.ones((2, 3)), 5)
    with pytest.raises(TypeError, match="Keyword arguments are not supported"):
        mx.vmap(lambda v, y=None: v)(mx.ones((2, 3)), y=mx.ones(2))
    with pytest.raises(IndexError, match=r"Invalid vectorization axis 0 for array with shape \(\)"):
        mx.vmap(mx.exp)(mx.array(1.0))
    assert mx.vmap(lambda v: ())(mx.ones((2, 3))) == ()


def test_vmap_over_the_padding_value():
    # A deliberate difference (README): MLX 0.32.4 raises "[Pad::vmap] Vmap
    # over padding value is not supported."; here each lane gets its value.
    out = mx.vmap(lambda x, v: mx.pad(x, ((1, 1),), constant_values=v))(mx.ones((2, 3)), mx.array([1.0, 2.0]))
    assert out.tolist() == [[1.0, 1.0, 1.0, 1.0, 1.0], [2.0, 1.0, 1.0, 1.0, 2.0]]
