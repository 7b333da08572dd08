"""Convolutions for the layers: mlx.core's when it has them, otherwise a
stand-in built from slicing and matmul (im2col) with the same semantics as
MLX's conv_general: channels-last inputs ``(N, *spatial, C_in)``, weights
``(C_out, *kernel, C_in / groups)``, cross-correlation unless ``flip``.
Gradients come for free from the ops it is built of."""

import itertools

import mlx.core as mx


def _per_axis(v, n):
    return list(v) if isinstance(v, (list, tuple)) else [v] * n


def _dilate_input(x, dilation):
    # insert (d - 1) zeros between neighbours along each spatial axis
    for axis, d in enumerate(dilation, start=1):
        if d == 1:
            continue
        n = x.shape[axis]
        parts = [x] + [mx.zeros_like(x)] * (d - 1)
        x = mx.stack(parts, axis=axis + 1)
        x = x.reshape(*x.shape[:axis], n * d, *x.shape[axis + 2:])
        x = x[(slice(None),) * axis + (slice(0, (n - 1) * d + 1),)]
    return x


def _pad(x, low, high):
    # negative padding crops, as in MLX's conv_general
    widths = [(0, 0)] + [(max(lo, 0), max(hi, 0)) for lo, hi in zip(low, high)] + [(0, 0)]
    if any(w != (0, 0) for w in widths):
        x = mx.pad(x, widths)
    crop = [slice(None)]
    for axis, (lo, hi) in enumerate(zip(low, high), start=1):
        n = x.shape[axis]
        crop.append(slice(-lo if lo < 0 else 0, n + hi if hi < 0 else n))
    return x[tuple(crop)]


def conv_general(x, w, stride=1, padding=0, kernel_dilation=1, input_dilation=1,
                 groups=1, flip=False):
    nd = x.ndim - 2
    stride, kdil, idil = (_per_axis(v, nd) for v in (stride, kernel_dilation, input_dilation))
    if isinstance(padding, tuple) and len(padding) == 2 and isinstance(padding[0], (list, tuple)):
        low, high = list(padding[0]), list(padding[1])
    else:
        low = high = _per_axis(padding, nd)
    if flip:
        w = w[(slice(None),) + (slice(None, None, -1),) * nd]
    x = _pad(_dilate_input(x, idil), low, high)
    N, *size, C = x.shape
    C_out, *K, Cg = w.shape
    if C != Cg * groups:
        raise ValueError(f"[conv] Expected {Cg * groups} input channels but got {C}.")
    out = [(s - d * (k - 1) - 1) // st + 1 for s, k, d, st in zip(size, K, kdil, stride)]
    if any(o <= 0 for o in out):
        raise ValueError("[conv] The kernel does not fit in the (padded) input.")
    patches = []
    for offsets in itertools.product(*(range(k) for k in K)):
        idx = tuple(
            slice(o * d, o * d + (n - 1) * st + 1, st)
            for o, d, n, st in zip(offsets, kdil, out, stride)
        )
        patches.append(x[(slice(None),) + idx])
    P = mx.stack(patches, axis=-2)  # (N, *out, K, C)
    kk = len(patches)
    P = P.reshape(-1, kk, groups, Cg).transpose(2, 0, 1, 3).reshape(groups, -1, kk * Cg)
    W = w.reshape(groups, C_out // groups, kk * Cg).transpose(0, 2, 1)
    y = (P @ W).transpose(1, 0, 2)  # (N * prod(out), groups, C_out / groups)
    return y.reshape(N, *out, C_out)


def _conv(x, w, stride, padding, dilation, groups):
    return conv_general(x, w, stride, padding, dilation, 1, groups)


def _conv_transpose(x, w, stride, padding, dilation, output_padding, groups):
    # the gradient of a convolution: dilate the input by the stride, pad by
    # the kernel's reach less ``padding`` and correlate with the flipped kernel
    nd = x.ndim - 2
    stride, padding, dilation, output_padding = (
        _per_axis(v, nd) for v in (stride, padding, dilation, output_padding)
    )
    reach = [d * (k - 1) for d, k in zip(dilation, w.shape[1:-1])]
    low = [r - p for r, p in zip(reach, padding)]
    high = [r - p + op for r, p, op in zip(reach, padding, output_padding)]
    return conv_general(x, w, 1, (low, high), dilation, stride, groups, flip=True)


def conv1d(x, w, stride=1, padding=0, dilation=1, groups=1):
    return _conv(x, w, stride, padding, dilation, groups)


conv2d = conv3d = conv1d


def conv_transpose1d(x, w, stride=1, padding=0, dilation=1, output_padding=0, groups=1):
    return _conv_transpose(x, w, stride, padding, dilation, output_padding, groups)


conv_transpose2d = conv_transpose3d = conv_transpose1d


def conv_op(name):
    """mlx.core's op ``name`` if it exists, else the stand-in above."""
    fn = getattr(mx, name, None)
    return fn if fn is not None else globals()[name]
