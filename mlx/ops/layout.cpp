// Layout ops: reshape, transpose, broadcast, slice, casts and copies (the
// joining, splitting, padding and strided forms are in layout_composed.cpp).
#include <algorithm>
#include <numeric>

#include "mlx/backend/cpu/strided.h" // (broadcast_view: arrays share unified memory)
#include "mlx/compile.h"
#include "mlx/ops.h"
#include "mlx/ops/common.h"

namespace mlx::core {

using detail::fail;

array astype(array a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) {
    return a;
  }
  return detail::make_node<AsType>(a.shape(), dtype, {a}, to_stream(s), dtype);
}

array view(const array& a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) {
    return a;
  }
  Shape shape = a.shape();
  int ibytes = a.itemsize(), obytes = dtype.size;
  if (ibytes != obytes) {
    if (a.ndim() == 0) {
      fail("view", "Changing the type of a scalar is only allowed for types with the same size.");
    }
    if (ibytes < obytes && (shape.back() * ibytes) % obytes != 0) {
      fail("view", "The last dimension must be divisible by the size ratio of the new dtype.");
    }
    shape.back() = shape.back() * ibytes / obytes;
  }
  return detail::make_node<View>(std::move(shape), dtype, {a}, to_stream(s), dtype);
}

array copy(array a, StreamOrDevice s) {
  return detail::make_node<Copy>(a.shape(), a.dtype(), {a}, to_stream(s));
}

array stop_gradient(const array& a, StreamOrDevice s) {
  return detail::make_node<StopGradient>(a.shape(), a.dtype(), {a}, to_stream(s));
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  if (a.is_available()) {
    auto f = a.flags();
    if (f.row_contiguous || (allow_col_major && f.col_contiguous)) {
      return a;
    }
  }
  return copy(a, s);
}

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  const Shape requested = shape;
  int infer = -1;
  size_t known = 1;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        fail("reshape", "Reshape can only infer one dimension.");
      }
      infer = i;
    } else if (shape[i] < 0) {
      fail("reshape", "Invalid negative dimension ", shape[i], ".");
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.size() % known != 0) {
      fail("reshape", "Cannot infer the shape of an array of size ", a.size(), " into shape ",
           detail::shape_str(shape), ".");
    }
    shape[infer] = static_cast<ShapeElem>(a.size() / known);
    known *= shape[infer];
  }
  if (known != a.size()) {
    fail("reshape", "Cannot reshape array of size ", a.size(), " into shape ", detail::shape_str(shape), ".");
  }
  if (shape == a.shape() && !detail::in_shapeless_trace()) {
    return a;
  }
  return detail::make_node<Reshape>(shape, a.dtype(), {a}, to_stream(s), shape, requested, a.shape());
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd == 0) {
    return reshape(a, {1}, s);
  }
  int start = detail::normalize_axis(start_axis, nd, "flatten");
  int end = detail::normalize_axis(end_axis, nd, "flatten");
  if (start > end) {
    return a;
  }
  Shape shape(a.shape().begin(), a.shape().begin() + start);
  ShapeElem mid = 1;
  for (int i = start; i <= end; ++i) {
    mid *= a.shape(i);
  }
  shape.push_back(mid);
  shape.insert(shape.end(), a.shape().begin() + end + 1, a.shape().end());
  return reshape(a, shape, s);
}

namespace {

// A reshape that inserts (expand_dims) or removes (squeeze) the size-1
// axes `ones`, recorded in the node for shapeless compile.
array reshape_ones(const array& a, Shape shape, std::vector<int> ones, bool inserts, StreamOrDevice s) {
  if (shape == a.shape() && !detail::in_shapeless_trace()) {
    return a;
  }
  return detail::make_node<Reshape>(shape, a.dtype(), {a}, to_stream(s), shape, shape, a.shape(),
                                    std::move(ones), inserts);
}

} // namespace

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  auto ax = detail::normalize_axes(axes, a.ndim(), "squeeze");
  Shape shape;
  for (int i = 0, j = 0; i < a.ndim(); ++i) {
    if (j < static_cast<int>(ax.size()) && ax[j] == i) {
      if (a.shape(i) != 1) {
        fail("squeeze", "Cannot squeeze axis ", i, " with size ", a.shape(i), " which is not equal to 1.");
      }
      ++j;
    } else {
      shape.push_back(a.shape(i));
    }
  }
  return reshape_ones(a, std::move(shape), std::vector<int>(ax.begin(), ax.end()), false, s);
}

array squeeze(const array& a, int axis, StreamOrDevice s) { return squeeze(a, std::vector<int>{axis}, s); }

array squeeze(const array& a, StreamOrDevice s) {
  Shape shape;
  std::vector<int> ones;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape(i) != 1) {
      shape.push_back(a.shape(i));
    } else {
      ones.push_back(i);
    }
  }
  return reshape_ones(a, std::move(shape), std::move(ones), false, s);
}

array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int out_nd = a.ndim() + static_cast<int>(axes.size());
  auto ax = detail::normalize_axes(axes, out_nd, "expand_dims");
  Shape shape;
  for (int i = 0, j = 0, k = 0; i < out_nd; ++i) {
    if (j < static_cast<int>(ax.size()) && ax[j] == i) {
      shape.push_back(1);
      ++j;
    } else {
      shape.push_back(a.shape(k++));
    }
  }
  return reshape_ones(a, std::move(shape), std::vector<int>(ax.begin(), ax.end()), true, s);
}

array expand_dims(const array& a, int axis, StreamOrDevice s) {
  return expand_dims(a, std::vector<int>{axis}, s);
}

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  int nd = a.ndim();
  if (static_cast<int>(axes.size()) != nd) {
    fail("transpose", "Received ", axes.size(), " axes for array with ", nd, " dimensions.");
  }
  std::vector<bool> used(nd, false);
  Shape shape;
  for (auto& ax : axes) {
    ax = detail::normalize_axis(ax, nd, "transpose");
    if (used[ax]) {
      fail("transpose", "Repeat axes not allowed in transpose.");
    }
    used[ax] = true;
    shape.push_back(a.shape(ax));
  }
  bool identity = true;
  for (int i = 0; i < nd; ++i) {
    identity &= axes[i] == i;
  }
  if (identity) {
    return a;
  }
  return detail::make_node<Transpose>(std::move(shape), a.dtype(), {a}, to_stream(s), std::move(axes));
}

array transpose(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose(a, std::move(axes), s);
}

array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  int a1 = detail::normalize_axis(axis1, a.ndim(), "swapaxes");
  int a2 = detail::normalize_axis(axis2, a.ndim(), "swapaxes");
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[a1], axes[a2]);
  return transpose(a, std::move(axes), s);
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  int src = detail::normalize_axis(source, a.ndim(), "moveaxis");
  int dst = detail::normalize_axis(destination, a.ndim(), "moveaxis");
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  axes.erase(axes.begin() + src);
  axes.insert(axes.begin() + dst, src);
  return transpose(a, std::move(axes), s);
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const Shape& big = a.size() > b.size() ? a : b;
  const Shape& small = a.size() > b.size() ? b : a;
  Shape out = big;
  size_t diff = big.size() - small.size();
  for (size_t i = 0; i < small.size(); ++i) {
    auto x = big[i + diff], y = small[i];
    if (x == y || y == 1) {
      out[i + diff] = x;
    } else if (x == 1) {
      out[i + diff] = y;
    } else {
      fail("broadcast_shapes", "Shapes ", detail::shape_str(a), " and ", detail::shape_str(b),
           " cannot be broadcast.");
    }
  }
  return out;
}

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) {
    return a;
  }
  detail::checked_shape_size(shape, a.dtype(), "broadcast_to");
  bool ok = shape.size() >= a.shape().size();
  for (size_t i = 0; ok && i < a.shape().size(); ++i) {
    auto d = a.shape()[a.ndim() - 1 - i];
    auto t = shape[shape.size() - 1 - i];
    ok = d == t || d == 1;
  }
  if (!ok) {
    fail("broadcast_shapes", "Shapes ", detail::shape_str(a.shape()), " and ", detail::shape_str(shape),
         " cannot be broadcast.");
  }
  // An operand already computed (a scalar, say) is broadcast at once, as a
  // view of its buffer: no node to build and run. Transforms keep the node,
  // which their rules (gradients, vmap, shapeless compile) work on.
  if (a.is_available() && !detail::in_tracing()) {
    return detail::broadcast_view(a, shape);
  }
  return detail::make_node<Broadcast>(shape, a.dtype(), {a}, to_stream(s), shape);
}

namespace detail {

array broadcast_view(const array& a, const Shape& shape) {
  array out(shape, a.dtype(), nullptr, {});
  cpu::broadcast_view(a, out);
  return out;
}

array broadcast_against(const array& a, const Shape& shape, const std::vector<array>& operands,
                        StreamOrDevice s, int own_dims) {
  auto out = broadcast_to(a, shape, s);
  if (!in_shapeless_trace() || operands.empty()) {
    return out;
  }
  // Even where no broadcast is needed now, one may be at a later call.
  std::vector<array> inputs = {a};
  inputs.insert(inputs.end(), operands.begin(), operands.end());
  return make_node<Broadcast>(shape, a.dtype(), std::move(inputs), to_stream(s), shape, own_dims);
}

} // namespace detail

std::vector<array> broadcast_arrays(const std::vector<array>& inputs, StreamOrDevice s) {
  Shape shape;
  for (auto& in : inputs) {
    shape = broadcast_shapes(shape, in.shape());
  }
  std::vector<array> out;
  for (auto& in : inputs) {
    out.push_back(broadcast_to(in, shape, s));
  }
  return out;
}

array slice(const array& a, Shape start, Shape stop, Shape strides, StreamOrDevice s) {
  int nd = a.ndim();
  if (static_cast<int>(start.size()) != nd || static_cast<int>(stop.size()) != nd ||
      static_cast<int>(strides.size()) != nd) {
    fail("slice", "Invalid number of indices or strides for array with dimension ", nd, ".");
  }
  Shape shape(nd);
  bool identity = true;
  for (int i = 0; i < nd; ++i) {
    int64_t n = a.shape(i), st = strides[i];
    if (st == 0) {
      fail("slice", "Slice step cannot be zero.");
    }
    // Clamp as Python slices do.
    int64_t b = start[i] < 0 ? start[i] + n : start[i];
    int64_t e = stop[i] < 0 ? stop[i] + n : stop[i];
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
      shape[i] = static_cast<ShapeElem>(e > b ? (e - b + st - 1) / st : 0);
    } else {
      b = std::clamp<int64_t>(b, -1, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
      shape[i] = static_cast<ShapeElem>(b > e ? (b - e - st - 1) / (-st) : 0);
    }
    start[i] = static_cast<ShapeElem>(b);
    stop[i] = static_cast<ShapeElem>(e);
    identity &= (shape[i] == n && st == 1);
  }
  if (identity) {
    return a;
  }
  return detail::make_node<Slice>(shape, a.dtype(), {a}, to_stream(s), std::move(start), std::move(stop),
                                  std::move(strides));
}

array slice(const array& a, Shape start, Shape stop, StreamOrDevice s) {
  return slice(a, std::move(start), std::move(stop), Shape(a.ndim(), 1), s);
}

} // namespace mlx::core
