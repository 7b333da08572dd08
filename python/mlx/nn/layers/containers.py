"""Sequential container."""

from mlx.nn.layers.base import Module


class Sequential(Module):
    r"""Call the given modules (or callables) one after the other.

    They are stored in the ``layers`` list, so parameter keys read
    ``layers.0.weight``.
    """

    def __init__(self, *modules):
        super().__init__()
        self.layers = list(modules)

    def __call__(self, x):
        for m in self.layers:
            x = m(x)
        return x
