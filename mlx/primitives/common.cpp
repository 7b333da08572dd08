// Helpers shared by the transformation rules of several families.
#include <numeric>
#include <sstream>

#include "mlx/ops.h"
#include "mlx/primitives/common.h"

namespace mlx::core {

namespace detail {

[[noreturn]] void no_grad(const Primitive& p, const char* what) {
  std::ostringstream msg;
  msg << "[" << p.name() << "] " << what << " is not supported.";
  throw std::invalid_argument(msg.str());
}

// Moves the batch axis of x to 0 (x unbatched: unchanged).
array batch_first(const array& x, int axis, const Stream& s) {
  return axis > 0 ? moveaxis(x, axis, 0, s) : x;
}

// Moves the batch axis of x to 0; an unbatched x gets a broadcast batch dim.
array batch_first(const array& x, int ax, int size, StreamOrDevice s) {
  if (ax < 0) {
    Shape shape = x.shape();
    shape.insert(shape.begin(), size);
    return broadcast_to(expand_dims(x, 0, s), shape, s);
  }
  return ax == 0 ? x : moveaxis(x, ax, 0, s);
}

int batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      return inputs[i].shape(axes[i]);
    }
  }
  return 1;
}

array tangent_or_zeros(const std::vector<array>& primals, const std::vector<array>& tangents,
                       const std::vector<int>& argnums, int i) {
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == i) {
      return tangents[k];
    }
  }
  return zeros_like(primals[i]);
}

// A stop for slice() that means what the normalized stop `e` means.
Shape slice_stop(const Shape& stop, const Shape& strides, const Shape& shape) {
  Shape out = stop;
  for (size_t i = 0; i < out.size(); ++i) {
    if (strides[i] < 0 && out[i] == -1) {
      out[i] = -shape[i] - 1;
    }
  }
  return out;
}

// Index arrays addressing every element of `shape`, with `idx` along `axis`.
std::vector<array> full_indices(const array& idx, int axis, const Shape& shape, StreamOrDevice s) {
  std::vector<array> out;
  int nd = static_cast<int>(shape.size());
  for (int d = 0; d < nd; ++d) {
    if (d == axis) {
      out.push_back(idx);
    } else {
      Shape r(nd, 1);
      r[d] = shape[d];
      out.push_back(reshape(arange(0, shape[d], int32), r, s));
    }
  }
  return broadcast_arrays(out, s);
}

// zeros(shape) with vals added at idx along axis (idx and vals of one shape).
array scatter_add_along_axis(const Shape& out_shape, Dtype dtype, const array& idx, const array& vals,
                             int axis, StreamOrDevice s) {
  auto ind = full_indices(stop_gradient(idx, s), axis, idx.shape(), s);
  std::vector<int> axes(out_shape.size());
  std::iota(axes.begin(), axes.end(), 0);
  Shape ushape = vals.shape();
  ushape.insert(ushape.end(), out_shape.size(), 1);
  return scatter_add(zeros(out_shape, dtype, s), ind, reshape(vals, ushape, s), axes, s);
}

} // namespace detail

} // namespace mlx::core
