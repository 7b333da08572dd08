// Transformation rules of the creation primitives.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"

namespace mlx::core {

using namespace detail;

// ---- Arange: no inputs, nothing to transform.
std::vector<array> Arange::jvp(const std::vector<array>&, const std::vector<array>&,
                               const std::vector<int>&) {
  no_grad(*this, "jvp");
}
std::vector<array> Arange::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                               const std::vector<array>&) {
  no_grad(*this, "vjp");
}
Rules Arange::vmap(const std::vector<array>&, const std::vector<int>&) { no_grad(*this, "vmap"); }

// ---- Full: out = broadcast input, materialized.
std::vector<array> Full::jvp(const std::vector<array>&, const std::vector<array>& t,
                             const std::vector<int>&) {
  return {copy(t[0], stream())};
}
std::vector<array> Full::vjp(const std::vector<array>&, const std::vector<array>& c, const std::vector<int>&,
                             const std::vector<array>&) {
  return {c[0]};
}
Rules Full::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  return {{copy(in[0], stream())}, {axes[0]}};
}

} // namespace mlx::core
