// mx.linalg ops and the rules of their primitives.
#include "mlx/linalg.h"

#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"
#include "mlx/primitives/linalg.h"

namespace mlx::core::linalg {

using detail::fail;

std::pair<array, array> eigh(const array& a, const std::string& uplo, StreamOrDevice s) {
  if (a.ndim() < 2) {
    fail("linalg::eigh", "Arrays must have >= 2 dimensions. Received array with ", a.ndim(), " dimensions.");
  }
  if (a.shape(-1) != a.shape(-2)) {
    fail("linalg::eigh", "Only defined for square matrices but got shape ", detail::shape_str(a.shape()), ".");
  }
  if (uplo != "L" && uplo != "U") {
    fail("linalg::eigh", "UPLO must be 'L' or 'U' but got '", uplo, "'.");
  }
  if (a.dtype() != float32 && a.dtype() != float64) {
    fail("linalg::eigh", "Arrays must have type float32 or float64. Received array with type ",
         dtype_to_string(a.dtype()), ".");
  }
  Shape vals(a.shape().begin(), a.shape().end() - 1);
  auto outs = array::make_arrays({vals, a.shape()}, {a.dtype(), a.dtype()},
                                 std::make_shared<Eigh>(to_stream(s), uplo == "L"), {a});
  return {outs[0], outs[1]};
}

array eigvalsh(const array& a, const std::string& uplo, StreamOrDevice s) {
  return eigh(a, uplo, s).first;
}

namespace {

// The checks shared by inv and cholesky: float32/float64 square matrices.
void check_square(const array& a, const char* op, const char* what) {
  if (a.dtype() != float32 && a.dtype() != float64) {
    fail(op, "Arrays must have type float32 or float64. Received array with type ", dtype_to_string(a.dtype()), ".");
  }
  if (a.ndim() < 2) {
    fail(op, "Arrays must have >= 2 dimensions. Received array with ", a.ndim(), " dimensions.");
  }
  if (a.shape(-1) != a.shape(-2)) {
    fail(op, what);
  }
}

} // namespace

array inv(const array& a, StreamOrDevice s) {
  check_square(a, "linalg::inv", "Inverses are only defined for square matrices.");
  return detail::make_node<Inverse>(a.shape(), a.dtype(), {a}, to_stream(s));
}

array solve(const array& a, const array& b, StreamOrDevice s) {
  check_square(a, "linalg::solve", "The first input must be square matrices.");
  bool vector = b.ndim() == 1 || (b.ndim() == a.ndim() - 1 && b.ndim() >= 1);
  int rows = vector ? b.shape(-1) : (b.ndim() >= 2 ? b.shape(-2) : -1);
  if (b.ndim() == 0 || rows != a.shape(-1)) {
    fail("linalg::solve", "Last dimension of first input with shape ", detail::shape_str(a.shape()),
         " must match second to last dimension of second input with shape ", detail::shape_str(b.shape()), ".");
  }
  // Through the inverse (LU with partial pivoting): one factorization per
  // matrix, reused for every right-hand side.
  array x = astype(b, a.dtype(), s);
  if (vector) {
    return squeeze(matmul(inv(a, s), expand_dims(x, -1, s), s), -1, s);
  }
  return matmul(inv(a, s), x, s);
}

array cholesky(const array& a, bool upper, StreamOrDevice s) {
  check_square(a, "linalg::cholesky", "Cholesky decomposition is only defined for square matrices.");
  return detail::make_node<Cholesky>(a.shape(), a.dtype(), {a}, to_stream(s), upper);
}

} // namespace mlx::core::linalg

namespace mlx::core {

std::vector<array> Eigh::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                             const std::vector<array>&) {
  throw std::invalid_argument("[linalg::eigh] The vjp is not implemented.");
}

std::vector<array> Eigh::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  throw std::invalid_argument("[linalg::eigh] The jvp is not implemented.");
}

// d(A^-1) = -A^-1 dA A^-1; the vjp is its transpose.
std::vector<array> Inverse::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>& outputs) {
  auto s = stream();
  array it = swapaxes(outputs[0], -1, -2, s);
  return {negative(matmul(matmul(it, cotangents[0], s), it, s), s)};
}

std::vector<array> Inverse::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>&) {
  auto s = stream();
  array ai = linalg::inv(primals[0], s);
  return {negative(matmul(matmul(ai, tangents[0], s), ai, s), s)};
}

std::pair<std::vector<array>, std::vector<int>> Inverse::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  return {{linalg::inv(moveaxis(inputs[0], axes[0], 0, stream()), stream())}, {0}};
}

std::vector<array> Cholesky::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                                 const std::vector<array>&) {
  throw std::invalid_argument("[linalg::cholesky] The vjp is not implemented.");
}

std::vector<array> Cholesky::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  throw std::invalid_argument("[linalg::cholesky] The jvp is not implemented.");
}

std::pair<std::vector<array>, std::vector<int>> Cholesky::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  return {{linalg::cholesky(moveaxis(inputs[0], axes[0], 0, stream()), upper_, stream())}, {0}};
}

std::pair<std::vector<array>, std::vector<int>> Eigh::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  // Batched over leading dims already: move the mapped axis to the front.
  auto a = moveaxis(inputs[0], axes[0], 0, stream());
  auto [w, v] = linalg::eigh(a, lower_ ? "L" : "U", stream());
  return {{w, v}, {0, 0}};
}

} // namespace mlx::core
