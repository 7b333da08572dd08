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

} // namespace mlx::core::linalg

namespace mlx::core {

std::vector<array> Eigh::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                             const std::vector<array>&) {
  throw std::invalid_argument("[linalg::eigh] The vjp is not implemented.");
}

std::vector<array> Eigh::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  throw std::invalid_argument("[linalg::eigh] The jvp is not implemented.");
}

std::pair<std::vector<array>, std::vector<int>> Eigh::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  // Batched over leading dims already: move the mapped axis to the front.
  auto a = moveaxis(inputs[0], axes[0], 0, stream());
  auto [w, v] = linalg::eigh(a, lower_ ? "L" : "U", stream());
  return {{w, v}, {0, 0}};
}

} // namespace mlx::core
