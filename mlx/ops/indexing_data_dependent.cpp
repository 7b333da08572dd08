// Ops whose output shape depends on the values of an input (nonzero,
// bincount, unique without a size, boolean masks). They evaluate that input
// when called, so they cannot run where values are placeholders (inside
// vmap), and the graph they return is static again: gradients flow through
// the gather/scatter they build.
#include <algorithm>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/transforms.h"

namespace mlx::core {

using detail::fail;

namespace {

// Evaluates `a` for an op that needs its values now.
void eval_values(const char* op, const array& a) {
  if (a.is_tracer() && detail::in_placeholder_tracing()) {
    fail(op,
         "The output shape depends on the values of the input, which are not known inside "
         "vmap or compile. Compute it outside the transformed function.");
  }
  eval({a});
}

} // namespace

std::vector<array> nonzero(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) {
    fail("nonzero", "Calling nonzero on 0-d arrays is not allowed. Use atleast_1d first.");
  }
  auto mask = contiguous(not_equal(a, zeros({}, a.dtype()), s), false, s);
  eval_values("nonzero", mask);
  const bool* m = mask.data<bool>();
  size_t n = mask.size();
  size_t count = std::count(m, m + n, true);
  int nd = a.ndim();
  std::vector<std::vector<int32_t>> coords(nd, std::vector<int32_t>(count));
  std::vector<int32_t> pos(nd, 0); // the multi-index of element i, row-major
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (m[i]) {
      for (int d = 0; d < nd; ++d) {
        coords[d][k] = pos[d];
      }
      ++k;
    }
    for (int d = nd - 1; d >= 0; --d) {
      if (++pos[d] < a.shape(d)) {
        break;
      }
      pos[d] = 0;
    }
  }
  std::vector<array> out;
  for (auto& c : coords) {
    out.push_back(array(c.begin(), {static_cast<ShapeElem>(count)}, int32));
  }
  return out;
}

array bincount(const array& x, const std::optional<array>& weights, int minlength, StreamOrDevice s) {
  if (x.ndim() != 1) {
    fail("bincount", "Input must be 1-dimensional but got ", x.ndim(), " dimensions.");
  }
  if (!is_integral(x.dtype()) || x.dtype() == bool_) {
    throw std::invalid_argument("[bincount] Input must have an integer type.");
  }
  if (minlength < 0) {
    fail("bincount", "minlength must be non-negative but got ", minlength, ".");
  }
  if (weights && weights->shape() != x.shape()) {
    fail("bincount", "weights of shape ", detail::shape_str(weights->shape()),
         " do not match the input of shape ", detail::shape_str(x.shape()), ".");
  }
  int64_t length = minlength;
  if (x.size() > 0) {
    auto lo_hi = stack({astype(min(x, false, s), int64, s), astype(max(x, false, s), int64, s)}, 0, s);
    eval_values("bincount", lo_hi);
    auto lo = lo_hi.data<int64_t>()[0], hi = lo_hi.data<int64_t>()[1];
    if (lo < 0) {
      fail("bincount", "Input must be non-negative but has the value ", lo, ".");
    }
    length = std::max<int64_t>(length, hi + 1);
  }
  Dtype out_type = !weights ? int32 : (is_inexact(weights->dtype()) ? weights->dtype() : float32);
  auto w = weights ? astype(*weights, out_type, s) : ones(x.shape(), int32, s);
  auto bins = zeros({static_cast<ShapeElem>(length)}, out_type, s);
  if (x.size() == 0) {
    return bins;
  }
  return scatter_add(bins, {x}, reshape(w, {x.shape(0), 1}, s), {0}, s);
}

std::vector<array> unique(const array& a, const std::optional<array>& fill_value, StreamOrDevice s) {
  int size = 0;
  if (a.size() > 0) {
    auto sorted = sort(flatten(a, 0, -1, s), 0, s);
    int n = static_cast<int>(sorted.size());
    auto steps = not_equal(slice(sorted, {1}, {n}, s), slice(sorted, {0}, {n - 1}, s), s);
    auto count = add(sum(astype(steps, int32, s), false, s), array(1), s);
    eval_values("unique", count);
    size = count.item<int>();
  }
  return unique(a, size, fill_value, s);
}

array boolean_mask(const array& a, const array& mask, StreamOrDevice s) {
  if (mask.dtype() != bool_) {
    throw std::invalid_argument("[boolean_mask] The mask must be a boolean array.");
  }
  if (mask.ndim() == 0 || mask.ndim() > a.ndim()) {
    throw std::out_of_range("[boolean_mask] A mask of " + std::to_string(mask.ndim()) +
                            " dimensions cannot index an array of " + std::to_string(a.ndim()) +
                            " dimensions.");
  }
  for (int d = 0; d < mask.ndim(); ++d) {
    if (mask.shape(d) != a.shape(d)) {
      throw std::out_of_range("[boolean_mask] The mask of shape " + detail::shape_str(mask.shape()) +
                              " does not match the array of shape " + detail::shape_str(a.shape()) +
                              " along dimension " + std::to_string(d) + ".");
    }
  }
  auto idx = nonzero(mask, s);
  Shape rest(a.shape().begin() + mask.ndim(), a.shape().end());
  // Gather with the mask's dims flattened into one.
  Shape flat_shape = {static_cast<ShapeElem>(shape_size(mask.shape()))};
  flat_shape.insert(flat_shape.end(), rest.begin(), rest.end());
  auto flat_idx = idx[0];
  for (int d = 1; d < mask.ndim(); ++d) {
    flat_idx = add(multiply(flat_idx, array(mask.shape(d)), s), idx[d], s);
  }
  return take(reshape(a, flat_shape, s), flat_idx, 0, s);
}

} // namespace mlx::core

namespace mlx::core {

array masked_scatter(const array& a, const array& mask, const array& values, StreamOrDevice s) {
  if (mask.dtype() != bool_) {
    throw std::invalid_argument("[masked_scatter] The mask must be a boolean array.");
  }
  if (mask.ndim() > a.ndim()) {
    throw std::out_of_range("[masked_scatter] Too many indices for array.");
  }
  for (int d = 0; d < mask.ndim(); ++d) {
    if (mask.shape(d) != a.shape(d)) {
      throw std::out_of_range("[masked_scatter] The mask of shape " + detail::shape_str(mask.shape()) +
                              " does not match the array of shape " + detail::shape_str(a.shape()) + ".");
    }
  }
  Shape rest(a.shape().begin() + mask.ndim(), a.shape().end());
  if (values.ndim() == 0) {
    Shape ms = mask.shape();
    ms.insert(ms.end(), rest.size(), 1);
    return where(reshape(mask, ms, s), astype(values, a.dtype(), s), a, s);
  }
  // The values' first dim counts the selected entries; the others broadcast
  // to the dims the mask does not cover.
  Shape value_rest(values.shape().begin() + 1, values.shape().end());
  if (value_rest.size() > rest.size() ||
      !std::equal(value_rest.rbegin(), value_rest.rend(), rest.rbegin(),
                  [](ShapeElem v, ShapeElem r) { return v == r || v == 1; })) {
    fail("masked_scatter", "Value array shape must be broadcastable with the last ", rest.size(),
         " dimensions of the input.");
  }
  Shape vshape = {values.shape(0)};
  vshape.insert(vshape.end(), rest.begin(), rest.end());
  auto vals = flatten(broadcast_to(astype(values, a.dtype(), s), vshape, s), 0, -1, s);
  Shape ms = mask.shape();
  ms.insert(ms.end(), rest.size(), 1);
  auto flat_mask = flatten(broadcast_to(reshape(mask, ms, s), a.shape(), s), 0, -1, s);
  // Outside vmap, check now that there are enough values (MLX checks when
  // evaluating); inside, extra selected entries repeat the last value.
  if (!(mask.is_tracer() && detail::in_placeholder_tracing())) {
    auto needed = sum(astype(flat_mask, int64, s), false, s);
    eval({needed});
    if (needed.item<int64_t>() > static_cast<int64_t>(vals.size())) {
      throw std::runtime_error("[masked_scatter] Source does not have enough elements for mask.");
    }
  }
  if (vals.size() == 0) {
    return a;
  }
  auto source = cumsum(astype(flat_mask, int32, s), 0, false, false, s);
  source = minimum(source, array(static_cast<int32_t>(vals.size() - 1)), s);
  auto picked = take(vals, source, 0, s);
  return reshape(where(flat_mask, picked, flatten(a, 0, -1, s), s), a.shape(), s);
}

} // namespace mlx::core
