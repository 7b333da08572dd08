// Transformation rules of the matrix product primitive.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"

namespace mlx::core {

// Inputs already broadcast to one batch shape (see matmul).
std::vector<Shape> Matmul::output_shapes(const std::vector<array>& inputs) {
  const auto& a = inputs[0].shape();
  const auto& b = inputs[1].shape();
  if (a.size() != b.size() || a.size() < 2 || a.back() != b[b.size() - 2] ||
      !std::equal(a.begin(), a.end() - 2, b.begin())) {
    throw std::invalid_argument("[Primitive::output_shapes] Matmul cannot infer output shapes.");
  }
  Shape out(a.begin(), a.end() - 1);
  out.push_back(b.back());
  return {out};
}

using namespace detail;

// ---- Matmul (inputs already broadcast in their batch dims).
std::vector<array> Matmul::jvp(const std::vector<array>& p, const std::vector<array>& t,
                               const std::vector<int>& argnums) {
  auto s = stream();
  std::optional<array> out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term = argnums[k] == 0 ? matmul(t[k], p[1], s) : matmul(p[0], t[k], s);
    out = out ? add(*out, term, s) : term;
  }
  return {*out};
}
namespace {

// Whether x is a 2-D matrix made by transposing another.
bool is_transposed_matrix(const array& x) {
  return x.ndim() == 2 && x.has_primitive() && dynamic_cast<const Transpose*>(&x.primitive());
}

} // namespace

std::vector<array> Matmul::vjp(const std::vector<array>& p, const std::vector<array>& c,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  std::vector<array> out;
  // Complex operands: the other operand's conjugate (MLX's convention, see
  // Elementwise::vjp).
  auto adjoint = [&](const array& x) {
    auto xt = swapaxes(x, -1, -2, s);
    return is_complex(x.dtype()) ? conjugate(xt, s) : xt;
  };
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(matmul(c[0], adjoint(p[1]), s));
    } else if (is_transposed_matrix(p[1]) && !is_complex(p[1].dtype())) {
      // b = W.T (a Linear layer): W's gradient is c.T @ a, computed as such
      // and handed back transposed, so that after the Transpose's own vjp
      // it is row-contiguous (a column-major gradient makes every later
      // elementwise op on it, such as the optimizer's, a strided walk).
      out.push_back(swapaxes(matmul(swapaxes(c[0], -1, -2, s), p[0], s), -1, -2, s));
    } else {
      out.push_back(matmul(adjoint(p[0]), c[0], s));
    }
  }
  return out;
}
Rules Matmul::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  // Batch axes go first; an unbatched operand broadcasts in matmul's batch
  // dims, which needs both operands to have equal rank.
  auto a = batch_first(in[0], axes[0], stream());
  auto b = batch_first(in[1], axes[1], stream());
  if (axes[0] < 0) {
    a = expand_dims(a, 0, stream());
  }
  if (axes[1] < 0) {
    b = expand_dims(b, 0, stream());
  }
  return {{matmul(a, b, stream())}, {0}};
}

} // namespace mlx::core
