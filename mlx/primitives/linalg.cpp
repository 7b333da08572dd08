// Transformation rules of the linear-algebra primitives, and the LU node.
#include <algorithm>

#include "mlx/linalg.h"
#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/linalg.h"
#include "mlx/transforms.h"

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

std::vector<array> Cholesky::vjp(const std::vector<array>&, const std::vector<array>&,
                                 const std::vector<int>&, const std::vector<array>&) {
  throw std::invalid_argument("[linalg::cholesky] The vjp is not implemented.");
}

std::vector<array> Cholesky::jvp(const std::vector<array>&, const std::vector<array>&,
                                 const std::vector<int>&) {
  throw std::invalid_argument("[linalg::cholesky] The jvp is not implemented.");
}

std::pair<std::vector<array>, std::vector<int>> Cholesky::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  return {{linalg::cholesky(moveaxis(inputs[0], axes[0], 0, stream()), upper_, stream())}, {0}};
}

// LUF, QRF and SVD have no derivatives (nor has MLX's); vmap moves the
// mapped axis in front of the matrices.
#define MLX_NO_DERIVATIVES(Name, op)                                                 \
  std::vector<array> Name::vjp(const std::vector<array>&, const std::vector<array>&, \
                               const std::vector<int>&, const std::vector<array>&) { \
    throw std::invalid_argument("[linalg::" op "] The vjp is not implemented.");     \
  }                                                                                  \
  std::vector<array> Name::jvp(const std::vector<array>&, const std::vector<array>&, \
                               const std::vector<int>&) {                            \
    throw std::invalid_argument("[linalg::" op "] The jvp is not implemented.");     \
  }
MLX_NO_DERIVATIVES(LUF, "lu")
MLX_NO_DERIVATIVES(QRF, "qr")
MLX_NO_DERIVATIVES(SVD, "svd")
MLX_NO_DERIVATIVES(Eig, "eig")
#undef MLX_NO_DERIVATIVES

std::vector<array> luf_node(const array& a, Stream s) {
  int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape piv(a.shape().begin(), a.shape().end() - 2), perm = piv;
  piv.push_back(k);
  perm.push_back(m);
  return array::make_arrays({a.shape(), piv, perm}, {a.dtype(), uint32, uint32}, std::make_shared<LUF>(s),
                            {a});
}

std::pair<std::vector<array>, std::vector<int>> LUF::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes) {
  return {luf_node(moveaxis(inputs[0], axes[0], 0, stream()), stream()), {0, 0, 0}};
}

std::pair<std::vector<array>, std::vector<int>> QRF::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes) {
  auto [q, r] = linalg::qr(moveaxis(inputs[0], axes[0], 0, stream()), stream());
  return {{q, r}, {0, 0}};
}

std::pair<std::vector<array>, std::vector<int>> Eig::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes) {
  auto a = moveaxis(inputs[0], axes[0], 0, stream());
  if (!compute_vectors_) {
    return {{linalg::eigvals(a, stream())}, {0}};
  }
  auto [w, v] = linalg::eig(a, stream());
  return {{w, v}, {0, 0}};
}

std::pair<std::vector<array>, std::vector<int>> SVD::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes) {
  auto outs = linalg::svd(moveaxis(inputs[0], axes[0], 0, stream()), compute_uv_, stream());
  return {outs, std::vector<int>(outs.size(), 0)};
}

std::pair<std::vector<array>, std::vector<int>> Eigh::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  // Batched over leading dims already: move the mapped axis to the front.
  auto a = moveaxis(inputs[0], axes[0], 0, stream());
  auto [w, v] = linalg::eigh(a, lower_ ? "L" : "U", stream());
  return {{w, v}, {0, 0}};
}

} // namespace mlx::core
