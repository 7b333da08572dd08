// Matrix products: matmul, the products built from it and from reductions
// (addmm, vecdot, gather_mm, segmented_mm, block_masked_mm: composed from
// existing ops, so their gradients and vmap come from those ops), and
// outer, inner, kron, tensordot.
#include <algorithm>
#include <numeric>

#include "mlx/compile.h"
#include "mlx/ops.h"
#include "mlx/ops/common.h"

namespace mlx::core {

using detail::fail;

array matmul(const array& in_a, const array& in_b, StreamOrDevice s) {
  array a = in_a, b = in_b;
  if (a.ndim() == 0 || b.ndim() == 0) {
    fail("matmul", "Got 0 dimension input. Inputs must have at least one dimension.");
  }
  auto t = promote_types(a.dtype(), b.dtype());
  if (!is_inexact(t)) {
    fail("matmul", "Only inexact types are supported but ", a.dtype(), " and ", b.dtype(),
         " were provided which results in ", t, ", which is not a floating point type.");
  }
  bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  if (a_vec) {
    a = expand_dims(a, 0, s);
  }
  if (b_vec) {
    b = expand_dims(b, 1, s);
  }
  if (a.shape(-1) != b.shape(-2)) {
    fail("matmul", "Last dimension of first input with shape ", detail::shape_str(in_a.shape()),
         " must match second to last dimension of"
         " second input with shape ",
         detail::shape_str(in_b.shape()), ".");
  }
  if (b.ndim() == 2 && a.ndim() > 2 && !detail::in_shapeless_trace()) {
    // x @ W with a batch of rows and one matrix: a single (rows x K) @
    // (K x N) product. Its gradient for W is then one GEMM as well, not a
    // batch of them summed afterwards.
    Shape rows_shape(a.shape().begin(), a.shape().end() - 1);
    auto flat = reshape(
        a, {static_cast<ShapeElem>(a.size() ? a.size() / a.shape(-1) : shape_size(rows_shape)), a.shape(-1)},
        s);
    auto out2 = matmul(flat, b, s);
    rows_shape.push_back(b.shape(-1));
    auto out = reshape(out2, rows_shape, s);
    return b_vec ? squeeze(out, -1, s) : out;
  }
  Shape a_batch(a.shape().begin(), a.shape().end() - 2);
  Shape b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(a_batch, b_batch);
  Shape a_shape = batch, b_shape = batch, out_shape = batch;
  a_shape.insert(a_shape.end(), {a.shape(-2), a.shape(-1)});
  b_shape.insert(b_shape.end(), {b.shape(-2), b.shape(-1)});
  out_shape.insert(out_shape.end(), {a.shape(-2), b.shape(-1)});
  auto at = astype(a, t, s), bt = astype(b, t, s);
  a = detail::broadcast_against(at, a_shape, {bt}, s, 2);
  b = detail::broadcast_against(bt, b_shape, {at}, s, 2);
  auto out = detail::make_node<Matmul>(out_shape, t, {a, b}, to_stream(s));
  if (a_vec) {
    out = squeeze(out, -2, s);
  }
  if (b_vec) {
    out = squeeze(out, -1, s);
  }
  return out;
}

namespace {

void check_inner(const char* op, const array& a, const array& b, const Shape& a_shape, const Shape& b_shape) {
  if (a.shape(-1) != b.shape(-2)) {
    fail(op, "Last dimension of first input with shape ", detail::shape_str(a_shape),
         " must match second to last dimension of second input with shape ", detail::shape_str(b_shape), ".");
  }
}

Shape batch_of(const array& x) { return Shape(x.shape().begin(), x.shape().end() - 2); }

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
    fail("addmm", "Only real floating point types are supported but ", c.dtype(), ", ", a.dtype(), " and ",
         b.dtype(), " were provided which results in ", t, ", which is not a real floating point type.");
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

array gather_mm(array a, array b, std::optional<array> lhs_indices, std::optional<array> rhs_indices, bool,
                StreamOrDevice s) {
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
    fail("gather_mm", "Only real floating point types are supported but ", a.dtype(), " and ", b.dtype(),
         " were provided which results in ", t, ", which is not a real floating point type.");
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
    fail("segmented_mm", "The segments should have shape (..., 2) but ", detail::shape_str(segments.shape()),
         " was provided.");
  }
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_floating_point(t)) {
    fail("segmented_mm", "Only real floating point types are supported but ", a.dtype(), " and ", b.dtype(),
         " were provided which results in ", t, ", which is not a real floating point type.");
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

array outer(const array& a, const array& b, StreamOrDevice s) {
  auto x = flatten(a, 0, -1, s), y = flatten(b, 0, -1, s);
  return multiply(reshape(x, {-1, 1}, s), reshape(y, {1, -1}, s), s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    return multiply(a, b, s);
  }
  if (a.shape(-1) != b.shape(-1)) {
    fail("inner", "a and b must have the same last dimension.");
  }
  return tensordot(a, b, {-1}, {-1}, s);
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  if (a.size() == 0 || b.size() == 0) {
    fail("kron", "Input arrays cannot be empty.");
  }
  if (a.ndim() == 0 || b.ndim() == 0) {
    return multiply(a, b, s);
  }
  int nd = std::max(a.ndim(), b.ndim());
  Shape as(nd - a.ndim(), 1), bs(nd - b.ndim(), 1);
  as.insert(as.end(), a.shape().begin(), a.shape().end());
  bs.insert(bs.end(), b.shape().begin(), b.shape().end());
  // (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...) -> (a0*b0, a1*b1, ...)
  Shape ae, be, out;
  for (int i = 0; i < nd; ++i) {
    ae.push_back(as[i]);
    ae.push_back(1);
    be.push_back(1);
    be.push_back(bs[i]);
    out.push_back(detail::checked_dim(int64_t(as[i]) * bs[i], "kron"));
  }
  return reshape(multiply(reshape(a, ae, s), reshape(b, be, s), s), out, s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s) {
  if (axes_a.size() != axes_b.size()) {
    fail("tensordot", "Must provide the same number of axes for a and b.");
  }
  std::vector<int> xa, xb;
  for (size_t i = 0; i < axes_a.size(); ++i) {
    int ia = axes_a[i] < 0 ? axes_a[i] + a.ndim() : axes_a[i];
    int ib = axes_b[i] < 0 ? axes_b[i] + b.ndim() : axes_b[i];
    if (ia < 0 || ia >= a.ndim() || ib < 0 || ib >= b.ndim()) {
      throw std::out_of_range("[tensordot] Invalid axes for the inputs.");
    }
    if (a.shape(ia) != b.shape(ib)) {
      fail("tensordot", "a and b must have the same shape on the contracted axes.");
    }
    xa.push_back(ia);
    xb.push_back(ib);
  }
  std::vector<int> free_a, free_b;
  Shape out;
  int64_t m = 1, n = 1, k = 1;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(xa.begin(), xa.end(), i) == xa.end()) {
      free_a.push_back(i);
      out.push_back(a.shape(i));
      m *= a.shape(i);
    }
  }
  for (int i = 0; i < b.ndim(); ++i) {
    if (std::find(xb.begin(), xb.end(), i) == xb.end()) {
      free_b.push_back(i);
      out.push_back(b.shape(i));
      n *= b.shape(i);
    }
  }
  for (int i : xa) {
    k *= a.shape(i);
  }
  std::vector<int> pa = free_a, pb = xb;
  pa.insert(pa.end(), xa.begin(), xa.end());
  pb.insert(pb.end(), free_b.begin(), free_b.end());
  auto x = reshape(transpose(a, pa, s), {ShapeElem(m), ShapeElem(k)}, s);
  auto y = reshape(transpose(b, pb, s), {ShapeElem(k), ShapeElem(n)}, s);
  return reshape(matmul(x, y, s), out, s);
}

array tensordot(const array& a, const array& b, int axes, StreamOrDevice s) {
  if (axes < 0) {
    fail("tensordot", "axis must be greater or equal to 0.");
  }
  if (axes > std::min(a.ndim(), b.ndim())) {
    fail("tensordot", "axis ", axes, " is larger than the dimensions of the inputs.");
  }
  std::vector<int> xa, xb;
  for (int i = 0; i < axes; ++i) {
    xa.push_back(a.ndim() - axes + i);
    xb.push_back(i);
  }
  return tensordot(a, b, xa, xb, s);
}

} // namespace mlx::core
