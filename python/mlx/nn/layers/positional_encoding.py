"""Positional encodings: RoPE, sinusoidal and ALiBi."""

import math
from typing import Optional

import mlx.core as mx
from mlx.nn.layers.base import Module


class RoPE(Module):
    r"""Rotary positional encoding of the first ``dims`` features of inputs
    ``(..., L, D)``. ``traditional`` rotates consecutive pairs instead of the
    two halves; positions are multiplied by ``scale``."""

    def __init__(self, dims: int, traditional: bool = False, base: float = 10000, scale: float = 1.0):
        super().__init__()
        self.dims = dims
        self.traditional = traditional
        self.base = base
        self.scale = scale

    def _extra_repr(self):
        return f"{self.dims}, traditional={self.traditional}"

    def __call__(self, x, offset: int = 0):
        return mx.fast.rope(
            x, self.dims, traditional=self.traditional, base=self.base, scale=self.scale, offset=offset
        )


class SinusoidalPositionalEncoding(Module):
    r"""Sinusoidal encoding of (real valued) positions: the output has
    ``dims`` features, sines then cosines (or the reverse with
    ``cos_first``) of frequencies spaced geometrically between ``max_freq``
    and ``min_freq``."""

    def __init__(
        self,
        dims: int,
        min_freq: float = 0.0001,
        max_freq: float = 1,
        scale: Optional[float] = None,
        cos_first: bool = False,
        full_turns: bool = False,
    ):
        super().__init__()
        if dims <= 0 or dims % 2 != 0:
            raise ValueError(f"[SinusoidalPositionalEncoding] dims must be positive and even but got {dims}.")
        half = dims // 2
        # one frequency pair (dims == 2) sits at max_freq
        one_zero = mx.array([1.0]) if half == 1 else 1 - mx.arange(0, half) / (half - 1)
        lo, hi = math.log(min_freq), math.log(max_freq)
        self._sigmas = mx.exp(one_zero * (hi - lo) + lo)
        if full_turns:
            self._sigmas = self._sigmas * (2 * math.pi)
        self.scale = scale if scale is not None else (2 / dims) ** 0.5
        self.cos_first = cos_first

    def __call__(self, x):
        y = x[..., None] * self._sigmas
        cosy, siny = mx.cos(y), mx.sin(y)
        parts = [cosy, siny] if self.cos_first else [siny, cosy]
        y = mx.concatenate(parts, axis=-1)
        if self.scale != 1:
            y = y * self.scale
        return y


class ALiBi(Module):
    r"""Attention with linear biases: adds ``-slope_h * |i - j|`` to the
    attention scores ``(B, H, L, S)``."""

    @staticmethod
    def create_alibi_matrix(
        q_sequence_length: int,
        k_sequence_length: int,
        num_heads: int,
        offset: int = 0,
        dtype: mx.Dtype = mx.float32,
    ) -> mx.array:
        x1 = mx.arange(offset, q_sequence_length)
        x2 = mx.arange(0, k_sequence_length)
        distance = -mx.abs(x1[:, None] - x2[None, :])[None, None]
        slope = ALiBi.create_alibi_slope(num_heads=num_heads)
        return (distance * slope).astype(dtype)

    @staticmethod
    def create_alibi_slope(num_heads: int, dtype: mx.Dtype = mx.float32) -> mx.array:
        # Geometric slopes 2^(-8i/n) for a power of two n; otherwise those of
        # the power of two below, then every other slope of the one above.
        def slopes(n):
            if math.log2(n).is_integer():
                first = 2.0 ** (-8.0 / n)
                return [first ** (i + 1) for i in range(n)]
            low = 2 ** math.floor(math.log2(n))
            return slopes(low) + slopes(2 * low)[0::2][: n - low]

        return mx.array(slopes(num_heads), dtype=dtype)[:, None, None]

    def __call__(
        self, attention_scores: mx.array, offset: int = 0, mask: Optional[mx.array] = None
    ) -> mx.array:
        alibi = ALiBi.create_alibi_matrix(
            q_sequence_length=attention_scores.shape[-2] + offset,
            k_sequence_length=attention_scores.shape[-1],
            num_heads=attention_scores.shape[1],
            offset=offset,
            dtype=attention_scores.dtype,
        )
        if mask is not None:
            alibi = alibi + mask
        return attention_scores + alibi
