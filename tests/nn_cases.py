"""Deterministic cases for mlx.nn (Module, layers, activations, init).

Every case builds its model after ``mx.random.seed(...)`` (mx.random is
bit-exact with MLX, so default initializations are compared too) and feeds
inputs made by ``det`` (a formula). Each returns a flat dict of values; the
recorder (tests/data/record_nn.py) runs the same functions under real MLX
0.32 and tests/test_nn.py replays them against the project.

Case names are prefixed by group: ``module_``, ``layer_``, ``act_``,
``init_``, ``conv_`` (needs mx.conv*). Losses and optimizers live in
data/nn_optim_cases.py.
"""

import numpy as np

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

from nn_helpers import det, err

CASES = {}


def case(fn):
    CASES[fn.__name__[5:]] = fn
    return fn


def params(m, prefix="p."):
    """Parameter names (as tree_flatten gives them) and values."""
    flat = tree_flatten(m.parameters())
    out = {prefix + "names": [k for k, _ in flat]}
    out.update({prefix + k: v for k, v in flat})
    return out


def layer(make, *inputs, seed=0, call=None):
    """Seed, build, then record parameters, repr and the forward output."""
    mx.random.seed(seed)
    m = make()
    out = params(m)
    out["repr"] = repr(m)
    res = (call or m)(*inputs)
    if isinstance(res, (tuple, list)):
        for i, r in enumerate(res):
            out[f"y{i}"] = r
    else:
        out["y"] = res
    return out


# ---------------------------------------------------------------- Module --


class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)
        self.norm = nn.LayerNorm(4)
        self.stack = [nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2, bias=False)]
        self.extra = {"scale": mx.array([2.0]), "inner": nn.Linear(2, 2)}
        self._hidden = mx.array([1.0])  # private: not a parameter
        self.note = "text"  # plain attribute

    def __call__(self, x):
        x = self.norm(self.lin(x))
        for m in self.stack:
            x = m(x)
        return self.extra["inner"](x) * self.extra["scale"]


def _block(seed=0):
    mx.random.seed(seed)
    return _Block()


def _names(tree, is_leaf=None):
    return [k for k, _ in tree_flatten(tree, is_leaf=is_leaf)]


@case
def case_module_trees():
    m = _block()
    out = params(m)
    out["trainable"] = _names(m.trainable_parameters())
    out["children"] = _names(m.children(), nn.Module.is_module)
    out["leaf_modules"] = _names(m.leaf_modules(), nn.Module.is_module)
    out["modules"] = [type(v).__name__ for v in m.modules()]
    out["named_modules"] = [k for k, _ in m.named_modules()]
    out["named_types"] = [type(v).__name__ for _, v in m.named_modules()]
    out["keys"] = sorted(m.keys())
    out["repr"] = repr(m)
    out["y"] = m(det((2, 3), 1))
    out["repr_seq"] = repr(nn.Sequential(nn.Sequential(nn.Linear(1, 2)), nn.Dropout(0.2)))
    out["state_is_self"] = m.state is m
    out["has_note"] = "note" in m
    out["hidden_in_dict"] = "_hidden" in m
    return out


@case
def case_module_freeze():
    m = _block()
    out = {}
    m.freeze()
    out["all"] = _names(m.trainable_parameters())
    m.unfreeze()
    out["none"] = _names(m.trainable_parameters())
    m.freeze(keys="bias")
    out["bias"] = _names(m.trainable_parameters())
    m.unfreeze(keys=["bias"])
    m.freeze(recurse=False, keys=["lin"])
    out["nonrec_lin"] = _names(m.trainable_parameters())
    m.unfreeze()
    m.lin.freeze()
    m.stack[0].freeze(keys="weight")
    out["sub"] = _names(m.trainable_parameters())
    m.unfreeze(recurse=False)
    out["unfreeze_nonrec"] = _names(m.trainable_parameters())
    m.stack[0].unfreeze(keys="weight")
    out["partial"] = _names(m.trainable_parameters())
    out["strict_missing"] = err(lambda: m.freeze(keys="nothing", strict=True))
    out["strict_ok"] = err(lambda: m.lin.freeze(keys="weight", strict=True))
    out["unfreeze_strict"] = err(lambda: m.unfreeze(keys=["bogus"], strict=True))
    out["nonstrict"] = err(lambda: m.freeze(keys="nothing"))
    out["ret_self"] = m.freeze() is m and m.unfreeze() is m
    return out


@case
def case_module_update():
    m = _block()
    out = {}
    m.update({"lin": {"bias": mx.array([1.0, 2.0, 3.0, 4.0])}})
    out["bias"] = m.lin.bias
    m.update({"stack": [{"weight": mx.ones((4, 4))}, {}, {}]})
    out["stack0"] = m.stack[0].weight
    out["bad_key"] = err(lambda: m.update({"nope": mx.zeros(1)}))
    out["bad_key_ok"] = err(lambda: m.update({"nope": mx.zeros(1)}, strict=False))
    out["bad_type"] = err(lambda: m.update({"lin": {"bias": 3}}))
    out["bad_container"] = err(lambda: m.update({"lin": 3}))
    m.apply(lambda p: p * 2)
    out["applied"] = m.lin.bias
    m.apply(lambda p: p + 1, filter_fn=lambda mod, k, v: k != "weight")
    out["applied_filtered_b"] = m.lin.bias
    out["applied_filtered_w"] = m.lin.weight
    out["ret_self"] = m.update({}) is m and m.apply(lambda p: p) is m
    new = nn.Linear(3, 4, bias=False)
    m.update_modules({"lin": new, "stack": [{}, nn.Tanh(), {}]})
    out["mods"] = [type(v).__name__ for v in m.modules()]
    out["lin_is_new"] = m.lin is new
    out["upd_mod_bad"] = err(lambda: m.update_modules({"zzz": nn.ReLU()}))
    out["upd_mod_nonstrict"] = err(lambda: m.update_modules({"zzz": nn.ReLU()}, strict=False))
    out["upd_mod_long"] = err(lambda: m.update_modules({"stack": [{}, {}, {}, nn.ReLU()]}))
    out["upd_mod_long_ok"] = err(lambda: m.update_modules({"stack": [{}, {}, {}, nn.ReLU()]}, strict=False))
    out["upd_mod_bad_type"] = err(lambda: m.update_modules({"stack": [3]}))
    out["upd_long"] = err(lambda: m.update({"stack": [{}, {}, {}, {"weight": mx.zeros(1)}]}))
    out["upd_long_ok"] = err(lambda: m.update({"stack": [{}, {}, {}, {"weight": mx.zeros(1)}]}, strict=False))
    names = []
    m.apply_to_modules(lambda k, v: names.append(k))
    out["apply_to_modules"] = names
    return out


@case
def case_module_attrs():
    m = nn.Linear(2, 3)
    out = {}
    out["getattr_missing"] = err(lambda: m.missing)
    m.weight = mx.zeros((3, 2))
    out["w"] = m.weight
    m.extra = [mx.ones(2)]
    out["names_list"] = _names(m.parameters())
    m.extra = 5  # a plain value replaces the parameter
    out["names_plain"] = _names(m.parameters())
    out["extra_in_dict"] = "extra" in m
    m.tup = (mx.ones(1), mx.zeros(1))
    out["names_tuple"] = _names(m.parameters())
    del m.tup
    out["names_del"] = _names(m.parameters())
    del m.extra
    out["del_plain"] = err(lambda: m.extra)
    out["training"] = m.training
    m.eval()
    out["eval"] = m.training
    m.train()
    out["train"] = m.training
    out["ret"] = m.train(False) is m and m.eval() is m
    s = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))
    s.eval()
    out["seq_eval"] = [v.training for v in s.modules()]
    s.layers[1].train()
    out["seq_mixed"] = [v.training for v in s.modules()]
    return out


@case
def case_module_filters():
    m = _block()
    out = {}
    out["weights_only"] = _names(
        m.filter_and_map(lambda mod, k, v: isinstance(v, (dict, list)) or k == "weight")
    )
    out["mapped"] = [
        str(v)
        for _, v in tree_flatten(
            m.filter_and_map(
                lambda mod, k, v: isinstance(v, (dict, list, mx.array)) and not k.startswith("_"),
                map_fn=lambda v: v.shape,
            )
        )
    ]
    out["leaf_stop"] = _names(
        m.filter_and_map(Module_valid_child, is_leaf_fn=lambda mod, k, v: isinstance(v, nn.Linear)),
        nn.Module.is_module,
    )
    m.extra["more"] = [mx.zeros((1,)), {"deep": mx.ones((2,))}]
    m.extra["_private"] = mx.zeros((3,))
    out["nested"] = _names(m.parameters())
    m.freeze(keys=["extra"])
    out["frozen_extra"] = _names(m.trainable_parameters())
    m.unfreeze()
    m.freeze()
    out["frozen_all"] = _names(m.trainable_parameters())
    m.unfreeze()
    m.update({"stack": [{"weight": mx.zeros((4, 4))}]})
    out["short_list_update"] = m.stack[0].weight
    m.plain = 3
    m.plain = mx.array([1.0])
    out["plain_then_array"] = _names(m.parameters())
    out["plain_in_dict"] = "plain" in m
    return out


def Module_valid_child(mod, k, v):
    return nn.Module.valid_child_filter(mod, k, v)


@case
def case_module_dtype():
    m = _block()
    m.set_dtype(mx.float16)
    out = {k: str(v.dtype) for k, v in tree_flatten(m.parameters())}
    m.int_buf = mx.array([1, 2])
    m.set_dtype(mx.bfloat16)
    out["int_buf"] = str(m.int_buf.dtype)
    out["lin_w"] = str(m.lin.weight.dtype)
    m.set_dtype(mx.float32, predicate=lambda d: d == mx.bfloat16)
    out["back"] = str(m.lin.weight.dtype)
    out["int_buf2"] = str(m.int_buf.dtype)
    m.set_dtype(mx.float16, predicate=None)
    out["pred_none"] = str(m.int_buf.dtype)
    return out


@case
def case_module_load_weights():
    m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    out = {}
    w = [
        ("layers.0.weight", det((3, 2), 1)),
        ("layers.0.bias", det((3,), 2)),
        ("layers.1.weight", det((1, 3), 3)),
        ("layers.1.bias", det((1,), 4)),
    ]
    out["ret"] = m.load_weights(w) is m
    out.update(params(m))
    out["missing"] = err(lambda: m.load_weights(w[:3]))
    out["extra"] = err(lambda: m.load_weights(w + [("layers.2.weight", mx.zeros(1))]))
    out["shape"] = err(lambda: m.load_weights(w[:3] + [("layers.1.bias", mx.zeros(2))]))
    out["not_array"] = err(lambda: m.load_weights(w[:3] + [("layers.1.bias", 1.0)]))
    out["partial"] = err(lambda: m.load_weights([("layers.1.bias", mx.array([9.0]))], strict=False))
    out["partial_val"] = m.layers[1].bias
    out["empty"] = err(lambda: m.load_weights([], strict=False))
    return out


@case
def case_module_value_and_grad():
    m = _block()
    x, y = det((4, 3), 1), det((4, 2), 2)

    def loss(x, y):
        return nn.losses.mse_loss(m(x), y)

    m.stack[0].freeze()
    val, grads = nn.value_and_grad(m, loss)(x, y)
    out = {"val": val}
    for k, v in tree_flatten(grads):
        out["g." + k] = v
    out["g.names"] = _names(grads)
    return out


@case
def case_module_sequential():
    mx.random.seed(3)
    s = nn.Sequential(nn.Linear(4, 6), nn.GELU(), lambda x: x * 2, nn.Linear(6, 2))
    out = params(s)
    out["y"] = s(det((3, 4), 1))
    out["repr"] = repr(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Identity()))
    out["empty"] = nn.Sequential()(mx.array([1.0]))
    return out


# ---------------------------------------------------------------- layers --

X = lambda: det((2, 3, 4), 1)  # noqa: E731


@case
def case_layer_linear():
    return layer(lambda: nn.Linear(4, 5), X(), seed=1)


@case
def case_layer_linear_nobias():
    return layer(lambda: nn.Linear(4, 2, bias=False), X(), seed=2)


@case
def case_layer_linear_1d():
    return layer(lambda: nn.Linear(4, 3), det((4,), 3), seed=3)


@case
def case_layer_bilinear():
    return layer(lambda: nn.Bilinear(4, 3, 2), X(), det((2, 3, 3), 7), seed=4)


@case
def case_layer_bilinear_nobias():
    return layer(lambda: nn.Bilinear(2, 5, 3, bias=False), det((4, 2), 1), det((4, 5), 2), seed=5)


@case
def case_layer_identity():
    return layer(lambda: nn.Identity(3, foo=1), X())


@case
def case_layer_embedding():
    out = layer(lambda: nn.Embedding(6, 3), mx.array([[0, 5], [2, 2]]), seed=6)
    mx.random.seed(6)
    out["as_linear"] = nn.Embedding(6, 3).as_linear(det((2, 3), 4))
    return out


@case
def case_layer_layernorm():
    out = layer(lambda: nn.LayerNorm(4), X() * 3 + 1)
    out["noaffine"] = layer(lambda: nn.LayerNorm(4, affine=False, eps=1e-3), X())["y"]
    nb = layer(lambda: nn.LayerNorm(4, bias=False), X())
    out["nobias_names"], out["nobias_repr"], out["nobias"] = nb["p.names"], nb["repr"], nb["y"]
    m = nn.LayerNorm(4)
    m.update({"weight": det((4,), 2), "bias": det((4,), 3)})
    out["fixed"] = m(X())
    return out


@case
def case_layer_rmsnorm():
    out = layer(lambda: nn.RMSNorm(4, eps=1e-3), X())
    m = nn.RMSNorm(4)
    m.weight = det((4,), 2)
    out["fixed"] = m(X() * 5)
    out["f16"] = m(X().astype(mx.float16))
    return out


@case
def case_layer_groupnorm():
    xg = det((2, 3, 6), 4, 2.0)
    out = layer(lambda: nn.GroupNorm(2, 6), xg)
    m = nn.GroupNorm(3, 6, pytorch_compatible=True)
    m.update({"weight": det((6,), 1), "bias": det((6,), 2)})
    out["pt"] = m(xg)
    out["pt_4d"] = m(det((2, 2, 2, 6), 5))
    out["noaffine"] = layer(lambda: nn.GroupNorm(3, 6, affine=False), xg)["y"]
    out["repr_pt"] = repr(m)
    return out


@case
def case_layer_instancenorm():
    out = layer(lambda: nn.InstanceNorm(4), det((2, 3, 3, 4), 1))
    m = nn.InstanceNorm(4, affine=True, eps=1e-3)
    m.update({"weight": det((4,), 1), "bias": det((4,), 2)})
    out["affine"] = m(X())
    out["affine_repr"] = repr(m)
    out["affine_names"] = _names(m.parameters())
    return out


@case
def case_layer_batchnorm():
    out = {}
    bn = nn.BatchNorm(4)
    out.update(params(bn))
    out["trainable"] = _names(bn.trainable_parameters())
    bn.unfreeze()
    out["trainable_unfrozen"] = _names(bn.trainable_parameters())
    out["repr"] = repr(bn)
    bn.update({"weight": det((4,), 1), "bias": det((4,), 2)})
    out["train2d"] = bn(det((5, 4), 3))
    out["train3d"] = bn(X())
    out["train4d"] = bn(det((2, 2, 3, 4), 4))
    out["running_mean"] = bn.running_mean
    out["running_var"] = bn.running_var
    bn.eval()
    out["eval"] = bn(X())
    out["err5d"] = err(lambda: bn(mx.zeros((1, 1, 1, 1, 4))))
    out["err1d"] = err(lambda: bn(mx.zeros((4,))))
    nt = nn.BatchNorm(4, affine=False, track_running_stats=False, momentum=0.3)
    out["notrack_names"] = _names(nt.parameters())
    out["notrack"] = nt(X())
    nt.eval()
    out["notrack_eval"] = nt(X())
    out["one_value"] = err(lambda: nn.BatchNorm(4)(mx.zeros((1, 4))))
    return out


def _dropout(make, x, seed):
    mx.random.seed(seed)
    m = make()
    out = {"train": m(x), "repr": repr(m)}
    m.eval()
    out["eval"] = m(x)
    return out


@case
def case_layer_dropout():
    x = det((4, 8), 1) + 1
    out = _dropout(lambda: nn.Dropout(0.3), x, 11)
    out["p0"] = nn.Dropout(0.0)(x)
    out["bad_p"] = err(lambda: nn.Dropout(1.0))
    out["neg_p"] = err(lambda: nn.Dropout(-0.1))
    return out


@case
def case_layer_dropout2d():
    out = _dropout(lambda: nn.Dropout2d(0.5), det((2, 3, 3, 4), 1) + 1, 12)
    out["3d_input"] = _dropout(lambda: nn.Dropout2d(0.5), det((3, 3, 4), 1) + 1, 13)["train"]
    out["bad_ndim"] = err(lambda: nn.Dropout2d()(mx.zeros((2, 2))))
    return out


@case
def case_layer_dropout3d():
    out = _dropout(lambda: nn.Dropout3d(0.25), det((2, 2, 2, 2, 3), 1) + 1, 14)
    out["bad_ndim"] = err(lambda: nn.Dropout3d()(mx.zeros((2, 2, 2))))
    return out


@case
def case_layer_rnn():
    out = layer(lambda: nn.RNN(4, 5), X(), seed=21)
    mx.random.seed(22)
    m = nn.RNN(4, 5, bias=False, nonlinearity=nn.relu)
    out["relu_names"] = _names(m.parameters())
    out["relu"] = m(X())
    out["hidden"] = m(X(), hidden=det((2, 5), 9))
    out["unbatched"] = m(det((3, 4), 2))
    out["bad_nl"] = err(lambda: nn.RNN(4, 5, nonlinearity=3))
    return out


@case
def case_layer_gru():
    out = layer(lambda: nn.GRU(4, 5), X(), seed=23)
    mx.random.seed(23)
    m = nn.GRU(4, 5)
    out["hidden"] = m(X(), hidden=det((2, 5), 9))
    out["unbatched"] = m(det((3, 4), 2))
    nb = layer(lambda: nn.GRU(4, 3, bias=False), X(), seed=24)
    out["nobias_names"], out["nobias"], out["nobias_repr"] = nb["p.names"], nb["y"], nb["repr"]
    return out


@case
def case_layer_lstm():
    out = layer(lambda: nn.LSTM(4, 5), X(), seed=25)
    mx.random.seed(25)
    m = nn.LSTM(4, 5)
    h, c = m(det((3, 4), 2), hidden=det((5,), 8), cell=det((5,), 9))
    out["h2"], out["c2"] = h, c
    h, c = m(X(), hidden=det((2, 5), 8))
    out["h3"], out["c3"] = h, c
    nb = layer(lambda: nn.LSTM(4, 3, bias=False), X(), seed=26)
    out["nobias_names"], out["nobias_h"] = nb["p.names"], nb["y0"]
    return out


Q = lambda: det((2, 3, 8), 1)  # noqa: E731
KV = lambda: det((2, 4, 8), 2)  # noqa: E731


@case
def case_layer_mha():
    out = layer(lambda: nn.MultiHeadAttention(8, 2), Q(), KV(), KV(), seed=31)
    mask = nn.MultiHeadAttention.create_additive_causal_mask(3)
    mx.random.seed(31)
    m = nn.MultiHeadAttention(8, 2)
    out["masked"] = m(Q(), Q(), Q(), mask)
    out["bool_mask"] = m(Q(), KV(), KV(), mx.array([[True, False, True, True]] * 3))
    out["mask4d"] = m(Q(), KV(), KV(), det((2, 2, 3, 4), 5))
    return out


@case
def case_layer_mha_dims():
    return layer(
        lambda: nn.MultiHeadAttention(
            8,
            4,
            query_input_dims=6,
            key_input_dims=5,
            value_input_dims=3,
            value_dims=4,
            value_output_dims=7,
            bias=True,
        ),
        det((2, 3, 6), 1),
        det((2, 4, 5), 2),
        det((2, 4, 3), 3),
        seed=32,
    )


@case
def case_layer_causal_mask():
    m = nn.MultiHeadAttention.create_additive_causal_mask(4)
    out = {"mask": mx.maximum(m, -1e30), "finite": mx.isfinite(m)}
    h = nn.MultiHeadAttention.create_additive_causal_mask(3, dtype=mx.float16)
    out["f16"] = mx.maximum(h, -6e4)
    out["f16_min"] = h.min()
    out["bad_heads"] = err(lambda: nn.MultiHeadAttention(8, 3))
    return out


def _tfm(make, *args, seed, train=False):
    mx.random.seed(seed)
    m = make()
    out = params(m)
    out["repr"] = repr(m)
    if not train:
        m.eval()
    out["y"] = m(*args)
    return out


CM3 = lambda: nn.MultiHeadAttention.create_additive_causal_mask(3)  # noqa: E731


@case
def case_layer_encoder_layer():
    out = _tfm(lambda: nn.TransformerEncoderLayer(8, 2, mlp_dims=12), Q(), CM3(), seed=41)
    out["post"] = _tfm(
        lambda: nn.TransformerEncoderLayer(8, 2, norm_first=False, activation=nn.gelu), Q(), None, seed=41
    )["y"]
    out["dropout_train"] = _tfm(
        lambda: nn.TransformerEncoderLayer(8, 2, dropout=0.3), Q(), None, seed=42, train=True
    )["y"]
    return out


@case
def case_layer_decoder_layer():
    out = _tfm(lambda: nn.TransformerDecoderLayer(8, 2, mlp_dims=12), Q(), KV(), CM3(), None, seed=43)
    out["post"] = _tfm(
        lambda: nn.TransformerDecoderLayer(8, 2, norm_first=False), Q(), KV(), CM3(), None, seed=43
    )["y"]
    return out


@case
def case_layer_encoder():
    out = _tfm(lambda: nn.TransformerEncoder(2, 8, 2, mlp_dims=10), Q(), CM3(), seed=44)
    out["post"] = _tfm(lambda: nn.TransformerEncoder(2, 8, 2, norm_first=False), Q(), None, seed=44)["y"]
    out["ckpt"] = _tfm(lambda: nn.TransformerEncoder(1, 8, 2, checkpoint=True), Q(), None, seed=44)["y"]
    return out


@case
def case_layer_decoder():
    return _tfm(lambda: nn.TransformerDecoder(2, 8, 2, mlp_dims=10), Q(), KV(), CM3(), None, seed=45)


@case
def case_layer_transformer():
    out = _tfm(lambda: nn.Transformer(8, 2, 1, 2, mlp_dims=12), KV(), Q(), None, CM3(), None, seed=46)
    out["post"] = _tfm(
        lambda: nn.Transformer(8, 2, 1, 1, norm_first=False), KV(), Q(), None, CM3(), None, seed=46
    )["y"]
    return out


@case
def case_layer_transformer_custom():
    mx.random.seed(47)
    enc = nn.TransformerEncoder(1, 8, 2)
    dec = nn.TransformerDecoder(1, 8, 2)
    out = _tfm(
        lambda: nn.Transformer(8, 2, custom_encoder=enc, custom_decoder=dec),
        KV(),
        Q(),
        None,
        CM3(),
        None,
        seed=48,
    )
    out["ckpt"] = _tfm(
        lambda: nn.Transformer(8, 2, 1, 1, checkpoint=True), KV(), Q(), None, CM3(), None, seed=49
    )["y"]
    return out


@case
def case_layer_checkpoint():
    from mlx.nn.utils import checkpoint

    mx.random.seed(50)
    m = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
    f = checkpoint(m)
    out = {"y": f(X())}
    g = nn.value_and_grad(m, lambda x: checkpoint(m)(x).sum())
    val, grads = g(X())
    out["val"] = val
    out.update({"g." + k: v for k, v in tree_flatten(grads)})
    return out


@case
def case_layer_rope():
    x = det((1, 2, 3, 8), 1, 2.0)
    out = {"rope": nn.RoPE(6)(x, offset=1), "repr": repr(nn.RoPE(6))}
    out["trad"] = nn.RoPE(8, traditional=True, base=100, scale=0.5)(x)
    out["full"] = nn.RoPE(8)(det((1, 4, 8), 2))
    out["err_2d"] = err(lambda: nn.RoPE(8)(det((4, 8), 2)))
    out["f16"] = nn.RoPE(8)(x.astype(mx.float16), offset=3)
    out["names"] = _names(nn.RoPE(4).parameters())
    out["offset_array"] = nn.RoPE(8)(x, offset=mx.array(2))
    out["trad_odd"] = nn.RoPE(4, traditional=True)(x, offset=5)
    return out


@case
def case_layer_sinusoidal():
    out = {"y": nn.SinusoidalPositionalEncoding(6)(mx.array([0.0, 1.0, 2.5]))}
    out["cos"] = nn.SinusoidalPositionalEncoding(8, cos_first=True, full_turns=True, scale=1.0)(
        mx.array([0.5, 1.0])
    )
    out["freqs"] = nn.SinusoidalPositionalEncoding(8, min_freq=0.01, max_freq=2)(mx.array([[1.0, 3.0]]))
    out["names"] = _names(nn.SinusoidalPositionalEncoding(8).parameters())
    out["dims2"] = nn.SinusoidalPositionalEncoding(2, max_freq=3.0)(mx.array([0.5, 2.0]))
    out["scale0"] = nn.SinusoidalPositionalEncoding(4, scale=0.0)(mx.array([0.5, 2.0]))
    out["odd"] = err(lambda: nn.SinusoidalPositionalEncoding(5))
    return out


@case
def case_layer_alibi():
    out = {"matrix": nn.ALiBi.create_alibi_matrix(2, 3, 2)}
    out["matrix_off"] = nn.ALiBi.create_alibi_matrix(2, 4, 4, offset=2, dtype=mx.float16)
    out["slope"] = nn.ALiBi.create_alibi_slope(4)
    out["slope6"] = nn.ALiBi.create_alibi_slope(6)
    scores = det((1, 2, 3, 3), 2)
    out["y"] = nn.ALiBi()(scores)
    out["mask"] = nn.ALiBi()(scores, offset=1, mask=det((3, 3), 4))
    return out


@case
def case_layer_pool():
    out = {}
    x = det((2, 5, 3), 1)
    out["max1"] = nn.MaxPool1d(2)(x)
    out["avg1"] = nn.AvgPool1d(3, stride=1, padding=1)(x)
    out["max1_pad"] = nn.MaxPool1d(3, stride=2, padding=1)(x - 5)
    x2 = det((1, 4, 5, 2), 2)
    out["max2"] = nn.MaxPool2d(2, stride=1)(x2)
    out["avg2"] = nn.AvgPool2d((2, 3), stride=(2, 1), padding=(1, 0))(x2)
    out["max2_pad"] = nn.MaxPool2d(3, stride=2, padding=1)(x2)
    x3 = det((1, 2, 4, 4, 1), 3)
    out["max3"] = nn.MaxPool3d(2)(x3)
    out["avg3"] = nn.AvgPool3d((1, 2, 2), stride=(1, 1, 2))(x3)
    out["avg3_pad"] = nn.AvgPool3d(2, stride=2, padding=1)(x3)
    out["int"] = nn.MaxPool1d(2)(mx.arange(12).reshape(1, 6, 2))
    out["repr1"] = repr(nn.MaxPool1d(2))
    out["repr2"] = repr(nn.AvgPool2d((2, 3), stride=(2, 1), padding=(1, 0)))
    out["repr3"] = repr(nn.MaxPool3d(2, padding=1))
    out["bad_pad"] = err(lambda: nn.MaxPool1d(2, padding=2))
    out["neg_pad"] = err(lambda: nn.AvgPool1d(2, padding=-1))
    out["zero_stride"] = err(lambda: nn.AvgPool2d(2, stride=(1, 0)))
    out["zero_kernel"] = err(lambda: nn.MaxPool1d(0))
    out["float_kernel"] = err(lambda: nn.MaxPool1d(2.0))
    out["tuple_len"] = err(lambda: nn.MaxPool3d((2, 2)))
    out["empty"] = nn.AvgPool1d(2)(mx.zeros((1, 1, 3)))
    out["empty2"] = nn.MaxPool2d((3, 1))(mx.zeros((1, 2, 2, 1)))
    out["bad_ndim"] = err(lambda: nn.MaxPool2d(2)(mx.zeros((4, 4, 1))))
    return out


@case
def case_layer_upsample():
    out = {}
    xu = det((1, 3, 2, 2), 4)
    out["nearest"] = nn.Upsample(2)(xu)
    out["nearest_frac"] = nn.Upsample((1.5, 2.5))(xu)
    out["linear"] = nn.Upsample(2, mode="linear")(xu)
    out["linear_ac"] = nn.Upsample((2, 3), mode="linear", align_corners=True)(xu)
    out["cubic"] = nn.Upsample(2, mode="cubic")(xu)
    out["cubic_ac"] = nn.Upsample(2, mode="cubic", align_corners=True)(xu)
    x1 = det((2, 3, 2), 5)
    out["nearest1d"] = nn.Upsample(3)(x1)
    out["linear1d"] = nn.Upsample(2.5, mode="linear")(x1)
    out["cubic1d"] = nn.Upsample(2, mode="cubic")(x1)
    x3 = det((1, 2, 2, 3, 1), 6)
    out["nearest3d"] = nn.Upsample(2)(x3)
    out["linear3d"] = nn.Upsample((1, 2, 2), mode="linear", align_corners=True)(x3)
    xd = det((1, 6, 5, 2), 7)
    out["aa_linear_down"] = nn.Upsample(0.5, mode="linear", antialias=True)(xd)
    out["aa_cubic_down"] = nn.Upsample((0.5, 0.4), mode="cubic", antialias=True)(xd)
    out["aa_linear_up"] = nn.Upsample(2, mode="linear", antialias=True)(xu)
    out["aa_cubic_up"] = nn.Upsample(1.5, mode="cubic", antialias=True)(xu)
    out["aa_cubic_1d"] = nn.Upsample(0.75, mode="cubic", antialias=True)(det((2, 8, 2), 8))
    out["linear_down"] = nn.Upsample(0.5, mode="linear")(xd)
    out["cubic_down"] = nn.Upsample(0.5, mode="cubic")(xd)
    out["linear_ac_to1"] = nn.Upsample(0.5, mode="linear", align_corners=True)(det((1, 2, 3), 9))
    out["nearest_down"] = nn.Upsample(0.5)(xd)
    out["int_input"] = nn.Upsample(2)(mx.arange(4).reshape(1, 2, 2, 1))
    out["aa_repr"] = repr(nn.Upsample(0.5, mode="cubic", antialias=True))
    out["aa_nearest"] = err(lambda: nn.Upsample(2, antialias=True))
    out["aa_align"] = err(lambda: nn.Upsample(2, mode="linear", antialias=True, align_corners=True))
    out["bad_ndim"] = err(lambda: nn.Upsample(2)(mx.zeros((2, 3))))
    out["repr"] = repr(nn.Upsample(2, mode="linear"))
    out["bad_mode"] = err(lambda: nn.Upsample(2, mode="area"))
    out["bad_dims"] = err(lambda: nn.Upsample((2, 2))(x1))
    return out


@case
def case_layer_arg_errors():
    checks = {
        "ln_eps": lambda: nn.LayerNorm(3, eps=0.0),
        "rms_eps": lambda: nn.RMSNorm(3, eps=-1.0),
        "in_eps": lambda: nn.InstanceNorm(3, eps=0.0),
        "bn_eps": lambda: nn.BatchNorm(3, eps=0.0),
        "gn_eps": lambda: nn.GroupNorm(1, 3, eps=0.0),
        "gn_div": lambda: nn.GroupNorm(3, 4),
        "gn_groups": lambda: nn.GroupNorm(0, 4),
        "gn_dims": lambda: nn.GroupNorm(2, 0),
        "in_ndim": lambda: nn.InstanceNorm(3)(mx.zeros((2, 3))),
        "linear_in": lambda: nn.Linear(3, 2)(mx.zeros((2, 4))),
        "emb_float": lambda: nn.Embedding(3, 2)(mx.array([0.5])),
        "ln_dims": lambda: nn.LayerNorm(3)(mx.zeros((2, 4))),
        "mha_len": lambda: nn.MultiHeadAttention(8, 2)(
            mx.zeros((1, 2, 8)), mx.zeros((1, 3, 8)), mx.zeros((1, 4, 8))
        ),
        "conv_groups": lambda: nn.Conv2d(3, 4, 2, groups=2),
        "conv_out_groups": lambda: nn.Conv1d(4, 3, 2, groups=2),
    }
    return {k: err(f) for k, f in checks.items()}


@case
def case_layer_reprs():
    mods = {
        "sin": nn.SinusoidalPositionalEncoding(8, cos_first=True),
        "alibi": nn.ALiBi(),
        "rope": nn.RoPE(4, traditional=True, base=10, scale=2.0),
        "id": nn.Identity(),
        "bn": nn.BatchNorm(3, affine=False),
        "gn": nn.GroupNorm(2, 4, affine=False),
        "in": nn.InstanceNorm(3),
        "ln": nn.LayerNorm(3, eps=1e-3, affine=False),
        "rms": nn.RMSNorm(5),
        "emb": nn.Embedding(3, 2),
        "glu": nn.GLU(),
        "step": nn.Step(),
        "lrelu": nn.LeakyReLU(),
        "prelu": nn.PReLU(2),
        "d2": nn.Dropout2d(0.1),
        "avg1": nn.AvgPool1d(3, 2, 1),
        "max2": nn.MaxPool2d((1, 2)),
        "avg3": nn.AvgPool3d(2),
        "gru": nn.GRU(2, 3),
        "lstm": nn.LSTM(2, 3, bias=False),
        "dec": nn.TransformerDecoderLayer(4, 2),
        "enc": nn.TransformerEncoder(1, 4, 2),
    }
    return {k: repr(v) for k, v in mods.items()}


# ----------------------------------------------------------- activations --

XA = lambda: det((9,), 3, 3.0)  # noqa: E731

FUNCS = {
    "relu": nn.relu,
    "relu2": nn.relu2,
    "relu6": lambda v: nn.relu6(v * 3),
    "leaky_relu": nn.leaky_relu,
    "leaky_relu_s": lambda v: nn.leaky_relu(v, 0.3),
    "elu": nn.elu,
    "elu_a": lambda v: nn.elu(v, 0.5),
    "celu": lambda v: nn.celu(v, 0.7),
    "selu": nn.selu,
    "silu": nn.silu,
    "sigmoid": nn.sigmoid,
    "softplus": nn.softplus,
    "softsign": nn.softsign,
    "softshrink": nn.softshrink,
    "softshrink_l": lambda v: nn.softshrink(v, 1.2),
    "log_sigmoid": nn.log_sigmoid,
    "gelu": nn.gelu,
    "gelu_approx": nn.gelu_approx,
    "gelu_fast_approx": nn.gelu_fast_approx,
    "mish": nn.mish,
    "hardswish": nn.hardswish,
    "hard_tanh": nn.hard_tanh,
    "hard_tanh_r": lambda v: nn.hard_tanh(v, -0.5, 2.0),
    "hard_shrink": nn.hard_shrink,
    "hard_shrink_l": lambda v: nn.hard_shrink(v, 1.0),
    "tanh": nn.tanh,
    "step": nn.step,
    "step_t": lambda v: nn.step(v, 0.5),
    "softmax": nn.softmax,
    "softmin": nn.softmin,
    "log_softmax": nn.log_softmax,
    "softmax_ax0": lambda v: nn.softmax(v.reshape(3, 3), axis=0),
    "log_softmax_ax0": lambda v: nn.log_softmax(v.reshape(3, 3), axis=0),
    "softmin_ax0": lambda v: nn.softmin(v.reshape(3, 3), axis=0),
    "glu": lambda v: nn.glu(v[:8]),
    "glu_ax0": lambda v: nn.glu(v[:8].reshape(4, 2), axis=0),
    "prelu": lambda v: nn.prelu(v, mx.array([0.2])),
}

MODULES = {
    "ReLU": nn.ReLU,
    "ReLU2": nn.ReLU2,
    "ReLU6": nn.ReLU6,
    "SiLU": nn.SiLU,
    "Sigmoid": nn.Sigmoid,
    "Tanh": nn.Tanh,
    "Mish": nn.Mish,
    "SELU": nn.SELU,
    "Softplus": nn.Softplus,
    "Softsign": nn.Softsign,
    "Softmax": nn.Softmax,
    "Softmin": nn.Softmin,
    "LogSoftmax": nn.LogSoftmax,
    "LogSigmoid": nn.LogSigmoid,
    "Hardswish": nn.Hardswish,
    "HardTanh": nn.HardTanh,
    "GELU": nn.GELU,
    "GELU_precise": lambda: nn.GELU("precise"),
    "GELU_tanh": lambda: nn.GELU("tanh"),
    "GELU_fast": lambda: nn.GELU("fast"),
    "LeakyReLU": lambda: nn.LeakyReLU(0.2),
    "ELU": lambda: nn.ELU(0.5),
    "CELU": lambda: nn.CELU(2.0),
    "PReLU": nn.PReLU,
    "PReLU3": lambda: nn.PReLU(3, init=0.1),
    "Step": lambda: nn.Step(0.1),
    "HardShrink": lambda: nn.HardShrink(1.0),
    "Softshrink": lambda: nn.Softshrink(1.0),
    "GLU": lambda: nn.GLU(0),
}


@case
def case_act_functions():
    x = XA()
    out = {name: fn(x) for name, fn in FUNCS.items()}
    h = x.astype(mx.float16)
    for name in ("relu", "gelu", "silu", "softmax", "log_softmax", "sigmoid", "mish", "softplus"):
        out[name + "_f16"] = FUNCS[name](h)
    out["gelu_bad"] = err(lambda: nn.GELU("quick"))
    return out


@case
def case_act_modules():
    x = XA().reshape(3, 3)
    out = {}
    for name, make in MODULES.items():
        m = make()
        out[name] = m(x if name != "GLU" else mx.concatenate([x, x + 1], 0))
        out[name + ".repr"] = repr(m)
        out[name + ".params"] = _names(m.parameters())
    return out


@case
def case_act_grads():
    x = XA()
    out = {}
    for name in (
        "relu",
        "gelu",
        "gelu_approx",
        "silu",
        "mish",
        "softplus",
        "elu",
        "selu",
        "log_sigmoid",
        "hardswish",
        "softshrink",
        "log_softmax",
        "celu",
        "relu6",
    ):
        out[name] = mx.grad(lambda v: FUNCS[name](v).sum())(x)
    return out


# ------------------------------------------------------------------ init --

INITS = {
    "constant": lambda: nn.init.constant(0.3),
    "constant_f16": lambda: nn.init.constant(2.0, dtype=mx.float16),
    "normal": lambda: nn.init.normal(),
    "normal_ms": lambda: nn.init.normal(mean=1.0, std=0.1),
    "uniform": lambda: nn.init.uniform(),
    "uniform_lh": lambda: nn.init.uniform(low=-2.0, high=-1.0),
    "identity": lambda: nn.init.identity(),
    "glorot_normal": lambda: nn.init.glorot_normal(),
    "glorot_uniform": lambda: nn.init.glorot_uniform(),
    "he_normal": lambda: nn.init.he_normal(),
    "he_uniform": lambda: nn.init.he_uniform(),
    "sparse": lambda: nn.init.sparse(0.5),
    "sparse_ms": lambda: nn.init.sparse(0.25, mean=1.0, std=0.1),
    "normal_bf16": lambda: nn.init.normal(dtype=mx.bfloat16),
    "uniform_f16": lambda: nn.init.uniform(dtype=mx.float16),
}


@case
def case_init():
    out = {}
    for name, make in INITS.items():
        mx.random.seed(7)
        fn = make()
        out[name] = fn(mx.zeros((4, 4) if name == "identity" else (4, 6)))
    for name, kw in (
        ("glorot_normal", {"gain": 2.0}),
        ("glorot_uniform", {"gain": 0.5}),
        ("he_normal", {"mode": "fan_out", "gain": 1.5}),
        ("he_uniform", {"mode": "fan_out"}),
    ):
        mx.random.seed(8)
        out[name + "_kw"] = getattr(nn.init, name)()(mx.zeros((3, 5)), **kw)
        mx.random.seed(9)
        out[name + "_3d"] = getattr(nn.init, name)()(mx.zeros((2, 3, 4)))
    out["identity_bad"] = err(lambda: nn.init.identity()(mx.zeros((2, 3))))
    out["he_bad_mode"] = err(lambda: nn.init.he_normal()(mx.zeros((2, 3)), mode="fan"))
    out["sparse_bad"] = err(lambda: nn.init.sparse(0.5)(mx.zeros((2, 3, 4))))
    out["glorot_1d"] = err(lambda: nn.init.glorot_uniform()(mx.zeros((3,))))
    return out


@case
def case_init_orthogonal():
    mx.random.seed(5)
    out = {"sq": nn.init.orthogonal()(mx.zeros((4, 4)))}
    mx.random.seed(5)
    out["tall"] = nn.init.orthogonal(gain=2.0)(mx.zeros((5, 3)))
    mx.random.seed(5)
    out["wide"] = nn.init.orthogonal()(mx.zeros((2, 4)))
    return out


# ------------------------------------------------- convolution (needs ops) --

CONV_LAYERS = {
    "conv1d": (lambda: nn.Conv1d(3, 4, 3), (2, 7, 3)),
    "conv1d_s": (
        lambda: nn.Conv1d(4, 2, 2, stride=2, padding=1, dilation=2, groups=2, bias=False),
        (1, 9, 4),
    ),
    "conv2d": (lambda: nn.Conv2d(2, 3, 3, padding=1), (1, 5, 5, 2)),
    "conv2d_s": (lambda: nn.Conv2d(4, 4, (2, 3), stride=(2, 1), dilation=(1, 2), groups=4), (2, 6, 7, 4)),
    "conv3d": (lambda: nn.Conv3d(2, 2, 2, stride=1, padding=1), (1, 3, 3, 3, 2)),
    "convT1d": (lambda: nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 5, 3)),
    "convT2d": (lambda: nn.ConvTranspose2d(2, 3, (2, 3), stride=2, dilation=1), (1, 3, 4, 2)),
    "convT3d": (lambda: nn.ConvTranspose3d(2, 2, 2, stride=1, bias=False), (1, 2, 3, 2, 2)),
}


@case
def case_conv_params():
    # Parameter shapes, initial values and reprs need no convolution op.
    out = {}
    for name, (make, _) in CONV_LAYERS.items():
        mx.random.seed(51)
        m = make()
        out.update(params(m, prefix=name + "."))
        out[name + ".repr"] = repr(m)
    return out


def _conv_forward(prefix):
    out = {}
    for i, (name, (make, shape)) in enumerate(CONV_LAYERS.items()):
        if not name.startswith(prefix):
            continue
        mx.random.seed(51)
        m = make()
        x = det(shape, i)
        out[name] = m(x)
        # gradients with respect to the input and the parameters
        w = det(out[name].shape, 3)
        out[name + ".dx"] = mx.grad(lambda v: (m(v) * w).sum())(x)
        _, grads = nn.value_and_grad(m, lambda v: (m(v) * w).sum())(x)
        out.update({f"{name}.g.{k}": v for k, v in tree_flatten(grads)})
    return out


@case
def case_conv_forward():
    return _conv_forward("conv")


@case
def case_conv_transpose_forward():
    return _conv_forward("convT")


# ------------------------------------------------------ gradients, dtypes --

GRAD_LAYERS = {
    "linear": (lambda: nn.Linear(4, 3), lambda: (X(),)),
    "bilinear": (lambda: nn.Bilinear(4, 2, 3), lambda: (X(), det((2, 3, 2), 3))),
    "embedding": (lambda: nn.Embedding(5, 4), lambda: (mx.array([[0, 4, 4], [1, 2, 0]]),)),
    "layernorm": (lambda: nn.LayerNorm(4), lambda: (X() * 2,)),
    "rmsnorm": (lambda: nn.RMSNorm(4), lambda: (X() * 2,)),
    "groupnorm": (lambda: nn.GroupNorm(2, 4), lambda: (X() * 2,)),
    "batchnorm": (lambda: nn.BatchNorm(4), lambda: (X() * 2,)),
    "rnn": (lambda: nn.RNN(4, 3), lambda: (X(),)),
    "gru": (lambda: nn.GRU(4, 3), lambda: (X(),)),
    "lstm": (lambda: nn.LSTM(4, 3), lambda: (X(),)),
    "mha": (lambda: nn.MultiHeadAttention(8, 2, bias=True), lambda: (Q(), KV(), KV())),
    "encoder": (lambda: nn.TransformerEncoderLayer(8, 2, mlp_dims=8), lambda: (Q(), CM3())),
    "prelu": (lambda: nn.PReLU(4), lambda: (X(),)),
}


@case
def case_layer_grads():
    out = {}
    for name, (make, inputs) in GRAD_LAYERS.items():
        mx.random.seed(71)
        m = make()
        args = inputs()

        def loss(*a):
            y = m(*a)
            y = y[0] if isinstance(y, tuple) else y
            return (y * det(y.shape, 5)).sum()

        val, grads = nn.value_and_grad(m, loss)(*args)
        out[name + ".val"] = val
        out.update({f"{name}.g.{k}": v for k, v in tree_flatten(grads)})
    return out


@case
def case_layer_dtypes():
    out = {}
    for dt in (mx.float16, mx.bfloat16):
        tag = str(dt).split(".")[-1]
        mx.random.seed(72)
        m = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.GELU(), nn.RMSNorm(6), nn.Linear(6, 2))
        m.set_dtype(dt)
        out[tag] = m(X().astype(dt))
        out[tag + ".f32_in"] = m(X())
        mx.random.seed(73)
        a = nn.MultiHeadAttention(8, 2)
        a.set_dtype(dt)
        q = Q().astype(dt)
        out[tag + ".mha"] = a(q, q, q, nn.MultiHeadAttention.create_additive_causal_mask(3, dt))
        out[tag + ".emb"] = nn.Embedding(4, 3).weight.astype(dt)[mx.array([1, 3])]
        out[tag + ".softmax"] = nn.softmax(det((2, 5), 1, 4.0, dtype=dt))
        out[tag + ".log_softmax"] = nn.log_softmax(det((2, 5), 1, 4.0, dtype=dt))
        out[tag + ".ce"] = nn.losses.cross_entropy(det((3, 4), 1, 2.0, dtype=dt), mx.array([0, 3, 1]))
        out[tag + ".pool"] = nn.AvgPool1d(2)(det((1, 4, 2), 1, dtype=dt))
        out[tag + ".up"] = nn.Upsample(2, mode="linear")(det((1, 2, 2), 1, dtype=dt))
    out["int_relu"] = nn.relu(mx.array([1, -2, 3]))
    out["int_relu6"] = nn.relu6(mx.array([1, -2, 9]))
    out["int_leaky"] = nn.leaky_relu(mx.array([1, -2, 3]))
    out["int_maxpool"] = nn.MaxPool2d(2)(mx.arange(16).reshape(1, 4, 4, 1))
    out["int_avgpool"] = nn.AvgPool1d(2)(mx.arange(8).reshape(1, 4, 2))
    out["int_mse"] = nn.losses.mse_loss(mx.array([1, 2, 3]), mx.array([2, 2, 2]))
    out["int_l1"] = nn.losses.l1_loss(mx.array([1, 2, 3]), mx.array([2, 2, 2]), reduction="none")
    return out


# ---------------------------------------- larger arrays (threaded kernels) --


def _summary(out, name, y):
    # Large outputs are recorded as NumPy-computed summaries (no plain sum:
    # it cancels) plus a sample; half types keep their dtype tag so the
    # comparison uses their tolerance.
    half = y.dtype in (mx.float16, mx.bfloat16)
    a = np.array(y.astype(mx.float32) if half else y, dtype=np.float64)
    stats = {
        "abs": np.array(np.abs(a).mean()),
        "sq": np.array(np.sqrt((a * a).mean())),
        "sample": a.ravel()[:: max(1, a.size // 50)].astype(np.float32),
    }
    for k, v in stats.items():
        out[f"{name}.{k}"] = v
        if half:
            out[f"{name}.{k}@dtype"] = str(y.dtype)
    out[name + ".shape"] = np.array(a.shape)


@case
def case_layer_large():
    out = {}
    x = det((16, 64, 96), 1, 2.0)
    mx.random.seed(81)
    mlp = nn.Sequential(nn.Linear(96, 256), nn.GELU(), nn.LayerNorm(256), nn.Linear(256, 96), nn.RMSNorm(96))
    _summary(out, "mlp", mlp(x))
    _summary(out, "softmax", nn.softmax(x * 3, axis=-1))
    _summary(out, "log_softmax", nn.log_softmax(x, axis=1))
    _summary(out, "ce", nn.losses.cross_entropy(x * 3, mx.arange(16 * 64).reshape(16, 64) % 96))
    mx.random.seed(82)
    enc = nn.TransformerEncoder(2, 96, 4, mlp_dims=128)
    enc.eval()
    _summary(out, "encoder", enc(x[:4], nn.MultiHeadAttention.create_additive_causal_mask(64)))
    _summary(out, "bn", nn.BatchNorm(96)(x))
    _summary(out, "gn", nn.GroupNorm(8, 96)(x))
    _summary(out, "pool", nn.MaxPool1d(3, 2)(x))
    _summary(out, "up", nn.Upsample(2, mode="linear")(x[:2, :16]))
    mx.random.seed(83)
    lstm = nn.LSTM(96, 64)
    _summary(out, "lstm", lstm(x[:2, :12])[0])
    h = x.astype(mx.bfloat16)
    mlp.set_dtype(mx.bfloat16)
    _summary(out, "mlp_bf16", mlp(h))
    mx.random.seed(84)
    val, grads = nn.value_and_grad(mlp, lambda v: (mlp(v).astype(mx.float32) ** 2).mean())(h)
    out["grad_val"] = val.astype(mx.bfloat16)  # a mean of bfloat16 results
    for k, g in tree_flatten(grads):
        _summary(out, "g." + k, g)
    return out


@case
def case_layer_input_grads():
    # gradients with respect to the input of parameter-free layers
    img, seq, heads = (1, 4, 4, 2), (2, 5, 3), (1, 2, 3, 4)
    layers = {
        "maxpool2": (nn.MaxPool2d(2, stride=1, padding=1), img),
        "avgpool1": (nn.AvgPool1d(3, stride=2, padding=1), seq),
        "maxpool1": (nn.MaxPool1d(2), seq),
        "up_nearest": (nn.Upsample((2, 1.5)), img),
        "up_linear": (nn.Upsample(2, mode="linear"), img),
        "up_cubic_ac": (nn.Upsample(1.5, mode="cubic", align_corners=True), img),
        "up_aa": (nn.Upsample(0.5, mode="linear", antialias=True), img),
        "rope": (nn.RoPE(4), heads),
        "alibi": (nn.ALiBi(), heads),
        "glu": (nn.GLU(), img),
        "softmin": (nn.Softmin(), seq),
    }
    out = {}
    for name, (m, shape) in layers.items():
        x = det(shape, 3, 2.0)
        w = det(m(x).shape, 1)
        out[name] = mx.grad(lambda v: (m(v) * w).sum())(x)
    mx.random.seed(91)
    d = nn.Dropout(0.4)
    x = det(seq, 3)
    out["dropout"] = mx.grad(lambda v: (d(v) * v).sum())(x)
    return out


@case
def case_layer_fast_paths():
    # shapes and dtypes that take different routes inside fused kernels
    out = {}
    x = det((2, 33, 80), 1, 3.0)
    for dt in (mx.float32, mx.float16, mx.bfloat16):
        tag = str(dt).split(".")[-1]
        ln = nn.LayerNorm(80)
        ln.update({"weight": det((80,), 2, dtype=dt), "bias": det((80,), 3, dtype=dt)})
        out["ln." + tag] = ln(x.astype(dt))
        rms = nn.RMSNorm(80, eps=1e-6)
        rms.weight = det((80,), 4, dtype=dt)
        out["rms." + tag] = rms(x.astype(dt))
        out["ln_noaffine." + tag] = nn.LayerNorm(80, affine=False)(x.astype(dt))
        h = det((2, 3, 33, 16), 5, 2.0, dtype=dt)
        out["rope." + tag] = nn.RoPE(16)(h, offset=7)
        out["rope_part_trad." + tag] = nn.RoPE(10, traditional=True, base=500.0)(h, offset=2)
        mx.random.seed(92)
        mha = nn.MultiHeadAttention(80, 5, bias=True)
        mha.set_dtype(dt)
        q = x.astype(dt)
        out["mha_causal." + tag] = mha(q, q, q, nn.MultiHeadAttention.create_additive_causal_mask(33, dt))
        out["mha_bool." + tag] = mha(q[:, :7], q, q, mx.arange(33)[None] % 3 != 0)
    out["ln_1d"] = nn.LayerNorm(5)(det((5,), 1))
    out["rms_big"] = nn.RMSNorm(3000)(det((2, 3000), 2, 50.0))
    out["ln_big"] = nn.LayerNorm(3000)(det((2, 3000), 3, 50.0) + 100)
    return out
