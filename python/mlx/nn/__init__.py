"""Neural network layers, losses and initializers (mlx.nn)."""

from mlx.nn import init, losses
from mlx.nn.layers import *  # noqa: F401,F403
from mlx.nn.layers import (  # noqa: F401
    activations,
    base,
    containers,
    convolution,
    convolution_transpose,
    dropout,
    embedding,
    linear,
    normalization,
    pooling,
    positional_encoding,
    quantized,
    recurrent,
    transformer,
    upsample,
)
from mlx.nn.layers.quantized import quantize  # noqa: F401
from mlx.nn.utils import average_gradients, value_and_grad
from mlx.nn import utils  # noqa: F401
