// Indexing ops: gather/scatter and what is built on them (take,
// take_along_axis, put_along_axis, dynamic slices, slice updates, unique).
#include <algorithm>
#include <limits>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"

namespace mlx::core {

using detail::fail;

namespace {

[[noreturn]] void index_error(const std::string& msg) { throw std::out_of_range(msg); }

// Broadcast integer indices; checks count and dtype.
std::vector<array> check_indices(const char* op, const array& a, const std::vector<array>& indices,
                                 const std::vector<int>& axes, StreamOrDevice s) {
  if (indices.size() != axes.size()) {
    fail(op, "Number of index arrays (", indices.size(), ") does not match number of axes (", axes.size(),
         ").");
  }
  if (static_cast<int>(axes.size()) > a.ndim()) {
    fail(op, "Too many index arrays for array with ", a.ndim(), " dimensions.");
  }
  std::vector<bool> seen(a.ndim(), false);
  for (int ax : axes) {
    if (ax < 0 || ax >= a.ndim()) {
      index_error(std::string("[") + op + "] Invalid axis " + std::to_string(ax) + " for array with " +
                  std::to_string(a.ndim()) + " dimensions.");
    }
    if (seen[ax]) {
      fail(op, "Repeated axes are not allowed.");
    }
    seen[ax] = true;
  }
  for (auto& i : indices) {
    if (!is_integral(i.dtype()) || i.dtype() == bool_) {
      fail(op, "Got indices with invalid dtype. Indices must be integral.");
    }
  }
  return broadcast_arrays(indices, s);
}

// Normalizes start/stop/strides as slice() does; returns the slice's shape.
Shape normalize_slice(const array& a, Shape& start, Shape& stop, const Shape& strides, const char* op) {
  int nd = a.ndim();
  if (static_cast<int>(start.size()) != nd || static_cast<int>(stop.size()) != nd ||
      static_cast<int>(strides.size()) != nd) {
    fail(op, "Invalid number of indices or strides for array with dimension ", nd, ".");
  }
  Shape shape(nd);
  for (int i = 0; i < nd; ++i) {
    int64_t n = a.shape(i), st = strides[i];
    if (st == 0) {
      fail(op, "Slice step cannot be zero.");
    }
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
  }
  return shape;
}

array scatter_impl(const char* op, const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes_in, Scatter::ReduceType type, StreamOrDevice s) {
  std::vector<int> axes;
  for (int ax : axes_in) {
    axes.push_back(ax < 0 ? ax + a.ndim() : ax);
  }
  auto idx = check_indices(op, a, indices, axes, s);
  Shape idx_shape = idx.empty() ? Shape{} : idx[0].shape();
  int upd_nd = static_cast<int>(idx_shape.size()) + a.ndim();
  if (updates.ndim() != upd_nd) {
    fail(op, "Updates with ", updates.ndim(), " dimensions does not match the sum of the array (", a.ndim(),
         ") and indices (", idx_shape.size(), ") dimensions.");
  }
  for (size_t i = 0; i < idx_shape.size(); ++i) {
    if (updates.shape(i) != idx_shape[i]) {
      fail(op, "Update shape ", detail::shape_str(updates.shape()),
           " does not start with the indices' shape ", detail::shape_str(idx_shape), ".");
    }
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (updates.shape(idx_shape.size() + d) > a.shape(d)) {
      fail(op, "Updates slice of shape ", detail::shape_str(updates.shape()),
           " is larger than the array of shape ", detail::shape_str(a.shape()), ".");
    }
  }
  if (a.size() == 0 || updates.size() == 0) {
    return a;
  }
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  inputs.push_back(astype(updates, a.dtype(), s));
  return detail::make_node<Scatter>(a.shape(), a.dtype(), std::move(inputs), to_stream(s), type,
                                    std::move(axes));
}

array gather_checked(const array& a, std::vector<array> idx, std::vector<int> axes, const Shape& slice_sizes,
                     StreamOrDevice s) {
  Shape out_shape = idx.empty() ? Shape{} : idx[0].shape();
  out_shape.insert(out_shape.end(), slice_sizes.begin(), slice_sizes.end());
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  return detail::make_node<Gather>(std::move(out_shape), a.dtype(), std::move(inputs), to_stream(s),
                                   std::move(axes), slice_sizes);
}

} // namespace

array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes_in,
             const Shape& slice_sizes, StreamOrDevice s) {
  std::vector<int> axes;
  for (int ax : axes_in) {
    axes.push_back(ax < 0 ? ax + a.ndim() : ax);
  }
  auto idx = check_indices("gather", a, indices, axes, s);
  if (static_cast<int>(slice_sizes.size()) != a.ndim()) {
    fail("gather", "Got slice_sizes of length ", slice_sizes.size(), " for array with ", a.ndim(),
         " dimensions.");
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (slice_sizes[d] < 0 || slice_sizes[d] > a.shape(d)) {
      fail("gather", "Slice sizes must be in [0, a.shape(i)]. Got ", detail::shape_str(slice_sizes),
           " for array with shape ", detail::shape_str(a.shape()), ".");
    }
  }
  for (size_t k = 0; k < axes.size(); ++k) {
    if (a.shape(axes[k]) == 0 && idx[k].size() > 0) {
      index_error("[gather] Cannot index into an empty axis.");
    }
  }
  return gather_checked(a, std::move(idx), std::move(axes), slice_sizes, s);
}

array gather(const array& a, const array& indices, int axis, const Shape& slice_sizes, StreamOrDevice s) {
  return gather(a, std::vector<array>{indices}, std::vector<int>{axis}, slice_sizes, s);
}

array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter", a, indices, updates, axes, Scatter::None, s);
}
array scatter_add(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter_add", a, indices, updates, axes, Scatter::Sum, s);
}
array scatter_prod(const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter_prod", a, indices, updates, axes, Scatter::Prod, s);
}
array scatter_max(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter_max", a, indices, updates, axes, Scatter::Max, s);
}
array scatter_min(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter_min", a, indices, updates, axes, Scatter::Min, s);
}

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (axis < -nd || axis >= nd) {
    index_error("[take] Received invalid axis " + std::to_string(axis) + " for array with " +
                std::to_string(nd) + " dimensions.");
  }
  int ax = axis < 0 ? axis + nd : axis;
  if (!is_integral(indices.dtype()) || indices.dtype() == bool_) {
    fail("gather", "Got indices with invalid dtype. Indices must be integral.");
  }
  if (a.shape(ax) == 0 && indices.size() > 0) {
    fail("take", "Cannot do a non-empty take from an empty axis.");
  }
  Shape slice_sizes = a.shape();
  slice_sizes[ax] = 1;
  auto g = gather_checked(a, {indices}, {ax}, slice_sizes, s);
  // g: idx.shape + a.shape with a 1 at ax -> drop that axis, then move the
  // index dims to where ax was.
  int ni = indices.ndim();
  g = squeeze(g, ni + ax, s);
  if (ax == 0) {
    return g;
  }
  std::vector<int> perm;
  for (int i = 0; i < ax; ++i) {
    perm.push_back(ni + i);
  }
  for (int i = 0; i < ni; ++i) {
    perm.push_back(i);
  }
  for (int i = ni + ax; i < g.ndim(); ++i) {
    perm.push_back(i);
  }
  return transpose(g, perm, s);
}

array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(flatten(a, 0, -1, s), indices, 0, s);
}

array take(const array& a, int index, int axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (axis < -nd || axis >= nd) {
    index_error("[take] Received invalid axis " + std::to_string(axis) + " for array with " +
                std::to_string(nd) + " dimensions.");
  }
  int ax = axis < 0 ? axis + nd : axis;
  int n = a.shape(ax);
  if (n == 0) {
    fail("take", "Cannot do a non-empty take from an array with zero elements.");
  }
  int i = index < 0 ? index + n : index;
  i = std::clamp(i, 0, n - 1);
  Shape start(nd, 0), stop = a.shape();
  start[ax] = i;
  stop[ax] = i + 1;
  return squeeze(slice(a, start, stop, s), ax, s);
}

array take(const array& a, int index, StreamOrDevice s) { return take(flatten(a, 0, -1, s), index, 0, s); }

namespace {

// Index arrays selecting every position of `shape`, with `indices` in place
// of the positions along `ax` (used by take/put_along_axis).
std::vector<array> along_axis_indices(const array& indices, int ax, const Shape& shape, StreamOrDevice s) {
  std::vector<array> idx;
  int nd = static_cast<int>(shape.size());
  for (int d = 0; d < nd; ++d) {
    if (d == ax) {
      idx.push_back(indices);
    } else {
      Shape r(nd, 1);
      r[d] = shape[d];
      idx.push_back(reshape(arange(0, shape[d], int32), r, s));
    }
  }
  return broadcast_arrays(idx, s);
}

} // namespace

array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (axis < -nd || axis >= nd) {
    index_error("[take_along_axis] Received invalid axis " + std::to_string(axis) + " for array with " +
                std::to_string(nd) + " dimensions.");
  }
  int ax = axis < 0 ? axis + nd : axis;
  if (indices.ndim() != nd) {
    fail("take_along_axis", "Indices of dimension ", indices.ndim(), " does not match array of dimension ",
         nd, ".");
  }
  if (!is_integral(indices.dtype()) || indices.dtype() == bool_) {
    fail("take_along_axis", "Got indices with invalid dtype. Indices must be integral.");
  }
  // Broadcast the non-axis dims of a and indices together.
  Shape a_other = a.shape(), i_other = indices.shape();
  a_other[ax] = 1;
  i_other[ax] = 1;
  Shape b = broadcast_shapes(a_other, i_other);
  Shape a_shape = b, i_shape = b;
  a_shape[ax] = a.shape(ax);
  i_shape[ax] = indices.shape(ax);
  auto x = broadcast_to(a, a_shape, s);
  auto ind = broadcast_to(indices, i_shape, s);
  if (x.shape(ax) == 0 && ind.size() > 0) {
    index_error("[take_along_axis] Cannot do a non-empty take from an array with zero elements.");
  }
  auto idx = along_axis_indices(ind, ax, i_shape, s);
  std::vector<int> axes(nd);
  std::iota(axes.begin(), axes.end(), 0);
  auto g = gather_checked(x, idx, axes, Shape(nd, 1), s);
  return reshape(g, i_shape, s);
}

array take_along_axis(const array& a, const array& indices, StreamOrDevice s) {
  return take_along_axis(flatten(a, 0, -1, s), indices, 0, s);
}

array put_along_axis(const array& a, const array& indices, const array& values, int axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (axis < -nd || axis >= nd) {
    index_error("[put_along_axis] Received invalid axis " + std::to_string(axis) + " for array with " +
                std::to_string(nd) + " dimensions.");
  }
  int ax = axis < 0 ? axis + nd : axis;
  if (indices.ndim() != nd) {
    fail("put_along_axis", "Indices of dimension ", indices.ndim(), " does not match array of dimension ", nd,
         ".");
  }
  if (indices.size() == 0) {
    // Nothing to put (MLX accepts indices of any dtype then).
    return astype(a, a.dtype(), s);
  }
  if (!is_integral(indices.dtype()) || indices.dtype() == bool_) {
    fail("put_along_axis", "Got indices with invalid dtype. Indices must be integral.");
  }
  Shape i_shape = a.shape();
  i_shape[ax] = indices.shape(ax);
  auto ind = broadcast_to(indices, i_shape, s);
  auto idx = along_axis_indices(ind, ax, i_shape, s);
  auto upd = broadcast_to(astype(values, a.dtype(), s), i_shape, s);
  Shape u_shape = i_shape;
  u_shape.insert(u_shape.end(), nd, 1);
  std::vector<int> axes(nd);
  std::iota(axes.begin(), axes.end(), 0);
  if (a.size() == 0) {
    // Every index is out of bounds of an empty axis: nothing changes (MLX).
    return astype(a, a.dtype(), s);
  }
  return scatter_impl("put_along_axis", a, idx, reshape(upd, u_shape, s), axes, Scatter::None, s);
}

array put_along_axis(const array& a, const array& indices, const array& values, StreamOrDevice s) {
  return reshape(put_along_axis(flatten(a, 0, -1, s), indices, values, 0, s), a.shape(), s);
}

namespace {

// The 0-d entries of a 0-d or 1-d start array, one per axis.
std::vector<array> start_entries(const char* op, const array& start, size_t naxes, StreamOrDevice s) {
  if (!is_integral(start.dtype()) || start.dtype() == bool_) {
    std::ostringstream t;
    t << start.dtype();
    fail(op, "Start indices must be integers, got type ", t.str(), ".");
  }
  if (start.ndim() > 1) {
    fail(op, "array of starting indices must be zero or one dimensional but has dimension ", start.ndim(),
         ".");
  }
  size_t n = start.ndim() == 0 ? 1 : start.size();
  if (n != naxes) {
    fail(op, "Number of starting indices ", n, " does not match number of axes ", naxes, ".");
  }
  std::vector<array> out;
  for (size_t k = 0; k < naxes; ++k) {
    out.push_back(start.ndim() == 0 ? start : reshape(slice(start, {int(k)}, {int(k) + 1}, s), {}, s));
  }
  return out;
}

std::vector<int> check_slice_axes(const char* op, std::vector<int> axes, int nd) {
  for (auto& ax : axes) {
    int a = ax < 0 ? ax + nd : ax;
    if (a < 0 || a >= nd) {
      index_error(std::string("[") + op + "] Invalid axis " + std::to_string(ax) +
                  " for array with dimension " + std::to_string(nd) + ".");
    }
    ax = a;
  }
  return axes;
}

} // namespace

array slice(const array& a, const array& start, std::vector<int> axes, Shape slice_size, StreamOrDevice s) {
  axes = check_slice_axes("slice", std::move(axes), a.ndim());
  if (static_cast<int>(slice_size.size()) != a.ndim()) {
    fail("slice", "Invalid slice size for array with ", a.ndim(), " dimensions.");
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (slice_size[d] < 0 || slice_size[d] > a.shape(d)) {
      fail("slice", "Invalid slice size ", detail::shape_str(slice_size), " for array with shape ",
           detail::shape_str(a.shape()), ".");
    }
  }
  auto idx = start_entries("slice", start, axes.size(), s);
  std::vector<bool> seen(a.ndim(), false);
  for (int ax : axes) {
    if (seen[ax]) {
      fail("slice", "Repeated axes are not allowed.");
    }
    seen[ax] = true;
  }
  return gather_checked(a, idx, axes, slice_size, s);
}

array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape strides,
                   StreamOrDevice s) {
  Shape shape = normalize_slice(src, start, stop, strides, "slice_update");
  if (update.ndim() > src.ndim()) {
    fail("slice_update", "Update array with ", update.ndim(),
         " dimensions cannot be broadcast to the slice of an array with ", src.ndim(), " dimensions.");
  }
  auto upd = broadcast_to(astype(update, src.dtype(), s), shape, s);
  if (shape_size(shape) == 0) {
    return src;
  }
  return detail::make_node<SliceUpdate>(src.shape(), src.dtype(), {src, upd}, to_stream(s), std::move(start),
                                        std::move(stop), std::move(strides));
}

array slice_update(const array& src, const array& update, Shape start, Shape stop, StreamOrDevice s) {
  return slice_update(src, update, std::move(start), std::move(stop), Shape(src.ndim(), 1), s);
}

array slice_update(const array& src, const array& update, const array& start, std::vector<int> axes,
                   StreamOrDevice s) {
  axes = check_slice_axes("slice_update", std::move(axes), src.ndim());
  auto idx = start_entries("slice_update", start, axes.size(), s);
  Shape ushape = update.shape();
  if (update.ndim() > src.ndim()) {
    fail("slice_update", "Update array with ", update.ndim(),
         " dimensions has more dimensions than the array (", src.ndim(), ").");
  }
  ushape.insert(ushape.begin(), src.ndim() - update.ndim(), 1);
  for (int d = 0; d < src.ndim(); ++d) {
    if (ushape[d] > src.shape(d)) {
      fail("slice_update", "Update shape ", detail::shape_str(update.shape()),
           " is larger than the array of shape ", detail::shape_str(src.shape()), ".");
    }
  }
  auto upd = reshape(astype(update, src.dtype(), s), ushape, s);
  return scatter_impl("slice_update", src, idx, upd, axes, Scatter::None, s);
}

std::vector<array> unique(const array& a, int size, const std::optional<array>& fill_value,
                          StreamOrDevice s) {
  if (size < 0) {
    fail("unique", "size must be non-negative but got ", size, ".");
  }
  auto flat = flatten(a, 0, -1, s);
  int n = static_cast<int>(flat.size());
  auto dump = [&](const array& x) { return slice(x, {0}, {size}, s); };
  if (n == 0) {
    auto fill = fill_value ? astype(*fill_value, a.dtype(), s) : array(0, a.dtype());
    return {full({size}, fill, a.dtype(), s), zeros({size}, uint32, s), zeros(a.shape(), uint32, s),
            zeros({size}, int32, s)};
  }
  // Positions carry no derivative: cut them off so that grad reaches the values.
  auto order = stop_gradient(argsort(flat, 0, s), s);
  auto sorted = take(flat, order, 0, s);
  auto neq = not_equal(slice(sorted, {1}, {n}, s), slice(sorted, {0}, {n - 1}, s), s);
  auto is_new = concatenate({array({true}), neq}, 0, s);
  auto group = subtract(cumsum(astype(is_new, int32, s), 0, false, true, s), array(1), s);
  // Groups past `size` go to a dump slot at index `size`.
  auto slot = stop_gradient(minimum(group, array(size), s), s);
  auto num_unique = add(slice(group, {n - 1}, {n}, s), array(1), s);
  auto col = [&](const array& x) { return reshape(x, {n, 1}, s); };

  auto big = array(std::numeric_limits<uint32_t>::max(), uint32);
  auto first = scatter_min(full({size + 1}, big, uint32, s), {slot}, col(astype(order, uint32, s)), {0}, s);
  auto pos = arange(0, size + 1, int32);
  auto used = less(pos, num_unique, s);
  first = stop_gradient(where(used, first, slice(first, {0}, {1}, s), s), s);
  auto index = dump(first);

  // Each value is read at its first occurrence, so that its gradient goes
  // there alone (as MLX); unused slots hold the fill (the smallest value).
  auto fill = fill_value ? astype(*fill_value, a.dtype(), s) : reshape(slice(sorted, {0}, {1}, s), {}, s);
  auto values = dump(where(used, take(flat, first, 0, s), fill, s));

  auto inv_sorted = stop_gradient(astype(minimum(group, array(std::max(size - 1, 0)), s), uint32, s), s);
  auto inverse = reshape(scatter(zeros({n}, uint32, s), {order}, col(inv_sorted), {0}, s), a.shape(), s);

  auto counts = dump(scatter_add(zeros({size + 1}, int32, s), {slot}, col(ones({n}, int32, s)), {0}, s));
  return {values, index, inverse, counts};
}

} // namespace mlx::core
