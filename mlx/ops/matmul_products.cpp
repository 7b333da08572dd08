// Products built from matmul and reductions: addmm, vecdot, gather_mm,
// segmented_mm and block_masked_mm. Composed from existing ops, so their
// gradients and vmap come from those ops.
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"
#include "mlx/ops_more.h"

namespace mlx::core {

using detail::fail;

namespace {

void check_inner(const char* op, const array& a, const array& b, const Shape& a_shape,
                 const Shape& b_shape) {
  if (a.shape(-1) != b.shape(-2)) {
    fail(op, "Last dimension of first input with shape ", detail::shape_str(a_shape),
         " must match second to last dimension of second input with shape ",
         detail::shape_str(b_shape), ".");
  }
}

Shape batch_of(const array& x) {
  return Shape(x.shape().begin(), x.shape().end() - 2);
}

int64_t prod(const Shape& s) {
  return std::accumulate(s.begin(), s.end(), int64_t(1), std::multiplies<int64_t>());
}

} // namespace

array addmm(array c, array a, array b, const float& alpha, const float& beta, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    fail("addmm", "Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype t = promote_types(c.dtype(), promote_types(a.dtype(), b.dtype()));
  if (!is_inexact(t)) {
    fail("addmm", "Only real floating point types are supported but ", c.dtype(), ", ", a.dtype(),
         " and ", b.dtype(), " were provided which results in ", t,
         ", which is not a real floating point type.");
  }
  Shape a_shape = a.shape(), b_shape = b.shape();
  bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  array a2 = a_vec ? expand_dims(a, 0, s) : a;
  array b2 = b_vec ? expand_dims(b, 1, s) : b;
  check_inner("addmm", a2, b2, a_shape, b_shape);
  Shape out_shape = broadcast_shapes(batch_of(a2), batch_of(b2));
  out_shape.push_back(a2.shape(-2));
  out_shape.push_back(b2.shape(-1));
  if (a_vec) {
    out_shape.erase(out_shape.end() - 2);
  }
  if (b_vec) {
    out_shape.pop_back();
  }
  // c may broadcast up to the product's shape, never the other way.
  if (broadcast_shapes(c.shape(), out_shape) != out_shape) {
    fail("addmm", "input c must broadcast to the output shape");
  }
  array out = matmul(astype(a, t, s), astype(b, t, s), s);
  if (alpha != 1.f) {
    out = multiply(array(alpha, t), out, s);
  }
  // beta == 0 ignores c entirely (NaNs in it included), as MLX.
  if (beta == 0.f) {
    return out;
  }
  array cc = astype(c, t, s);
  if (beta != 1.f) {
    cc = multiply(array(beta, t), cc, s);
  }
  return add(out, cc, s);
}

array vecdot(const array& a, const array& b, int axis, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    fail("vecdot", "inputs must be at least 1D.");
  }
  if (axis < -a.ndim() || axis >= a.ndim()) {
    throw std::out_of_range("[vecdot] axis is out of bounds.");
  }
  // The axis counts from the same end in both operands: MLX rejects
  // operands of different ranks where a negative axis lands elsewhere.
  int ax_a = axis < 0 ? axis + a.ndim() : axis;
  int ax_b = axis < 0 ? axis + b.ndim() : axis;
  if (ax_a != ax_b || ax_b >= b.ndim()) {
    fail("vecdot", "axis is out of bounds.");
  }
  if (a.shape(ax_a) != b.shape(ax_b)) {
    fail("vecdot", "a and b must have the same size along axis.");
  }
  array x = is_complex(a.dtype()) ? conjugate(a, s) : a;
  return sum(multiply(x, b, s), ax_a, false, s);
}

array gather_mm(array a, array b, std::optional<array> lhs_indices, std::optional<array> rhs_indices,
                bool, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    // MLX names matmul here.
    fail("matmul", "Got 0 dimension input. Inputs must have at least one dimension.");
  }
  for (auto* idx : {&lhs_indices, &rhs_indices}) {
    if (*idx && !is_integral((*idx)->dtype())) {
      fail("gather_mm", "Got indices with invalid dtype. Indices must be integral.");
    }
  }
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_inexact(t)) {
    fail("gather_mm", "Only real floating point types are supported but ", a.dtype(), " and ",
         b.dtype(), " were provided which results in ", t, ", which is not a real floating point type.");
  }
  Shape a_shape = a.shape(), b_shape = b.shape();
  bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  if (a_vec) {
    a = expand_dims(a, 0, s);
  }
  if (b_vec) {
    b = expand_dims(b, 1, s);
  }
  check_inner("gather_mm", a, b, a_shape, b_shape);
  // Each operand's batch is flattened; missing indices take every matrix in
  // batch order.
  auto pick = [&](const array& x, const std::optional<array>& idx) {
    Shape batch = batch_of(x);
    array flat = reshape(x, {static_cast<int>(prod(batch)), x.shape(-2), x.shape(-1)}, s);
    array i = idx ? *idx : reshape(arange(0, static_cast<int>(prod(batch)), s), batch, s);
    return take(flat, i, 0, s);
  };
  array out = matmul(astype(pick(a, lhs_indices), t, s), astype(pick(b, rhs_indices), t, s), s);
  if (a_vec) {
    out = squeeze(out, -2, s);
  }
  if (b_vec) {
    out = squeeze(out, -1, s);
  }
  return out;
}

array segmented_mm(array a, array b, array segments, StreamOrDevice s) {
  if (a.ndim() != 2 || b.ndim() != 2) {
    fail("segmented_mm", "Batched matmul not supported");
  }
  if (!is_integral(segments.dtype())) {
    fail("segmented_mm", "Got segments with invalid dtype. Segments must be integral.");
  }
  if (segments.ndim() < 1 || segments.shape(-1) != 2) {
    fail("segmented_mm", "The segments should have shape (..., 2) but ",
         detail::shape_str(segments.shape()), " was provided.");
  }
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_floating_point(t)) {
    fail("segmented_mm", "Only real floating point types are supported but ", a.dtype(), " and ",
         b.dtype(), " were provided which results in ", t, ", which is not a real floating point type.");
  }
  // Like MLX, the inner sizes are not checked; only the common part is used.
  int k = std::min(a.shape(1), b.shape(0));
  a = slice(astype(a, t, s), {0, 0}, {a.shape(0), k}, s);
  b = slice(astype(b, t, s), {0, 0}, {k, b.shape(1)}, s);
  // One mask row per segment selects its columns of a: (..., 1, k).
  array seg = astype(segments, int64, s);
  int nd = seg.ndim();
  Shape lo(nd, 0), hi = seg.shape();
  hi.back() = 1;
  array start = slice(seg, lo, hi, s);
  lo.back() = 1;
  hi.back() = 2;
  array stop = slice(seg, lo, hi, s);
  array cols = arange(0, k, s);
  array mask = logical_and(greater_equal(cols, start, s), less(cols, stop, s), s);
  array masked = where(expand_dims(mask, -2, s), a, zeros({}, t, s), s);
  return matmul(masked, b, s);
}

namespace {

// `x` (..., rows, cols) with each block_size block multiplied by (float
// mask) or kept where (bool mask) the matching entry of `mask`.
array apply_block_mask(const array& x, const array& mask, int bs, StreamOrDevice s) {
  int rows = x.shape(-2), cols = x.shape(-1);
  Shape want = batch_of(x);
  want.push_back((rows + bs - 1) / bs);
  want.push_back((cols + bs - 1) / bs);
  array m = broadcast_to(mask, broadcast_shapes(mask.shape(), want), s);
  m = repeat(repeat(m, bs, -2, s), bs, -1, s);
  Shape lo(m.ndim(), 0), hi = m.shape();
  hi[hi.size() - 2] = rows;
  hi.back() = cols;
  m = slice(m, lo, hi, s);
  if (m.dtype() == bool_) {
    return where(m, x, zeros({}, x.dtype(), s), s);
  }
  return multiply(x, astype(m, x.dtype(), s), s);
}

} // namespace

array block_masked_mm(array a, array b, int block_size, std::optional<array> mask_out,
                      std::optional<array> mask_lhs, std::optional<array> mask_rhs, StreamOrDevice s) {
  if (!mask_out && !mask_lhs && !mask_rhs) {
    return matmul(a, b, s);
  }
  if (block_size != 32 && block_size != 64) {
    fail("block_masked_mm", "Only block_sizes 32, 64 are supported.Got block size ", block_size, ".");
  }
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t != float32) {
    throw std::runtime_error("[BlockMaskedMM::eval] Currently only supports float32.");
  }
  if (a.ndim() < 2 || b.ndim() < 2) {
    fail("block_masked_mm", "Inputs must have at least two dimensions when masks are given.");
  }
  a = astype(a, t, s);
  b = astype(b, t, s);
  check_inner("block_masked_mm", a, b, a.shape(), b.shape());
  if (mask_lhs) {
    a = apply_block_mask(a, *mask_lhs, block_size, s);
  }
  if (mask_rhs) {
    b = apply_block_mask(b, *mask_rhs, block_size, s);
  }
  array out = matmul(a, b, s);
  if (mask_out) {
    out = apply_block_mask(out, *mask_out, block_size, s);
  }
  return out;
}

} // namespace mlx::core
