// Matrix products.
#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"

namespace mlx::core {

using detail::fail;

array matmul(const array& in_a, const array& in_b, StreamOrDevice s) {
  array a = in_a, b = in_b;
  if (a.ndim() == 0 || b.ndim() == 0) {
    fail("matmul", "Got 0 dimension input. Inputs must have at least one dimension.");
  }
  auto t = promote_types(a.dtype(), b.dtype());
  if (!is_inexact(t)) {
    fail("matmul", "Only inexact types are supported but ", a.dtype(), " and ",
         b.dtype(), " were provided which results in ", t,
         ", which is not a floating point type.");
  }
  bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  if (a_vec) {
    a = expand_dims(a, 0, s);
  }
  if (b_vec) {
    b = expand_dims(b, 1, s);
  }
  if (a.shape(-1) != b.shape(-2)) {
    fail("matmul", "Last dimension of first input with shape ",
         detail::shape_str(in_a.shape()), " must match second to last dimension of"
         " second input with shape ", detail::shape_str(in_b.shape()), ".");
  }
  if (b.ndim() == 2 && a.ndim() > 2) {
    // x @ W with a batch of rows and one matrix: a single (rows x K) @
    // (K x N) product. Its gradient for W is then one GEMM as well, not a
    // batch of them summed afterwards.
    Shape rows_shape(a.shape().begin(), a.shape().end() - 1);
    auto flat = reshape(a, {static_cast<ShapeElem>(a.size() ? a.size() / a.shape(-1) : shape_size(rows_shape)),
                            a.shape(-1)}, s);
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
  a = broadcast_to(astype(a, t, s), a_shape, s);
  b = broadcast_to(astype(b, t, s), b_shape, s);
  auto out = detail::make_node<Matmul>(out_shape, t, {a, b}, to_stream(s));
  if (a_vec) {
    out = squeeze(out, -2, s);
  }
  if (b_vec) {
    out = squeeze(out, -1, s);
  }
  return out;
}

} // namespace mlx::core
