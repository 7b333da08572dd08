"""Multi-head attention and the transformer encoder/decoder layers.

Sub-modules are created in a fixed order (attention, norms, MLP, dropouts)
so that a seeded ``mx.random`` gives the same initial weights as MLX and the
parameter names and their order match MLX's.
"""

import math
from typing import Any, Callable, Optional

import mlx.core as mx
from mlx.nn.layers.activations import relu
from mlx.nn.layers.base import Module
from mlx.nn.layers.dropout import Dropout
from mlx.nn.layers.linear import Linear
from mlx.nn.layers.normalization import LayerNorm


class MultiHeadAttention(Module):
    r"""Scaled dot product attention over ``num_heads`` heads, with linear
    projections of the queries, keys and values (``query_proj``,
    ``key_proj``, ``value_proj``) and of the result (``out_proj``). Inputs
    are ``(batch, length, features)``; ``mask`` is added to the scores (or,
    if boolean, selects the allowed positions)."""

    def __init__(
        self,
        dims: int,
        num_heads: int,
        query_input_dims: Optional[int] = None,
        key_input_dims: Optional[int] = None,
        value_input_dims: Optional[int] = None,
        value_dims: Optional[int] = None,
        value_output_dims: Optional[int] = None,
        bias: bool = False,
    ):
        super().__init__()
        if dims % num_heads != 0:
            raise ValueError(
                "The input feature dimensions should be divisible by the "
                f"number of heads ({dims} % {num_heads}) != 0"
            )
        key_in = key_input_dims or dims
        value_width = value_dims or dims
        self.num_heads = num_heads
        self.query_proj = Linear(query_input_dims or dims, dims, bias=bias)
        self.key_proj = Linear(key_in, dims, bias=bias)
        self.value_proj = Linear(value_input_dims or key_in, value_width, bias=bias)
        self.out_proj = Linear(value_width, value_output_dims or dims, bias=bias)

    def _split_heads(self, x):
        # (B, L, H * d) -> (B, H, L, d)
        return mx.unflatten(x, -1, (self.num_heads, -1)).transpose(0, 2, 1, 3)

    def __call__(self, queries, keys, values, mask=None):
        q = self._split_heads(self.query_proj(queries))
        k = self._split_heads(self.key_proj(keys))
        v = self._split_heads(self.value_proj(values))
        out = mx.fast.scaled_dot_product_attention(q, k, v, scale=math.sqrt(1 / q.shape[-1]), mask=mask)
        return self.out_proj(out.transpose(0, 2, 1, 3).flatten(-2, -1))

    @staticmethod
    def create_additive_causal_mask(N: int, dtype: mx.Dtype = mx.float32):
        """``(N, N)``: 0 where a position may attend (itself and earlier),
        the most negative finite ``dtype`` value elsewhere."""
        positions = mx.arange(N)
        future = positions[:, None] < positions[None]
        return future.astype(dtype) * mx.finfo(dtype).min


def _mlp(layer, dropout, x):
    """The position-wise MLP of a transformer layer."""
    return layer.linear2(dropout(layer.activation(layer.linear1(x))))


class TransformerEncoderLayer(Module):
    """Self-attention then an MLP, each added to its input. With
    ``norm_first`` the input of each block is layer-normed (pre-norm);
    otherwise each sum is (post-norm)."""

    def __init__(
        self,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = relu,
        norm_first: bool = True,
    ):
        super().__init__()
        hidden = mlp_dims or 4 * dims
        self.attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = LayerNorm(dims)
        self.ln2 = LayerNorm(dims)
        self.linear1 = Linear(dims, hidden)
        self.linear2 = Linear(hidden, dims)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation
        self.norm_first = norm_first

    def _attend(self, h, mask):
        return self.dropout1(self.attention(h, h, h, mask))

    def __call__(self, x, mask):
        if self.norm_first:
            x = x + self._attend(self.ln1(x), mask)
            return x + _mlp(self, self.dropout2, self.ln2(x))
        x = self.ln1(x + self._attend(x, mask))
        return self.ln2(x + _mlp(self, self.dropout2, x))


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder output ``memory``, then
    an MLP; residual connections and pre- or post-norm as in
    :class:`TransformerEncoderLayer`."""

    def __init__(
        self,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = relu,
        norm_first: bool = True,
    ):
        super().__init__()
        hidden = mlp_dims or 4 * dims
        self.self_attention = MultiHeadAttention(dims, num_heads)
        self.cross_attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = LayerNorm(dims)
        self.ln2 = LayerNorm(dims)
        self.ln3 = LayerNorm(dims)
        self.linear1 = Linear(dims, hidden)
        self.linear2 = Linear(hidden, dims)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = activation
        self.norm_first = norm_first

    def __call__(self, x, memory, x_mask, memory_mask):
        def self_attend(h):
            return self.dropout1(self.self_attention(h, h, h, x_mask))

        def cross_attend(h):
            return self.dropout2(self.cross_attention(h, memory, memory, memory_mask))

        if self.norm_first:
            x = x + self_attend(self.ln1(x))
            x = x + cross_attend(self.ln2(x))
            return x + _mlp(self, self.dropout3, self.ln3(x))
        x = self.ln1(x + self_attend(x))
        x = self.ln2(x + cross_attend(x))
        return self.ln3(x + _mlp(self, self.dropout3, x))


def _run_stack(stack, x, *args):
    """Apply the layers of an encoder/decoder stack, then its final norm.
    With ``checkpoint`` each layer's activations are recomputed in the
    backward pass instead of being kept."""
    from mlx.nn.utils import checkpoint

    for layer in stack.layers:
        x = (checkpoint(layer) if stack.checkpoint else layer)(x, *args)
    return stack.ln(x)


class TransformerEncoder(Module):
    """``num_layers`` :class:`TransformerEncoderLayer` (``layers``) and a
    final :class:`LayerNorm` (``ln``)."""

    def __init__(
        self,
        num_layers: int,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation=relu,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__()
        self.layers = [
            TransformerEncoderLayer(dims, num_heads, mlp_dims, dropout, activation, norm_first)
            for _ in range(num_layers)
        ]
        self.ln = LayerNorm(dims)
        self.checkpoint = checkpoint

    def __call__(self, x, mask):
        return _run_stack(self, x, mask)


class TransformerDecoder(Module):
    """``num_layers`` :class:`TransformerDecoderLayer` (``layers``) and a
    final :class:`LayerNorm` (``ln``)."""

    def __init__(
        self,
        num_layers: int,
        dims: int,
        num_heads: int,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation=relu,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__()
        self.layers = [
            TransformerDecoderLayer(dims, num_heads, mlp_dims, dropout, activation, norm_first)
            for _ in range(num_layers)
        ]
        self.ln = LayerNorm(dims)
        self.checkpoint = checkpoint

    def __call__(self, x, memory, x_mask, memory_mask):
        return _run_stack(self, x, memory, x_mask, memory_mask)


class Transformer(Module):
    """Encoder-decoder transformer: ``encoder`` reads ``src``, ``decoder``
    produces the output for ``tgt`` attending to the encoder's result.
    ``custom_encoder``/``custom_decoder`` replace the default stacks."""

    def __init__(
        self,
        dims: int = 512,
        num_heads: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        mlp_dims: Optional[int] = None,
        dropout: float = 0.0,
        activation: Callable[[Any], Any] = relu,
        custom_encoder: Optional[Any] = None,
        custom_decoder: Optional[Any] = None,
        norm_first: bool = True,
        checkpoint: bool = False,
    ):
        super().__init__()
        shared = (dims, num_heads, mlp_dims, dropout, activation, norm_first, checkpoint)
        # "is None": a custom module without parameters is an empty dict
        # (falsy) but still replaces the default stack
        if custom_encoder is None:
            custom_encoder = TransformerEncoder(num_encoder_layers, *shared)
        if custom_decoder is None:
            custom_decoder = TransformerDecoder(num_decoder_layers, *shared)
        self.encoder = custom_encoder
        self.decoder = custom_decoder

    def __call__(self, src, tgt, src_mask, tgt_mask, memory_mask):
        memory = self.encoder(src, src_mask)
        return self.decoder(tgt, memory, tgt_mask, memory_mask)
