// Layout ops built on the basic ones: joining, splitting, repeating, padding,
// flipping, rolling, strided views and diagonals. Most compose
// slice/reshape/broadcast/take; concatenation, splits and strided views have
// their own primitives for speed.
#include <algorithm>
#include <numeric>
#include <optional>
#include <tuple>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/layout.h"

namespace mlx::core {

using detail::fail;

using detail::check_axis;

array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    fail("concatenate", "No arrays provided for concatenation");
  }
  int nd = arrays[0].ndim();
  int ax = check_axis(axis, nd, "concatenate");
  Dtype dtype = arrays[0].dtype();
  Shape shape = arrays[0].shape();
  shape[ax] = 0;
  int64_t total = 0;
  for (auto& x : arrays) {
    if (x.ndim() != nd) {
      fail("concatenate",
           "All the input arrays must have the same number of dimensions. "
           "However, got arrays with dimensions ",
           nd, " and ", x.ndim(), ".");
    }
    for (int d = 0; d < nd; ++d) {
      if (d != ax && x.shape(d) != shape[d]) {
        std::ostringstream shapes;
        for (size_t i = 0; i < arrays.size(); ++i) {
          shapes << detail::shape_str(arrays[i].shape()) << ", ";
        }
        fail("concatenate",
             "All the input array dimensions must match exactly except for the "
             "concatenation axis. However, the provided shapes are ",
             shapes.str(), "and the concatenation axis is ", ax, ".");
      }
    }
    total += x.shape(ax);
    dtype = promote_types(dtype, x.dtype());
  }
  shape[ax] = detail::checked_dim(total, "concatenate");
  if (arrays.size() == 1) {
    return astype(arrays[0], dtype, s);
  }
  for (auto& x : arrays) {
    x = astype(x, dtype, s);
  }
  return detail::make_node<Concatenate>(std::move(shape), dtype, std::move(arrays), to_stream(s), ax);
}

array concatenate(std::vector<array> arrays, StreamOrDevice s) {
  for (auto& x : arrays) {
    x = flatten(x, 0, -1, s);
  }
  return concatenate(std::move(arrays), 0, s);
}

array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    fail("stack", "No arrays provided for stacking");
  }
  for (auto& x : arrays) {
    if (x.shape() != arrays[0].shape()) {
      fail("stack", "All arrays must have the same shape");
    }
  }
  int ax = check_axis(axis, arrays[0].ndim() + 1, "stack");
  std::vector<array> expanded;
  for (auto& x : arrays) {
    expanded.push_back(expand_dims(x, ax, s));
  }
  return concatenate(std::move(expanded), ax, s);
}

array stack(const std::vector<array>& arrays, StreamOrDevice s) { return stack(arrays, 0, s); }

using detail::split_pieces;

std::vector<array> split(const array& a, const Shape& indices, int axis, StreamOrDevice s) {
  int ax = check_axis(axis, a.ndim(), "split");
  int n = a.shape(ax);
  // Non-decreasing indices cut the axis into consecutive pieces: one Split
  // node. Otherwise (NumPy's rules let pieces restart) a slice per piece.
  std::vector<int> bounds = {0};
  for (int idx : indices) {
    bounds.push_back(std::clamp(idx < 0 ? idx + n : idx, 0, n));
  }
  bounds.push_back(n);
  if (std::is_sorted(bounds.begin(), bounds.end()) && a.ndim() > 0) {
    return split_pieces(a, ax, std::move(bounds), to_stream(s));
  }
  std::vector<array> out;
  Shape start(a.ndim(), 0), stop = a.shape();
  int prev = 0;
  for (size_t i = 0; i <= indices.size(); ++i) {
    int idx = i < indices.size() ? indices[i] : n;
    if (idx < 0) {
      idx += n;
    }
    idx = std::clamp(idx, 0, n);
    start[ax] = prev;
    stop[ax] = std::max(idx, prev);
    out.push_back(slice(a, start, stop, s));
    // An index before the previous one gives an empty piece, then restarts.
    prev = idx;
  }
  return out;
}

std::vector<array> split(const array& a, const Shape& indices, StreamOrDevice s) {
  return split(a, indices, 0, s);
}

std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s) {
  int ax = check_axis(axis, a.ndim(), "split");
  if (num_splits <= 0) {
    fail("split", "num_splits must be positive and non-zero but got ", num_splits, ".");
  }
  if (a.shape(ax) % num_splits != 0) {
    std::ostringstream msg;
    msg << "[split] Array split does not result in sub arrays with equal size: attempting " << num_splits
        << " splits along axis " << ax << " for shape " << detail::shape_str(a.shape()) << ".";
    throw std::invalid_argument(msg.str());
  }
  int step = a.shape(ax) / num_splits;
  Shape indices;
  for (int i = 1; i < num_splits; ++i) {
    indices.push_back(i * step);
  }
  return split(a, indices, ax, s);
}

std::vector<array> split(const array& a, int num_splits, StreamOrDevice s) {
  return split(a, num_splits, 0, s);
}

std::vector<array> unstack(const array& a, int axis, StreamOrDevice s) {
  int ax = check_axis(axis, a.ndim(), "unstack");
  std::vector<array> out;
  Shape start(a.ndim(), 0), stop = a.shape();
  for (int i = 0; i < a.shape(ax); ++i) {
    start[ax] = i;
    stop[ax] = i + 1;
    out.push_back(squeeze(slice(a, start, stop, s), ax, s));
  }
  return out;
}

array repeat(const array& a, int repeats, int axis, StreamOrDevice s) {
  int ax = check_axis(axis, a.ndim(), "repeat");
  if (repeats < 0) {
    fail("repeat", "Number of repeats cannot be negative");
  }
  // (.., n, ..) -> (.., n, repeats, ..) broadcast -> (.., n * repeats, ..).
  auto x = expand_dims(a, ax + 1, s);
  Shape bshape = x.shape();
  bshape[ax + 1] = repeats;
  Shape out_shape = a.shape();
  out_shape[ax] = detail::checked_dim(int64_t(out_shape[ax]) * repeats, "repeat");
  return reshape(broadcast_to(x, bshape, s), out_shape, s);
}

array repeat(const array& a, int repeats, StreamOrDevice s) {
  return repeat(flatten(a, 0, -1, s), repeats, 0, s);
}

array tile(const array& a, std::vector<int> reps, StreamOrDevice s) {
  int nd = std::max<int>(a.ndim(), reps.size());
  reps.insert(reps.begin(), nd - reps.size(), 1);
  Shape ashape(nd - a.ndim(), 1);
  ashape.insert(ashape.end(), a.shape().begin(), a.shape().end());
  for (int r : reps) {
    if (r < 0) {
      fail("tile", "Negative dimensions not allowed.");
    }
  }
  // Interleave a size-reps axis before each axis, broadcast, then merge.
  Shape expanded, bshape, out_shape;
  for (int d = 0; d < nd; ++d) {
    expanded.push_back(1);
    expanded.push_back(ashape[d]);
    bshape.push_back(reps[d]);
    bshape.push_back(ashape[d]);
    out_shape.push_back(detail::checked_dim(int64_t(reps[d]) * ashape[d], "tile"));
  }
  detail::checked_shape_size(out_shape, a.dtype(), "tile");
  auto x = reshape(a, expanded, s);
  return reshape(broadcast_to(x, bshape, s), out_shape, s);
}

namespace {

// The source index of each position of an axis of size n padded by lo/hi.
array pad_indices(int n, int lo, int hi, const std::string& mode, StreamOrDevice s) {
  std::vector<int32_t> idx;
  idx.reserve(n + lo + hi);
  for (int i = -lo; i < n + hi; ++i) {
    int j = i;
    if (mode == "edge") {
      j = std::clamp(i, 0, n - 1);
    } else if (mode == "reflect") {
      int period = 2 * (n - 1);
      if (period == 0) {
        j = 0;
      } else {
        j = ((i % period) + period) % period;
        j = j < n ? j : period - j;
      }
    } else { // symmetric
      int period = 2 * n;
      j = ((i % period) + period) % period;
      j = j < n ? j : period - 1 - j;
    }
    idx.push_back(j);
  }
  return array(idx.begin(), Shape{static_cast<ShapeElem>(idx.size())}, int32);
}

} // namespace

array pad(const array& a, const std::vector<int>& axes, const Shape& low_pad, const Shape& high_pad,
          const array& pad_value, const std::string& mode, StreamOrDevice s) {
  if (axes.size() != low_pad.size() || axes.size() != high_pad.size()) {
    fail("pad", "Invalid number of padding sizes passed to pad with axes of size ", axes.size());
  }
  if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "symmetric") {
    fail("pad", "Invalid padding mode (", mode, ") passed to pad");
  }
  std::vector<int> ax;
  for (size_t i = 0; i < axes.size(); ++i) {
    ax.push_back(check_axis(axes[i], a.ndim(), "pad"));
    if (low_pad[i] < 0) {
      fail("pad", "Invalid low padding size (", low_pad[i], ") passed to pad for axis ", i,
           ". Padding sizes must be non-negative");
    }
    if (high_pad[i] < 0) {
      fail("pad", "Invalid high padding size (", high_pad[i], ") passed to pad for axis ", i,
           ". Padding sizes must be non-negative");
    }
  }
  bool has_empty = false;
  for (size_t i = 0; i < ax.size(); ++i) {
    detail::checked_dim(int64_t(a.shape(ax[i])) + low_pad[i] + high_pad[i], "pad");
    has_empty |= a.shape(ax[i]) == 0;
    // Reflecting or mirroring needs values to repeat (NumPy refuses too).
    if (a.shape(ax[i]) == 0 && (low_pad[i] > 0 || high_pad[i] > 0) &&
        (mode == "reflect" || mode == "symmetric")) {
      fail("pad", "Cannot pad empty axis ", ax[i], " using mode '", mode, "'.");
    }
  }
  if (mode == "constant" || has_empty) {
    Shape out_shape = a.shape();
    Shape start(a.ndim(), 0), stop = a.shape();
    for (size_t i = 0; i < ax.size(); ++i) {
      out_shape[ax[i]] = detail::checked_dim(int64_t(out_shape[ax[i]]) + low_pad[i] + high_pad[i], "pad");
      start[ax[i]] = low_pad[i];
      stop[ax[i]] = low_pad[i] + a.shape(ax[i]);
    }
    auto value = mode == "constant" ? astype(pad_value, a.dtype(), s) : array(0, a.dtype());
    auto out = full(out_shape, value, a.dtype(), s);
    return slice_update(out, a, start, stop, s);
  }
  if (mode == "reflect") {
    for (size_t i = 0; i < ax.size(); ++i) {
      int n = a.shape(ax[i]);
      if (n == 1 && (low_pad[i] > 0 || high_pad[i] > 0)) {
        // NumPy repeats the single element; so does this (period 0).
      }
    }
  }
  array out = a;
  for (size_t i = 0; i < ax.size(); ++i) {
    if (low_pad[i] == 0 && high_pad[i] == 0) {
      continue;
    }
    out = take(out, pad_indices(a.shape(ax[i]), low_pad[i], high_pad[i], mode, s), ax[i], s);
  }
  return out;
}

array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width, const array& pad_value,
          const std::string& mode, StreamOrDevice s) {
  std::vector<int> axes;
  Shape lo, hi;
  if (pad_width.size() == 1) {
    for (int i = 0; i < a.ndim(); ++i) {
      axes.push_back(i);
      lo.push_back(pad_width[0].first);
      hi.push_back(pad_width[0].second);
    }
  } else {
    for (size_t i = 0; i < pad_width.size(); ++i) {
      axes.push_back(static_cast<int>(i));
      lo.push_back(pad_width[i].first);
      hi.push_back(pad_width[i].second);
    }
    if (static_cast<int>(pad_width.size()) != a.ndim()) {
      fail("pad", "Invalid number of padding sizes passed to pad with axes of size ", a.ndim());
    }
  }
  return pad(a, axes, lo, hi, pad_value, mode, s);
}

array pad(const array& a, const std::pair<int, int>& pad_width, const array& pad_value,
          const std::string& mode, StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int, int>>{pad_width}, pad_value, mode, s);
}

array pad(const array& a, int pad_width, const array& pad_value, const std::string& mode, StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int, int>>{{pad_width, pad_width}}, pad_value, mode, s);
}

array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  Shape start(a.ndim(), 0), stop(a.ndim(), 0), strides(a.ndim(), 1);
  for (int i = 0; i < a.ndim(); ++i) {
    stop[i] = a.shape(i);
  }
  for (int axis : axes) {
    int ax = check_axis(axis, a.ndim(), "flip");
    start[ax] = -1;
    stop[ax] = -a.shape(ax) - 1;
    strides[ax] = -1;
  }
  return slice(a, start, stop, strides, s);
}

array flip(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return flip(a, axes, s);
}

namespace {

array roll_axis(const array& a, int shift, int ax, StreamOrDevice s) {
  int n = a.shape(ax);
  if (n == 0) {
    return a;
  }
  shift = ((shift % n) + n) % n;
  if (shift == 0) {
    return a;
  }
  auto parts = split(a, Shape{n - shift}, ax, s);
  return concatenate({parts[1], parts[0]}, ax, s);
}

} // namespace

array roll(const array& a, const Shape& shift, const std::vector<int>& axes, StreamOrDevice s) {
  if (shift.size() < axes.size()) {
    fail("roll", "At least one shift value per axis is required, ", shift.size(), " provided for ",
         axes.size(), " axes.");
  }
  array out = a;
  if (axes.size() == 1 && shift.size() > 1) {
    int total = std::accumulate(shift.begin(), shift.end(), 0);
    return roll_axis(a, total, check_axis(axes[0], a.ndim(), "roll"), s);
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    out = roll_axis(out, shift[i], check_axis(axes[i], a.ndim(), "roll"), s);
  }
  return out;
}

array roll(const array& a, const Shape& shift, int axis, StreamOrDevice s) {
  return roll(a, shift, std::vector<int>{axis}, s);
}

array roll(const array& a, int shift, const std::vector<int>& axes, StreamOrDevice s) {
  return roll(a, Shape(axes.size(), shift), axes, s);
}

array roll(const array& a, int shift, int axis, StreamOrDevice s) {
  return roll(a, Shape{shift}, std::vector<int>{axis}, s);
}

array roll(const array& a, const Shape& shift, StreamOrDevice s) {
  int total = std::accumulate(shift.begin(), shift.end(), 0);
  return roll(a, total, s);
}

array roll(const array& a, int shift, StreamOrDevice s) {
  auto flat = flatten(a, 0, -1, s);
  return reshape(roll_axis(flat, shift, 0, s), a.shape(), s);
}

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse, const std::string& indexing,
                            StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    fail("meshgrid", "Invalid indexing value. Valid values are 'xy' and 'ij'.");
  }
  int n = static_cast<int>(arrays.size());
  if (n == 0) {
    return {};
  }
  std::vector<array> out;
  Shape full_shape;
  for (int i = 0; i < n; ++i) {
    auto x = flatten(arrays[i], 0, -1, s);
    Shape shape(n, 1);
    int pos = i;
    if (indexing == "xy" && n >= 2 && i < 2) {
      pos = 1 - i;
    }
    shape[pos] = x.size();
    out.push_back(reshape(x, shape, s));
  }
  if (sparse || n == 1) {
    return out;
  }
  return broadcast_arrays(out, s);
}

array atleast_1d(const array& a, StreamOrDevice s) { return a.ndim() == 0 ? reshape(a, {1}, s) : a; }
array atleast_2d(const array& a, StreamOrDevice s) {
  switch (a.ndim()) {
    case 0:
      return reshape(a, {1, 1}, s);
    case 1:
      return reshape(a, {1, a.shape(0)}, s);
    default:
      return a;
  }
}
array atleast_3d(const array& a, StreamOrDevice s) {
  switch (a.ndim()) {
    case 0:
      return reshape(a, {1, 1, 1}, s);
    case 1:
      return reshape(a, {1, a.shape(0), 1}, s);
    case 2:
      return reshape(a, {a.shape(0), a.shape(1), 1}, s);
    default:
      return a;
  }
}
std::vector<array> atleast_1d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (auto& x : a) {
    out.push_back(atleast_1d(x, s));
  }
  return out;
}
std::vector<array> atleast_2d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (auto& x : a) {
    out.push_back(atleast_2d(x, s));
  }
  return out;
}
std::vector<array> atleast_3d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (auto& x : a) {
    out.push_back(atleast_3d(x, s));
  }
  return out;
}

Shape broadcast_shapes(const std::vector<Shape>& shapes) {
  if (shapes.empty()) {
    fail("broadcast_shapes", "Must provide at least one shape.");
  }
  Shape out = shapes[0];
  for (size_t i = 1; i < shapes.size(); ++i) {
    out = broadcast_shapes(out, shapes[i]);
  }
  return out;
}

array matrix_transpose(const array& a, StreamOrDevice s) {
  if (a.ndim() < 2) {
    fail("matrix_transpose", "Input array must have at least 2 dimensions.");
  }
  return swapaxes(a, -1, -2, s);
}

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  if (axis < -a.ndim() || axis >= a.ndim()) {
    std::ostringstream msg;
    msg << "[unflatten] Invalid axes " << axis << " for array with " << a.ndim() << " dimensions.";
    throw std::out_of_range(msg.str());
  }
  int ax = axis < 0 ? axis + a.ndim() : axis;
  if (shape.empty()) {
    fail("unflatten", "Shape to unflatten to cannot be empty.");
  }
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        fail("Unflatten", "Can only infer one dimension.");
      }
      infer = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  int n = a.shape(ax);
  if (infer >= 0 && known != 0 && n % known == 0) {
    shape[infer] = static_cast<ShapeElem>(n / known);
    known *= shape[infer];
  }
  if (known != n || infer >= 0 && shape[infer] == -1) {
    fail("Unflatten", "Cannot unflatten axis ", ax, " with size ", n, " into shape ",
         detail::shape_str(shape), ".");
  }
  Shape out(a.shape().begin(), a.shape().begin() + ax);
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), a.shape().begin() + ax + 1, a.shape().end());
  return reshape(a, out, s);
}

array as_strided(array a, Shape shape, Strides strides, size_t offset, StreamOrDevice s) {
  if (shape.size() != strides.size()) {
    fail("as_strided", "The number of strides ", strides.size(), " does not match the number of dimensions ",
         shape.size(), ".");
  }
  // Keep the view inside the input's data (in 128-bit arithmetic: offsets and
  // strides near 2**63 must not wrap into range).
  __int128 lo = static_cast<__int128>(offset), hi = lo;
  bool empty = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      fail("as_strided", "Negative dimensions are not allowed.");
    }
    empty |= shape[i] == 0;
    if (shape[i] > 0) {
      __int128 span = static_cast<__int128>(shape[i] - 1) * strides[i];
      (span < 0 ? lo : hi) += span;
    }
  }
  if (!empty && (lo < 0 || hi >= static_cast<__int128>(a.size()))) {
    fail("as_strided", "The view with shape ", detail::shape_str(shape), " and offset ", offset,
         " reaches outside the input of size ", a.size(), ".");
  }
  auto x = flatten(a, 0, -1, s);
  return detail::make_node<AsStrided>(shape, a.dtype(), {x}, to_stream(s), shape, std::move(strides), offset);
}

array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd < 2) {
    fail("diagonal", "Array must have at least two dimensions, but got ", nd, " dimensions.");
  }
  int ax1 = axis1 < 0 ? axis1 + nd : axis1;
  int ax2 = axis2 < 0 ? axis2 + nd : axis2;
  for (auto [name, given, ax] : {std::tuple{"axis1", axis1, ax1}, std::tuple{"axis2", axis2, ax2}}) {
    if (ax < 0 || ax >= nd) {
      std::ostringstream msg;
      msg << "[diagonal] Invalid " << name << " " << given << " for array with " << nd << " dimensions.";
      throw std::out_of_range(msg.str());
    }
  }
  if (ax1 == ax2) {
    fail("diagonal", "axis1 and axis2 cannot be the same axis");
  }
  // Move the two axes last, then take a strided view of the contiguous copy.
  std::vector<int> perm;
  for (int i = 0; i < nd; ++i) {
    if (i != ax1 && i != ax2) {
      perm.push_back(i);
    }
  }
  perm.push_back(ax1);
  perm.push_back(ax2);
  auto x = transpose(a, perm, s);
  int64_t n1 = a.shape(ax1), n2 = a.shape(ax2);
  int64_t len = offset >= 0 ? std::max<int64_t>(0, std::min(n1, n2 - offset))
                            : std::max<int64_t>(0, std::min(n1 + offset, n2));
  Shape out_shape(x.shape().begin(), x.shape().end() - 2);
  out_shape.push_back(static_cast<ShapeElem>(len));
  if (len == 0 || a.size() == 0) {
    return zeros(out_shape, a.dtype(), s);
  }
  Strides strides;
  Strides rs = row_strides(x.shape());
  for (int i = 0; i < nd - 2; ++i) {
    strides.push_back(rs[i]);
  }
  strides.push_back(n2 + 1);
  size_t start = offset >= 0 ? size_t(offset) : size_t(-int64_t(offset)) * n2;
  return as_strided(x, out_shape, strides, start, s);
}

array diag(const array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 1) {
    int n = detail::checked_dim(int64_t(a.shape(0)) + std::abs(int64_t(k)), "diag");
    detail::checked_shape_size({n, n}, a.dtype(), "diag");
    auto out = zeros({n, n}, a.dtype(), s);
    if (a.size() == 0) {
      return out;
    }
    // Scatter the vector onto the k-th diagonal of the flattened matrix.
    auto i = arange(0, a.shape(0), s);
    auto pos = k >= 0 ? i * array(int64_t(n) + 1) + array(int64_t(k))
                      : i * array(int64_t(n) + 1) + array(-int64_t(k) * n);
    auto flat = scatter(flatten(out, 0, -1, s), {pos}, reshape(a, {a.shape(0), 1}, s), {0}, s);
    return reshape(flat, {n, n}, s);
  }
  if (a.ndim() == 2) {
    return diagonal(a, k, 0, 1, s);
  }
  fail("diag", "array must be 1-D or 2-D, got array with ", a.ndim(), " dimensions.");
}

array trace(const array& a, int offset, int axis1, int axis2, Dtype dtype, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd < 2) {
    fail("trace", "Array must have at least two dimensions, but got ", nd, " dimensions.");
  }
  return sum(astype(diagonal(a, offset, axis1, axis2, s), dtype, s), -1, false, s);
}

array trace(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd < 2) {
    fail("trace", "Array must have at least two dimensions, but got ", nd, " dimensions.");
  }
  return sum(diagonal(a, offset, axis1, axis2, s), -1, false, s);
}

array trace(const array& a, StreamOrDevice s) { return trace(a, 0, 0, 1, s); }

array diff(const array& a, int n, int axis, StreamOrDevice s) {
  int ax = axis < 0 ? axis + a.ndim() : axis;
  if (ax < 0 || ax >= a.ndim()) {
    throw std::out_of_range("[diff] Axis is out of bounds for the array.");
  }
  if (n < 0) {
    fail("diff", "Order `n` must be non-negative.");
  }
  array out = a;
  for (int i = 0; i < n && out.shape(ax) > 0; ++i) {
    Shape s0(out.ndim(), 0), e0 = out.shape(), s1(out.ndim(), 0), e1 = out.shape();
    e0[ax] -= 1;
    s1[ax] = 1;
    auto hi = slice(out, s1, e1, s);
    auto lo = slice(out, s0, e0, s);
    out = out.dtype() == bool_ ? not_equal(hi, lo, s) : subtract(hi, lo, s);
  }
  return out;
}

} // namespace mlx::core
