"""Recurrent layers: RNN, GRU, LSTM (inputs ``(N, L, D)`` or ``(L, D)``)."""

import math
from typing import Callable, Optional

import mlx.core as mx
from mlx.nn.layers._ops import addmm
from mlx.nn.layers.activations import tanh
from mlx.nn.layers.base import Module


def _uniform(scale, shape):
    return mx.random.uniform(low=-scale, high=scale, shape=shape)


class RNN(Module):
    r"""Elman RNN: :math:`h_t = \sigma(W_{xh} x_t + W_{hh} h_{t-1} + b)`.
    Returns the hidden states of all steps, ``(..., L, hidden_size)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: Optional[Callable] = None):
        super().__init__()
        self.nonlinearity = nonlinearity or tanh
        if not callable(self.nonlinearity):
            raise ValueError(
                f"Nonlinearity must be callable. Current value: {nonlinearity}."
            )
        scale = 1.0 / math.sqrt(hidden_size)
        self.hidden_size = hidden_size
        self.Wxh = _uniform(scale, (hidden_size, input_size))
        self.Whh = _uniform(scale, (hidden_size, hidden_size))
        self.bias = _uniform(scale, (hidden_size,)) if bias else None

    def _extra_repr(self):
        return (
            f"input_dims={self.Wxh.shape[1]}, hidden_size={self.hidden_size}, "
            f"nonlinearity={self.nonlinearity}, bias={self.bias is not None}"
        )

    def __call__(self, x, hidden=None):
        if self.bias is not None:
            x = addmm(self.bias, x, self.Wxh.T)
        else:
            x = x @ self.Wxh.T
        out = []
        for t in range(x.shape[-2]):
            if hidden is not None:
                hidden = addmm(x[..., t, :], hidden, self.Whh.T)
            else:
                hidden = x[..., t, :]
            hidden = self.nonlinearity(hidden)
            out.append(hidden)
        return mx.stack(out, axis=-2)


class GRU(Module):
    r"""Gated recurrent unit. Parameters ``Wx (3H, D)``, ``Wh (3H, H)``,
    ``b (3H,)`` and ``bhn (H,)`` (gates ordered r, z, n). Returns all hidden
    states."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(scale, (3 * hidden_size, input_size))
        self.Wh = _uniform(scale, (3 * hidden_size, hidden_size))
        self.b = _uniform(scale, (3 * hidden_size,)) if bias else None
        self.bhn = _uniform(scale, (hidden_size,)) if bias else None

    def _extra_repr(self):
        return (
            f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
            f"bias={self.b is not None}"
        )

    def __call__(self, x, hidden=None):
        H = self.hidden_size
        x = addmm(self.b, x, self.Wx.T) if self.b is not None else x @ self.Wx.T
        x_rz = x[..., :-H]
        x_n = x[..., -H:]
        out = []
        for t in range(x.shape[-2]):
            rz = x_rz[..., t, :]
            if hidden is not None:
                h_proj = hidden @ self.Wh.T
                h_rz = h_proj[..., :-H]
                h_n = h_proj[..., -H:]
                if self.bhn is not None:
                    h_n = h_n + self.bhn
                rz = rz + h_rz
            rz = mx.sigmoid(rz)
            r, z = mx.split(rz, 2, axis=-1)
            n = x_n[..., t, :]
            if hidden is not None:
                n = n + r * h_n
            elif self.bhn is not None:
                # a zero hidden state still contributes its bias
                n = n + r * self.bhn
            n = mx.tanh(n)
            if hidden is not None:
                hidden = (1 - z) * n + z * hidden
            else:
                hidden = (1 - z) * n
            out.append(hidden)
        return mx.stack(out, axis=-2)


class LSTM(Module):
    r"""Long short-term memory. Parameters ``Wx (4H, D)``, ``Wh (4H, H)`` and
    ``bias (4H,)`` (gates ordered i, f, g, o). Returns ``(hidden, cell)``
    for all steps."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        scale = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(scale, (4 * hidden_size, input_size))
        self.Wh = _uniform(scale, (4 * hidden_size, hidden_size))
        self.bias = _uniform(scale, (4 * hidden_size,)) if bias else None

    def _extra_repr(self):
        return (
            f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
            f"bias={self.bias is not None}"
        )

    def __call__(self, x, hidden=None, cell=None):
        x = addmm(self.bias, x, self.Wx.T) if self.bias is not None else x @ self.Wx.T
        hs, cs = [], []
        for t in range(x.shape[-2]):
            ifgo = x[..., t, :]
            if hidden is not None:
                ifgo = addmm(ifgo, hidden, self.Wh.T)
            i, f, g, o = mx.split(ifgo, 4, axis=-1)
            i, f, g, o = mx.sigmoid(i), mx.sigmoid(f), mx.tanh(g), mx.sigmoid(o)
            cell = f * cell + i * g if cell is not None else i * g
            hidden = o * mx.tanh(cell)
            hs.append(hidden)
            cs.append(cell)
        return mx.stack(hs, axis=-2), mx.stack(cs, axis=-2)
