"""Recurrent layers: RNN, GRU and LSTM over ``(N, L, D)`` or ``(L, D)``
inputs. They return the hidden state of every step, ``(..., L, H)``.

All weights are drawn uniformly in :math:`\\pm 1/\\sqrt{H}`, in the order
they are listed in each class (so a seeded ``mx.random`` reproduces MLX's
initial weights). The input projection of all steps is one matmul; the
loop over time then only applies the recurrent part.
"""

import math
from typing import Callable, Optional

import mlx.core as mx
from mlx.nn.layers.activations import tanh
from mlx.nn.layers.base import Module


def _draw(hidden_size, *shape):
    bound = 1.0 / math.sqrt(hidden_size)
    return mx.random.uniform(low=-bound, high=bound, shape=shape)


def _project(x, weight, bias):
    # x @ weight.T (+ bias), for all time steps at once
    return mx.addmm(bias, x, weight.T) if bias is not None else x @ weight.T


def _steps(x):
    return [x[..., t, :] for t in range(x.shape[-2])]


class RNN(Module):
    r"""Elman RNN: :math:`h_t = f(W_{xh} x_t + b + W_{hh} h_{t-1})` with
    ``f`` = ``nonlinearity`` (tanh by default)."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: Optional[Callable] = None
    ):
        super().__init__()
        self.nonlinearity = nonlinearity or tanh
        if not callable(self.nonlinearity):
            raise ValueError(f"Nonlinearity must be callable. Current value: {nonlinearity}.")
        self.hidden_size = hidden_size
        self.Wxh = _draw(hidden_size, hidden_size, input_size)
        self.Whh = _draw(hidden_size, hidden_size, hidden_size)
        self.bias = _draw(hidden_size, hidden_size) if bias else None

    def _extra_repr(self):
        return (
            f"input_dims={self.Wxh.shape[1]}, hidden_size={self.hidden_size}, "
            f"nonlinearity={self.nonlinearity}, bias={self.bias is not None}"
        )

    def __call__(self, x, hidden=None):
        states = []
        for x_t in _steps(_project(x, self.Wxh, self.bias)):
            pre = x_t if hidden is None else mx.addmm(x_t, hidden, self.Whh.T)
            hidden = self.nonlinearity(pre)
            states.append(hidden)
        return mx.stack(states, axis=-2)


class GRU(Module):
    r"""Gated recurrent unit with reset ``r``, update ``z`` and candidate
    ``n`` (rows of ``Wx``/``Wh``/``b`` in that order); ``bhn`` is the bias of
    the hidden part of ``n``, which the reset gate scales:

    :math:`n_t = \tanh(W_{xn} x_t + b_n + r_t (W_{hn} h_{t-1} + b_{hn}))`,
    :math:`h_t = (1 - z_t) n_t + z_t h_{t-1}`."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        self.Wx = _draw(hidden_size, 3 * hidden_size, input_size)
        self.Wh = _draw(hidden_size, 3 * hidden_size, hidden_size)
        self.b = _draw(hidden_size, 3 * hidden_size) if bias else None
        self.bhn = _draw(hidden_size, hidden_size) if bias else None

    def _extra_repr(self):
        return f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, bias={self.b is not None}"

    def __call__(self, x, hidden=None):
        H = self.hidden_size
        x = _project(x, self.Wx, self.b)
        states = []
        for x_rz, x_n in zip(_steps(x[..., :-H]), _steps(x[..., -H:])):
            if hidden is None:
                # a zero state: only the bias of the hidden part remains
                h_n = self.bhn
            else:
                h_proj = hidden @ self.Wh.T
                x_rz = x_rz + h_proj[..., :-H]
                h_n = h_proj[..., -H:]
                if self.bhn is not None:
                    h_n = h_n + self.bhn
            r, z = mx.split(mx.sigmoid(x_rz), 2, axis=-1)
            n = mx.tanh(x_n if h_n is None else x_n + r * h_n)
            hidden = (1 - z) * n if hidden is None else (1 - z) * n + z * hidden
            states.append(hidden)
        return mx.stack(states, axis=-2)


class LSTM(Module):
    r"""Long short-term memory with input, forget, cell and output gates
    (rows of ``Wx``/``Wh``/``bias`` in that order). Returns the hidden and
    the cell states of every step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        self.Wx = _draw(hidden_size, 4 * hidden_size, input_size)
        self.Wh = _draw(hidden_size, 4 * hidden_size, hidden_size)
        self.bias = _draw(hidden_size, 4 * hidden_size) if bias else None

    def _extra_repr(self):
        return f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, bias={self.bias is not None}"

    def __call__(self, x, hidden=None, cell=None):
        hiddens, cells = [], []
        for gates in _steps(_project(x, self.Wx, self.bias)):
            if hidden is not None:
                gates = mx.addmm(gates, hidden, self.Wh.T)
            i, f, g, o = mx.split(gates, 4, axis=-1)
            i, f, g, o = mx.sigmoid(i), mx.sigmoid(f), mx.tanh(g), mx.sigmoid(o)
            cell = i * g if cell is None else f * cell + i * g
            hidden = o * mx.tanh(cell)
            hiddens.append(hidden)
            cells.append(cell)
        return mx.stack(hiddens, axis=-2), mx.stack(cells, axis=-2)
