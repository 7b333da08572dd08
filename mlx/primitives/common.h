// Helpers shared by the transformation rules of several families.
#pragma once

#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/primitive.h"

namespace mlx::core {

// What a vmap rule returns: the outputs and their batch axes.
using Rules = std::pair<std::vector<array>, std::vector<int>>;

namespace detail {

// Throws std::invalid_argument("[Name] what is not supported.").
[[noreturn]] void no_grad(const Primitive& p, const char* what);

// Moves the batch axis of x to 0 (x unbatched, axis -1: unchanged).
array batch_first(const array& x, int axis, const Stream& s);

// Moves the batch axis of x to 0; an unbatched x gets a broadcast batch
// dim of `size`.
array batch_first(const array& x, int ax, int size, StreamOrDevice s);

// The batch size of the batched inputs.
int batch_size(const std::vector<array>& inputs, const std::vector<int>& axes);

// The tangent of primals[i] if i is in argnums, else zeros like it.
array tangent_or_zeros(const std::vector<array>& primals, const std::vector<array>& tangents,
                       const std::vector<int>& argnums, int i);

// A stop for slice() that means what the normalized stop `e` means.
Shape slice_stop(const Shape& stop, const Shape& strides, const Shape& shape);

// Index arrays addressing every element of `shape`, with `idx` along `axis`.
std::vector<array> full_indices(const array& idx, int axis, const Shape& shape, StreamOrDevice s);

// zeros(shape) with vals added at idx along axis (idx and vals of one shape).
array scatter_add_along_axis(const Shape& out_shape, Dtype dtype, const array& idx, const array& vals,
                             int axis, StreamOrDevice s);

} // namespace detail
} // namespace mlx::core
